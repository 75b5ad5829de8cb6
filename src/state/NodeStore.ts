import type { ProofJson, TransactionJson } from '../circuits/codec.ts'
import type { BatchState, Hash, NullifierStatus, TxStatus } from './schema.ts'

/**
 * Rejections the store itself decides, with the sentence the API returns as-is.
 *
 * @example
 * return { ok: false, code: 'TRANSACTION_KNOWN', message: STORE_REJECTIONS.TRANSACTION_KNOWN }
 */
export const STORE_REJECTIONS = {
  NULLIFIER_SPENT: 'The note was already spent.',
  NULLIFIER_PENDING: 'The note is already being spent by a pending transaction.',
  TRANSACTION_KNOWN: 'This transaction was already submitted.',
  DEPOSIT_PENDING: 'The deposit’s escrow is already being consumed by another admitted transaction.',
} as const
export type StoreRejectionCode = keyof typeof STORE_REJECTIONS

/** An admitted transaction as the sequencer hands it to the store. */
export type NewTransaction = {
  /** Stable id the user polls with, e.g. a hash of the payload. */
  id: string
  /** The transaction as submitted, JSON with field elements as hex. */
  payload: TransactionJson
  nullifiers: readonly bigint[]
  commitments: readonly bigint[]
  extDataHash: bigint
  /** The root the proof is against. */
  root: bigint
  /** A deposit's L1 escrow key: reserved like the nullifiers, so no two admitted transactions consume one escrow. */
  escrowKey?: Hash
  /** Admission time; the store's clock by default. */
  createdAt?: Date
  /** The fee it pays in thousandths of the node's price (default 0): batches take the highest first. */
  priority?: number
}

export type StoredTransaction = {
  id: string
  status: TxStatus
  rejectCode: string | null
  rejectMessage: string | null
  payload: TransactionJson
  nullifiers: bigint[]
  commitments: bigint[]
  extDataHash: bigint
  root: bigint
  createdAt: Date
  batchNumber: number | null
  position: number | null
  /** the L1 escrow a deposit consumes */
  escrowKey: Hash | null
  /** admission order, from 1: the mempool's page cursor */
  seq: number
  /** the fee it pays in thousandths of the node's price */
  priority: number
}

/** A rejection is a value (CONVENTIONS "Code" 3): the API returns `code` and `message` as-is. */
export type InsertTransactionResult =
  | { ok: true; transaction: StoredTransaction }
  | { ok: false; code: StoreRejectionCode; message: string; nullifier?: bigint; /** the transaction holding the escrow (DEPOSIT_PENDING) */ holder?: string }

export type StoredBatch = {
  number: number
  state: BatchState
  attempts: number
  proof: ProofJson | null
  oldRoot: bigint | null
  newRoot: bigint | null
  startIndex: number | null
  l1TxHash: Hash | null
  l1Block: number | null
  /** the hash `l1Block` had when the batch was read there (null before settlement, and for batches recorded before this column) */
  l1BlockHash: Hash | null
  error: string | null
  createdAt: Date
  updatedAt: Date
  settledAt: Date | null
}

/** Fields that may be written along with a state change. */
export type BatchPatch = {
  proof?: ProofJson
  oldRoot?: bigint
  newRoot?: bigint
  startIndex?: number
  l1TxHash?: Hash
  l1Block?: number
  error?: string | null
}

export type SealBatchOptions = {
  /** At most this many of the oldest pending transactions go in (the batch size N). */
  maxTransactions: number
  /**
   * Pending transactions that go first, in this order, before the oldest others: the rollup's
   * forced-inclusion queue, which batches must serve in order. Ids that are not pending are
   * passed over.
   */
  first?: readonly string[]
  /**
   * Pending transactions admitted before this time go next, oldest first, before the best
   * payers: whoever pays the price is served within a bounded wait, however many pay more.
   */
  agedBefore?: Date
  oldRoot?: bigint
  newRoot?: bigint
  startIndex?: number
}

