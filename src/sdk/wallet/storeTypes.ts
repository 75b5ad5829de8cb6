import type { TransactionJson } from '../../circuits/codec.ts'
import type { Hex32 } from '../../crypto/field.ts'
import type { MerkleTree } from '../../crypto/merkleTree.ts'
import type { Checkpoint } from '../../settlement/detectReorg.ts'

// What a wallet keeps, whatever keeps it: SQLite in Node (`SqliteWalletStore`), IndexedDB in a
// browser (`IndexedDbWalletStore`). Types only, so that neither engine loads with the other.

/** A note as the wallet stores it. */
export type StoredNote = {
  leafIndex: number
  commitment: bigint
  nullifier: bigint
  asset: bigint
  amount: bigint
  blinding: bigint
  memo: string
  txKey: Hex32
  receivedBlock: bigint
  spentBlock: bigint | null
  pendingTx: string | null
}

/** What became of an escrow: see `schema.deposits` for each state's meaning. */
export const DEPOSIT_STATES = ['escrowing', 'escrowed', 'submitted', 'settled', 'reclaimed', 'void'] as const
export type DepositState = (typeof DEPOSIT_STATES)[number]

/** An L1 escrow the wallet made and what became of it (see `schema.deposits`). */
export type StoredDeposit = {
  key: `0x${string}`
  state: DepositState
  asset: bigint
  /** escrowed: the amount credited plus the fee */
  amount: bigint
  /** the shielded deposit as sent to the sequencer (`toTransactionJson`) */
  transaction: TransactionJson
  txId: string | null
  unlockBlock: bigint | null
  lastError: string | null
  createdAt: Date
}

/** An L1 block holding a batch the wallet applied, and the tree's leaf count after it. */
export type WalletCheckpoint = Checkpoint & { treeSize: number }

export const HISTORY_KINDS = ['deposit', 'send', 'withdraw', 'merge', 'receive', 'self'] as const
export type HistoryKind = (typeof HISTORY_KINDS)[number]
export const HISTORY_STATUSES = ['pending', 'settled', 'final', 'rejected'] as const
export type HistoryStatus = (typeof HISTORY_STATUSES)[number]

/** One transaction that touched the wallet. */
export type HistoryEntry = {
  /** the transaction's first output commitment */
  txKey: Hex32
  kind: HistoryKind
  asset: bigint
  /** what left the wallet (send, withdraw), or arrived (deposit, receive); 0 for a merge */
  amount: bigint
  counterparty: string | null
  memo: string | null
  txId: string | null
  status: HistoryStatus
  createdAt: Date
  block: bigint | null
  l1TxHash: string | null
}

/** What one sync pass found, written in one SQL transaction. */
export type SyncWrite = {
  cursor: bigint
  /** the hash of block `cursor - 1`, the last one read: the next sync checks it is still on the chain (none: not checked) */
  cursorHash?: `0x${string}`
  /** one per block that held a batch */
  checkpoints?: WalletCheckpoint[]
  /** the tree after the sync, when it grew: its new and changed chunks are written */
  tree?: MerkleTree
  newNotes: StoredNote[]
  /** our notes spent on L1: where, and by which transaction (its first commitment) */
  spent: { nullifier: bigint; block: bigint; txKey: Hex32 }[]
  history: HistoryEntry[]
}

/**
 * A wallet's local database. Reads and writes are synchronous, from the store's own copy;
 * `flush` resolves once every write made so far is durable. The wallet awaits it before each
 * step that moves money (an L1 escrow, a submission), so that what it is about to do is on
 * disk first. SQLite writes are durable when they return; IndexedDB's commit later.
 */
export interface WalletStore {
  getMeta(key: string): string | undefined
  setMeta(key: string, value: string): void
  /** Meta rows whose key starts with `prefix`, by key. */
  metaWithPrefix(prefix: string): [string, string][]
  /** The stored note tree (undefined for a new wallet). */
  loadTree(): MerkleTree | undefined
  /** The hash of the last block the wallet read (`cursor - 1`), when it was recorded. */
  cursorHash(): `0x${string}` | undefined
  /** Every checkpoint, newest block first: what a reorg check walks back through. */
  checkpoints(): WalletCheckpoint[]
  notes(): StoredNote[]
  /** Oldest first. */
  history(): HistoryEntry[]
  /** Everything one sync found, atomically: a crash leaves the previous sync's state whole. */
  writeSync(w: SyncWrite): void
  /**
   * Undoes, atomically, everything read from block `cursor` on (an L1 reorg orphaned those
   * blocks): notes received there are forgotten; notes spent there are unspent, and locked again
   * for the wallet's own transaction that spent them; history entries settled there go back to
   * pending (the wallet's own) or disappear (what it only saw on L1); the tree becomes `tree`
   * and the cursor `cursor`, with `cursorHash` for the block before it.
   */
  rollback(r: { cursor: bigint; cursorHash: `0x${string}` | null; tree: MerkleTree }): void
  /** Locks notes for a submitted transaction (`txId`), or frees them (`null`). */
  setPending(leafIndexes: readonly number[], txId: string | null): void
  /** Sequencer ids of transactions that still lock notes. */
  pendingTransactions(): string[]
  /** Settled entries in blocks up to `block` become `final`. */
  finalizeHistory(block: bigint): void
  /** Adds an entry, or replaces the one with its `txKey` (keeping its `createdAt`). */
  putHistory(entry: HistoryEntry): void
  /** Records an escrow before its L1 transaction is sent (state `escrowing`). */
  putDeposit(d: Pick<StoredDeposit, 'key' | 'asset' | 'amount' | 'transaction'>): void
  updateDeposit(key: string, patch: Partial<Pick<StoredDeposit, 'state' | 'txId' | 'unlockBlock' | 'lastError'>>): void
  /** Escrows, oldest first; only those in `states` when given. */
  deposits(states?: readonly DepositState[]): StoredDeposit[]
  /** Resolves once every write so far is durable; rejects (STORE_WRITE_FAILED) if one failed. */
  flush(): Promise<void>
  close(): void
}
