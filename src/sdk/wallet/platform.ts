import type { TransferProver } from '../../circuits/transaction.ts'
import type { EncryptedTransaction, ScanKey, ScanResponse } from '../../crypto/noteScanner.ts'
import type { WalletStore } from './storeTypes.ts'

/**
 * What a wallet needs from where it runs, and the wallet itself does not decide: how it
 * trial-decrypts, how it proves, and which store a path names. Node: worker threads, the
 * in-process prover and SQLite (`nodePlatform`); a browser: WebCrypto, a Web Worker and
 * IndexedDB (`zkpay`'s `browser` build). The wallet's logic is the same code on both.
 */
export type WalletPlatform = {
  readonly name: 'node' | 'browser'
  /** The notes among `txs` that belong to the key (payments to its address, and with `internalKey` its own). */
  scan(key: ScanKey, txs: readonly EncryptedTransaction[]): Promise<ScanResponse>
  /** A transfer proof for a witness. */
  proveTransfer: TransferProver
  /** The store a path names (`undefined`: one in memory, for the life of the wallet object). */
  openStore(path: string | undefined): WalletStore
}