export type NewLeaf = {
  commitment: bigint
  ciphertext: Uint8Array
  epk: Uint8Array
  /** Position in the note tree; `startIndex + i` by default. */
  leafIndex?: number
}

export type SettledBatch = {
  /** Our batch that settled; absent for one someone else settled (escape hatch), recorded as new. */
  batchNumber?: number
  oldRoot?: bigint
  newRoot: bigint
  startIndex: number
  /** The tree's leaf count after the batch, zero padding included. */
  leafCount: number
  /** The real notes; zero padding is not stored (a missing index is a zero leaf). */
  leaves: readonly NewLeaf[]
  /** Every nullifier the batch spent on L1. */
  nullifiers: readonly bigint[]
  l1TxHash?: Hash
  l1Block?: number
  /** the hash of `l1Block` as the batch's event gave it: what a reorg check compares */
  l1BlockHash?: Hash
}

export type StoredLeaf = {
  leafIndex: number
  commitment: bigint
  ciphertext: Uint8Array
  epk: Uint8Array
  batchNumber: number
}

export type StoredRoot = { root: bigint; leafCount: number; batchNumber: number | null }

/** Where a follower of L1 is: the next block to read, and the hash of the last one applied (`block - 1`). */
export type SyncCursor = { block: bigint; blockHash: Hash | null }

/** A settled batch as a reorg check sees it: where on L1 it was read. */
export type BatchCheckpoint = { batchNumber: number; state: 'settled' | 'final'; l1Block: number; l1BlockHash: Hash }

/** What `rollbackSettled` undid. */
export type RollbackResult = {
  /** our batches, back to `submitted` (their transactions too), to be posted again or found re-mined */
  reverted: StoredBatch[]
  /** batches someone else settled (escape hatch), removed with their leaves, roots and nullifiers */
  removed: number[]
}

/**
 * Everything the sequencer, prover and settlement loop persist. Every method is one SQL
 * transaction: it happens entirely or not at all, so a kill -9 between any two calls restarts
 * from a consistent state. Implementations must pass the shared suite in
 * test/helpers/nodeStoreSuite.ts.
 */
export interface NodeStore {
  /**
   * Admits a transaction as `pending`, reserving its nullifiers in the same SQL transaction so
   * that of two transactions spending one note exactly one gets in. A taken nullifier or a
   * known id is a rejection value, not an exception.
   */
  insertPendingTransaction(tx: NewTransaction): Promise<InsertTransactionResult>
  getTransaction(id: string): Promise<StoredTransaction | undefined>
  /**
   * Which of `values` are spent on L1 or reserved by an admitted transaction, and by which local
   * transaction (null when spent by someone else's batch). A read: admission's early check.
   */
  takenNullifiers(values: readonly bigint[]): Promise<{ value: bigint; status: NullifierStatus; txId: string | null }[]>
  /** The admitted transaction, not yet settled or rejected, that consumes the escrow `key`, if one does. */
  escrowHolder(key: Hash): Promise<string | undefined>
  /**
   * Marks a not yet settled transaction `rejected` with a code and sentence, and releases its
   * pending nullifiers so the notes can be spent again. Rejecting twice keeps the first reason.
   */
  rejectTransaction(id: string, reason: { code: string; message: string }): Promise<StoredTransaction>
  /**
   * Puts a rejected transaction back in the queue as `pending`, reserving its nullifiers again:
   * for a transaction the rollup's forced-inclusion queue makes mandatory although the node
   * had turned it away (a policy such as the deposit margin). A nullifier taken meanwhile is a
   * rejection value; a transaction that is not rejected is returned as it is.
   */
  requeueTransaction(id: string): Promise<InsertTransactionResult>
  /**
   * Admitted transactions not yet settled on L1 (pending, batched, proving, submitted), oldest
   * first, from admission order `afterSeq` on (exclusive; default 0): what watch-only merchants
   * trial-decrypt to see a payment before it settles, a page at a time.
   */
  listUnsettledTransactions(limit: number, afterSeq?: number): Promise<StoredTransaction[]>
  /** How many transactions wait, and since when the oldest has: the batcher's size and age rule. */
  getPendingSummary(): Promise<{ count: number; oldestCreatedAt: Date | null }>

