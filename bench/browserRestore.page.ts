// The browser benchmark's restore page (bench/browser.ts bundles it on the fly with the web
// wallet's esbuild options and serves it on 127.0.0.1): a wallet restored from L1 through
// zkpay's browser build, and X25519 agreements per second, WebCrypto's against @noble's. Node
// drives it through `window.restoreBench` and checks what it returns.
import { x25519 } from '@noble/curves/ed25519.js'
import { type Address, createPublicClient, createWalletClient, http, type PublicClient } from 'viem'
import { foundry } from 'viem/chains'
import type { WorkerLike } from '../src/browser/workerProver.ts'
import { createWallet } from '../src/browser.ts'
import { webCryptoX25519 } from '../src/crypto/webCryptoX25519.ts'
import { WALLET_DB_PREFIX } from '../src/sdk/wallet/IndexedDbWalletStore.ts'

export type RestoreParameters = {
  rpcUrl: string
  mnemonic: string
  rollupAddress: Address
  fromBlock: bigint
  /** the L1 account of the wallet client (anvil's, unlocked: nothing is signed here) */
  account: Address
  /** a fresh IndexedDB wallet name: the restore starts from an empty store */
  store: string
  x25519: 'webcrypto' | 'noble'
}

export type EcdhParameters = { webcryptoAgreements: number; nobleAgreements: number; rounds: number }

/**
 * A prover worker that never answers: the restoring wallet starts no artifact download, so
 * nothing competes with the sync being timed (a sync proves nothing).
 */
const silentWorker: WorkerLike = { postMessage: () => undefined, addEventListener: () => undefined, terminate: () => undefined }

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(name)
    request.onsuccess = () => resolve()
    request.onerror = () => reject(request.error)
  })
}

/**
 * `createWallet` of the browser build into an empty IndexedDB store, then `wallet.sync()` timed
 * (logs over JSON-RPC, roots checked, every output trial-decrypted, the store flushed); the
 * database is deleted afterwards, outside the timing.
 */
async function restore(p: RestoreParameters): Promise<{ ms: number; balance: bigint }> {
  const transport = http(p.rpcUrl)
  const publicClient = createPublicClient({ chain: foundry, transport, pollingInterval: 50 }) as PublicClient
  const walletClient = createWalletClient({ account: p.account, chain: foundry, transport })
  const wallet = await createWallet({
    mnemonic: p.mnemonic,
    sequencerUrl: 'http://127.0.0.1:9', // unused by sync
    rollupAddress: p.rollupAddress,
    fromBlock: p.fromBlock,
    l1: { publicClient, walletClient },
    store: p.store,
    prover: { worker: silentWorker },
    x25519: p.x25519,
  })
  const t0 = performance.now()
  await wallet.sync()
  const ms = performance.now() - t0
  const balance = wallet.balance()
  wallet.store.close()
  await deleteDatabase(`${WALLET_DB_PREFIX}${p.store}`)
  return { ms, balance }
}

/**
 * X25519 agreements per second with one secret key (a scan's viewing key) and fresh public keys
 * (ephemeral keys of transactions): WebCrypto's as a scan makes them (the key imported, then
 * every point in one batch), and @noble's in a loop; the median round of each. Both must agree.
 */
async function ecdh(p: EcdhParameters): Promise<{ webcryptoPerSecond: number; noblePerSecond: number }> {
  const secret = x25519.utils.randomSecretKey()
  const points = await Promise.all(
    Array.from({ length: Math.max(p.webcryptoAgreements, p.nobleAgreements) }, async () => {
      const pair = (await crypto.subtle.generateKey({ name: 'X25519' }, true, ['deriveBits'])) as CryptoKeyPair
      return new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey))
    }),
  )
  const webcrypto: number[] = []
  const noble: number[] = []
  for (let round = 0; round < p.rounds; round++) {
    let t0 = performance.now()
    const agreement = await webCryptoX25519(secret)
    if (!agreement) throw new Error('This browser has no WebCrypto X25519.')
    const secrets = await agreement.sharedSecrets(points.slice(0, p.webcryptoAgreements))
    webcrypto.push(p.webcryptoAgreements / ((performance.now() - t0) / 1000))
    t0 = performance.now()
    const ours = points.slice(0, p.nobleAgreements).map((point) => x25519.getSharedSecret(secret, point))
    noble.push(p.nobleAgreements / ((performance.now() - t0) / 1000))
    for (let i = 0; i < Math.min(ours.length, secrets.length); i++) {
      if (secrets[i]?.join() !== ours[i]!.join()) throw new Error(`WebCrypto and @noble disagree on agreement ${i}.`)
    }
  }
  return { webcryptoPerSecond: median(webcrypto), noblePerSecond: median(noble) }
}

const api = { restore, ecdh }
/** The page's `window.restoreBench`, as bench/browser.ts calls it. */
export type RestorePageApi = typeof api
;(globalThis as unknown as { restoreBench: RestorePageApi }).restoreBench = api
document.body.dataset.ready = 'true'
