import manifest from '../../circuits/manifest.json' with { type: 'json' }
import { InvalidParameterError } from '../errors/index.ts'
import type { WalletStore } from '../sdk/wallet/storeTypes.ts'
import type { Wallet, WalletOptions } from '../sdk/wallet/Wallet.ts'
import type { ArtifactManifest } from './protocol.ts'
import type { WorkerLike, WorkerProver } from './workerProver.ts'

/** `createWallet`'s options in a browser: `store` names an IndexedDB database; proofs are made in a Web Worker. */
export type BrowserWalletOptions = Omit<WalletOptions, 'store'> & {
  /** an IndexedDB database's name (`zkpay-wallet:<name>`; default: one per address and rollup), or an open store */
  store?: string | WalletStore
  prover?: {
    /** the folder holding transfer.wasm and transfer.zkey (default: `circuits/artifacts/` of the page) */
    artifactsUrl?: string | URL
    /** zkpay's prover worker script (default: the package's dist/web/prover.worker.js, as a bundler resolves `new URL(…, import.meta.url)`) */
    workerUrl?: string | URL
    /** an already started worker (tests); `workerUrl` is then unused */
    worker?: WorkerLike
  }
  /** the X25519 of note decryption: WebCrypto's (default; @noble where the browser lacks it), or always @noble */
  x25519?: 'webcrypto' | 'noble'
}

/** One prover worker per page: it keeps the proving key (17 MB) loaded, whichever wallet asks. */
const provers = new Map<string, WorkerProver>()

/**
 * Opens a shielded wallet in a browser: the same `Wallet` as in Node, with its notes in
 * IndexedDB, notes decrypted with WebCrypto's X25519, and proofs made in a dedicated Web Worker
 * (the page never blocks on one). The worker downloads the transfer circuit once, checks it
 * against the SHA-256s of `circuits/manifest.json` built into this module (a proving key from
 * anywhere else could make proofs that leak the payment), and keeps it in Cache Storage.
 *
 * @example
 * import { createWallet } from 'zkpay' // the `browser` build
 * const wallet = await createWallet({ seed, sequencerUrl, rollupAddress, fromBlock, l1: { publicClient, walletClient }, store: 'main' })
 * await wallet.sync()
 */
export async function createWallet(options: BrowserWalletOptions): Promise<Wallet> {
  const [{ Wallet }, { IndexedDbWalletStore }, { browserPlatform }, { createWorkerProver }, { initCrypto }, keys, address] = await Promise.all([
    import('../sdk/wallet/Wallet.ts'),
    import('../sdk/wallet/IndexedDbWalletStore.ts'),
    import('./platform.ts'),
    import('./workerProver.ts'),
    import('../crypto/poseidon.ts'),
    import('../crypto/keys.ts'),
    import('../crypto/address.ts'),
  ])
  // Poseidon's WebAssembly engine: its JavaScript fallback reads constants from Node's disk.
  await initCrypto()
  const seed = options.seed ?? (options.mnemonic ? keys.seedFromMnemonic(options.mnemonic) : undefined)
  if (!seed) throw new InvalidParameterError('mnemonic', 'expected a mnemonic or a seed')
  const page = (globalThis as { location?: { href: string } }).location?.href
  const resolve = (url: string | URL, what: string) => {
    try {
      return new URL(url, page).href
    } catch {
      throw new InvalidParameterError(what, 'expected a URL (relative URLs resolve against the page)')
    }
  }
  const artifactsUrl = resolve(options.prover?.artifactsUrl ?? 'circuits/artifacts/', 'prover.artifactsUrl')
  let prover = provers.get(artifactsUrl)
  if (!prover) {
    const worker = options.prover?.worker ?? new Worker(resolve(options.prover?.workerUrl ?? new URL('../web/prover.worker.js', import.meta.url), 'prover.workerUrl'), { type: 'module', name: 'zkpay-prover' })
    // The worker checks each name and hash before using any.
    prover = createWorkerProver({ worker, artifactsUrl, manifest: manifest as ArtifactManifest })
    provers.set(artifactsUrl, prover)
  }
  let store = options.store
  if (typeof store !== 'object') {
    const k = keys.deriveKeys(seed)
    const own = address.encodeAddress({ ownerPk: k.ownerPk, vpk: k.vpk }, options.network ?? 'testnet')
    store = await IndexedDbWalletStore.open(store ?? `${own}@${options.rollupAddress.toLowerCase()}`)
  }
  const p = prover
  return new Wallet({ ...options, seed, store }, browserPlatform({ proveTransfer: (w) => p.proveTransfer(w), ...(options.x25519 ? { x25519: options.x25519 } : {}) }))
}