  /**
   * Puts pending transactions into a new `sealed` batch, the `first` ones first, then by fee
   * (highest priority) and age; undefined when none wait.
   */
  sealBatch(options: SealBatchOptions): Promise<{ batch: StoredBatch; transactions: StoredTransaction[] } | undefined>
  getBatch(number: number): Promise<StoredBatch | undefined>
  /** A batch's transactions by position, rejected ones included. */
  listBatchTransactions(number: number): Promise<StoredTransaction[]>
  /** Batches in any of `states`, oldest first: what to resume after a restart. */
  listBatches(states: readonly BatchState[]): Promise<StoredBatch[]>
  /**
   * Moves a batch along its state machine (`BATCH_TRANSITIONS`), updating its transactions'
   * status. Into `settled` only through `recordSettledBatch`, back out of it only through
   * `rollbackSettled`: both move the leaves, root and nullifiers with the state.
   */
  setBatchState(number: number, to: BatchState, patch?: BatchPatch): Promise<StoredBatch>
  /**
   * Gives up on a batch (it becomes `failed` with `error`) and puts its transactions that are not
   * rejected back to `pending`, to be sealed into a new batch: what the sequencer does after the
   * contract refused one transaction of the batch, or after the root moved under it.
   */
  releaseBatch(number: number, error: string): Promise<StoredTransaction[]>
  /**
   * Records a batch settled on L1: its leaves, its new root, its nullifiers spent. Pending local
   * transactions that spend one of those nullifiers are rejected with `NULLIFIER_SPENT`; their ids
   * are returned.
   */
  recordSettledBatch(batch: SettledBatch): Promise<{ batchNumber: number; rejected: string[] }>

  /**
   * The batches a reorg check walks back through, newest L1 block first: every `settled` batch
   * with a block hash, then the newest `final` one (if it was replaced, a final batch is gone).
   */
  reorgCheckpoints(): Promise<BatchCheckpoint[]>
  /**
   * Undoes, in one SQL transaction, what L1 settled in block `fromBlock` or later, because a reorg
   * orphaned those blocks: those batches lose their leaves, roots and spent nullifiers; ours go
   * back to `submitted` with their transactions (their nullifiers reserved again), others' are
   * removed; the cursor `cursorKey` moves to `fromBlock` with `cursorHash` (the hash of the block
   * before it, the newest still on the chain). Pending transactions that were rejected
   * `NULLIFIER_SPENT` by a removed batch stay rejected: their senders prove them again.
   * Throws `ReorgTooDeepError` (changing nothing) when one of those batches is `final`.
   */
  rollbackSettled(p: { fromBlock: bigint; cursorKey: string; cursorHash: Hash | null }): Promise<RollbackResult>

  /** Records the empty tree's root once; the same root again is a no-op. */
  recordGenesisRoot(root: bigint): Promise<void>
  /** Whether `root` was ever the tree's root: a transaction may prove against any of them. */
  knownRoot(root: bigint): Promise<boolean>
  latestRoot(): Promise<StoredRoot | undefined>
  /** Settled notes from `fromLeafIndex` in leaf order, at most `limit`: what wallets sync. */
  listNotes(fromLeafIndex: number, limit: number): Promise<StoredLeaf[]>

  getCursor(key: string): Promise<SyncCursor | undefined>
  setCursor(key: string, cursor: { block: bigint; blockHash?: Hash | null }): Promise<void>

  /** Closes the database; the store is unusable afterwards. */
  close(): Promise<void>
}
