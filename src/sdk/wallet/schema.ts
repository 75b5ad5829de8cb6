/**
 * The wallet's SQLite schema (drizzle): what a wallet keeps between runs so that the next sync
 * reads only new blocks. Amounts are decimal TEXT (they exceed 2^53); field elements are
 * `0x` + 64 lowercase hex digits, as in the node's schema.
 */
import { blob, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import type { TransactionJson } from '../../circuits/codec.ts'
import { DEPOSIT_STATES, HISTORY_KINDS, HISTORY_STATUSES } from './storeTypes.ts'

/** Small facts: the L1 cursor, and which rollup and network the wallet belongs to. */
export const meta = sqliteTable('meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
})

/**
 * The local note tree of wallets made before `tree_chunks`, as `MerkleTree.serialize()` (one
 * row): read once, then replaced by chunks at the next sync that grows the tree.
 */
export const tree = sqliteTable('tree', {
  id: integer('id').primaryKey(),
  snapshot: blob('snapshot', { mode: 'buffer' }).notNull(),
})

/**
 * The local note tree in chunks of `TREE_CHUNK_NODES` nodes per level (`MerkleTree.nodes`), its
 * leaf count in `meta.tree_size`: a sync that appends a batch rewrites the one or two chunks per
 * level it touched, not the whole tree (43 MB at a million leaves).
 */
export const treeChunks = sqliteTable(
  'tree_chunks',
  {
    level: integer('level').notNull(),
    chunk: integer('chunk').notNull(),
    nodes: blob('nodes', { mode: 'buffer' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.level, t.chunk] })],
)

/** Notes the wallet owns, spent or not. */
export const notes = sqliteTable('notes', {
  leafIndex: integer('leaf_index').primaryKey(),
  commitment: text('commitment').notNull(),
  nullifier: text('nullifier').notNull().unique(),
  asset: text('asset').notNull(),
  amount: text('amount').notNull(),
  blinding: text('blinding').notNull(),
  memo: text('memo').notNull(),
  /** the transaction that created it (its first commitment), for history */
  txKey: text('tx_key').notNull(),
  receivedBlock: integer('received_block').notNull(),
  /** set once its nullifier is seen on L1 */
  spentBlock: integer('spent_block'),
  /** the transaction that spent it on L1 (its first commitment): a reorg that orphans the spend locks the note for it again */
  spentTxKey: text('spent_tx_key'),
  /** the sequencer id of a submitted, not yet settled transaction spending it */
  pendingTx: text('pending_tx'),
})

/**
 * One row per transaction that touched the wallet, keyed by its first output commitment (known
 * both when the wallet submits it and when it reads it back from L1).
 */
export const history = sqliteTable('history', {
  txKey: text('tx_key').primaryKey(),
  kind: text('kind', { enum: HISTORY_KINDS }).notNull(),
  asset: text('asset').notNull(),
  amount: text('amount').notNull(),
  /** shielded address or L1 address of the other side, when the wallet made the transaction */
  counterparty: text('counterparty'),
  memo: text('memo'),
  /** sequencer id, when the wallet submitted it */
  txId: text('tx_id'),
  /** `final` once the settling block has the wallet's confirmations on top (a reorg deeper than that still takes it back) */
  status: text('status', { enum: HISTORY_STATUSES }).notNull(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  block: integer('block'),
  l1TxHash: text('l1_tx_hash'),
})

/**
 * One row per L1 block holding a batch the wallet applied: the block's hash then, and the tree's
 * leaf count after it. After a reorg the wallet rolls back to the newest row still on the chain.
 */
export const checkpoints = sqliteTable('checkpoints', {
  block: integer('block').primaryKey(),
  blockHash: text('block_hash').notNull(),
  treeSize: integer('tree_size').notNull(),
})

/**
 * Every L1 escrow the wallet makes, recorded before the L1 transaction is sent, so that no
 * failure strands it: a deposit the sequencer never admitted is submitted again while its
 * escrow is live, and reclaimed after the timeout otherwise.
 * - `escrowing`: about to be sent, or sent and not yet seen on L1
 * - `escrowed`: on L1, the shielded deposit not (or no longer) admitted by the sequencer
 * - `submitted`: admitted (`txId`), waiting for its batch
 * - `settled`: its notes are in the tree; `reclaimed`: refunded to the depositor; `void`: never escrowed
 *   (the rollup refused it; or not seen on L1 after a while, `lastError` ESCROW_NOT_SEEN, and still looked for)
 */
export const deposits = sqliteTable('deposits', {
  /** the contract's escrow key */
  key: text('key').primaryKey(),
  state: text('state', { enum: DEPOSIT_STATES }).notNull(),
  asset: text('asset').notNull(),
  /** escrowed: the amount credited plus the fee */
  amount: text('amount').notNull(),
  /** the proven shielded deposit, as sent to the sequencer (`toTransactionJson`) */
  transaction: text('transaction', { mode: 'json' }).$type<TransactionJson>().notNull(),
  txId: text('tx_id'),
  /** the block from which the depositor may reclaim it (null until seen on L1) */
  unlockBlock: integer('unlock_block'),
  /** the last reason the sequencer gave for not admitting it */
  lastError: text('last_error'),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
})
