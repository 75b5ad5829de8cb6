import type { TransferProver } from '../circuits/transaction.ts'
import { decryptNotes } from '../crypto/noteEncryption.ts'
import type { EncryptedTransaction, ScanKey, ScanResponse } from '../crypto/noteScanner.ts'
import { type WebCryptoX25519, webCryptoX25519 } from '../crypto/webCryptoX25519.ts'
import { InvalidParameterError } from '../errors/index.ts'
import type { WalletPlatform } from '../sdk/wallet/platform.ts'

/**
 * Trial-decrypts on this thread with one X25519 per transaction: all of a scan's agreements
 * first, through WebCrypto in one batch (native in browsers), then the ciphertexts. Without
 * WebCrypto's X25519 (`x25519: 'noble'`, or a browser that lacks it) each agreement is
 * @noble's, in JavaScript.
 *
 * @example
 * const mine = await scanTransactions({ vsk, ownerPk, internalKey }, txs, 'webcrypto')
 */
export async function scanTransactions(key: ScanKey, txs: readonly EncryptedTransaction[], x25519: 'webcrypto' | 'noble' = 'webcrypto'): Promise<ScanResponse> {
  let ecdh: WebCryptoX25519 | undefined
  if (x25519 === 'webcrypto' && txs.length > 0) ecdh = await webCryptoX25519(key.vsk)
  const secrets = ecdh ? await ecdh.sharedSecrets(txs.map((t) => t.epk)) : undefined
  return txs.flatMap((tx, txIndex) => {
    const shared = secrets ? { shared: secrets[txIndex] ?? null } : {}
    return decryptNotes({ vsk: key.vsk, ownerPk: key.ownerPk, internalKey: key.internalKey, ...tx, ...shared }).flatMap((n) => (n ? [{ txIndex, ...n }] : []))
  })
}

/**
 * A wallet in a browser: notes decrypted with WebCrypto's X25519, proofs from `proveTransfer`
 * (a Web Worker's: `createWorkerProver`), and stores opened by `createWallet` (IndexedDB opens
 * asynchronously, so a store path is not this platform's to open).
 *
 * @example
 * const wallet = new Wallet({ ...options, store: await IndexedDbWalletStore.open('alice') }, browserPlatform({ proveTransfer: prover.proveTransfer }))
 */
export function browserPlatform(p: { proveTransfer: TransferProver; x25519?: 'webcrypto' | 'noble' }): WalletPlatform {
  return {
    name: 'browser',
    scan: (key, txs) => scanTransactions(key, txs, p.x25519),
    proveTransfer: p.proveTransfer,
    openStore(path) {
      throw new InvalidParameterError('store', `a browser wallet's store is an IndexedDB database opened by createWallet, not ${path === undefined ? 'one in memory' : `the path ${path}`}`)
    },
  }
}
