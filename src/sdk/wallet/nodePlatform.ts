import { NoteScanner } from '../../crypto/noteScanner.ts'
import type { WalletPlatform } from './platform.ts'
import { openWalletStore } from './WalletStore.ts'

/**
 * Trial decryption moves to worker threads (shared by the wallets of a process) only for long
 * syncs: starting them, and Poseidon in each to check a hit's commitment, costs about what
 * decrypting 10,000 outputs on this thread does (measured: a 10,000-output restore took 1.1 s
 * on this thread, 3.9 s with cold workers).
 */
const PARALLEL_SCAN_FROM = 20_000
const serialScanner = new NoteScanner({ threads: 1 })
let parallelScanner: NoteScanner | undefined

/**
 * A wallet in Node: libsodium's x25519 (on worker threads for long syncs), proofs in this
 * process (snarkjs's curve on its worker threads; loaded with the first proof), SQLite stores.
 *
 * @example
 * const wallet = new Wallet({ mnemonic, sequencerUrl, rollupAddress, fromBlock, l1, store: 'wallet.db' }, nodePlatform)
 */
export const nodePlatform: WalletPlatform = {
  name: 'node',
  scan: (key, txs) => (txs.length >= PARALLEL_SCAN_FROM ? (parallelScanner ??= new NoteScanner()) : serialScanner).scan(key, txs),
  proveTransfer: async (witness) => (await import('../../circuits/prove.ts')).proveTransfer(witness),
  openStore: (path) => openWalletStore({ path: path ?? ':memory:' }),
}
