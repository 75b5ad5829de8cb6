/**
 * The operator node's SQLite schema (drizzle). drizzle-kit turns it into the committed SQL in
 * `migrations/` (`npx drizzle-kit generate`); `openNodeStore` applies that SQL at open.
 *
 * Conventions, checked by the database itself so that no code path can break them:
 * - field elements (roots, nullifiers, commitments, hashes) are TEXT of exactly `0x` + 64
 *   lowercase hex digits, so equal values are equal strings and `=` / indexes just work;
 * - every status column is one of a fixed list;
 * - times are integer milliseconds since the epoch.
 */
import { type SQL, sql } from 'drizzle-orm'
import type { ProofJson, TransactionJson } from '../circuits/codec.ts'
import { blob, check, index, integer, type SQLiteColumn, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import type { Hex32 } from '../crypto/field.ts'

/** A JSON value, as the transaction payload and the proof are stored. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

/** An L1 transaction or block hash: `0x` + 64 hex digits (not a field element: it may exceed r). */
export type Hash = `0x${string}`

/**
 * What a user sees of their transaction. `pending` is admitted and waiting; the next four follow
 * its batch; `final` is past reorg depth; `rejected` carries a code and a sentence.
 *
 * @example
 * const known = new Set<string>(TX_STATUSES).has(status) // 'pending', 'batched', …, 'final', 'rejected'
 */
export const TX_STATUSES = ['pending', 'batched', 'proving', 'submitted', 'settled', 'final', 'rejected'] as const
export type TxStatus = (typeof TX_STATUSES)[number]

/**
 * A batch's state machine; `BATCH_TRANSITIONS` in transitions.ts lists its edges.
 *
 * @example
 * const state = z.enum(BATCH_STATES).parse(row.state) // 'open' | 'sealed' | … | 'failed'
 */
export const BATCH_STATES = ['open', 'sealed', 'proving', 'proven', 'submitted', 'settled', 'final', 'failed'] as const
export type BatchState = (typeof BATCH_STATES)[number]

/**
 * `pending`: reserved by an admitted transaction not yet on L1; `spent`: spent on L1.
 *
 * @example
 * const status = text('status', { enum: NULLIFIER_STATUSES }).notNull() // a drizzle column of 'pending' | 'spent'
 */
export const NULLIFIER_STATUSES = ['pending', 'spent'] as const
export type NullifierStatus = (typeof NULLIFIER_STATUSES)[number]

function oneOf(column: SQLiteColumn, values: readonly string[]): SQL {
  return sql`${column} in (${sql.raw(values.map((v) => `'${v}'`).join(', '))})`
}

// Fixed width and lowercase: `0x0A…` and `0xa…` would otherwise be two different nullifiers.
function isHex32(column: SQLiteColumn): SQL {
  return sql`length(${column}) = 66 and substr(${column}, 1, 2) = '0x' and substr(${column}, 3) not glob '*[^0-9a-f]*'`
}

export const batches = sqliteTable(
  'batches',
  {
    /** Local batch number, in sealing order; batches settled by someone else get one too. */
    number: integer('number').primaryKey({ autoIncrement: true }),
    state: text('state', { enum: BATCH_STATES }).notNull(),
    /** 1 when sealed, +1 per retry after a failure; 0 for a batch another submitter settled. */
    attempts: integer('attempts').notNull().default(0),
    /** The batch proof, in the one wire format of proofs (src/circuits/codec.ts). */
    proof: text('proof', { mode: 'json' }).$type<ProofJson>(),
    oldRoot: text('old_root').$type<Hex32>(),
    newRoot: text('new_root').$type<Hex32>(),
    /** Index of the batch's first leaf in the note tree. */
    startIndex: integer('start_index'),
    l1TxHash: text('l1_tx_hash').$type<Hash>(),
    l1Block: integer('l1_block'),
    /** The hash of `l1Block` when the batch was read there: a reorg that drops the batch changes it. */
    l1BlockHash: text('l1_block_hash').$type<Hash>(),
    /** The last failure, as a sentence for the operator. */
    error: text('error'),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
    settledAt: integer('settled_at', { mode: 'timestamp_ms' }),
  },
  (t) => [
    check('batches_state_check', oneOf(t.state, BATCH_STATES)),
    check('batches_old_root_check', sql`${t.oldRoot} is null or (${isHex32(t.oldRoot)})`),
    check('batches_new_root_check', sql`${t.newRoot} is null or (${isHex32(t.newRoot)})`),
    index('batches_state_idx').on(t.state),
  ],
)

export const transactions = sqliteTable(
  'transactions',
  {
    /** Admission order: batches take the oldest first, and ties in `createdAt` stay ordered. */
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull().unique(),
    status: text('status', { enum: TX_STATUSES }).notNull(),
    rejectCode: text('reject_code'),
    rejectMessage: text('reject_message'),
    /** The transaction as submitted (proof, public inputs, ext data), JSON with hex fields. */
    payload: text('payload', { mode: 'json' }).$type<TransactionJson>().notNull(),
    nullifiers: text('nullifiers', { mode: 'json' }).$type<Hex32[]>().notNull(),
    commitments: text('commitments', { mode: 'json' }).$type<Hex32[]>().notNull(),
    extDataHash: text('ext_data_hash').$type<Hex32>().notNull(),
    /** The tree root the transaction's proof is against. */
    root: text('root').$type<Hex32>().notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    batchNumber: integer('batch_number').references(() => batches.number),
    /** Position within its batch, from 0: its commitments are leaves `startIndex + 3 * position + i`. */
    position: integer('position'),
    /** A deposit's L1 escrow key (`0x` + 64 hex digits; not a field element): the escrow it consumes. */
    escrowKey: text('escrow_key').$type<Hash>(),
    /**
     * The fee it pays in thousandths of the node's price for its asset (0 on a node without fees):
     * batches take the highest first, then the oldest. Prices are per asset, so this is fee per gas.
     */
    priority: integer('priority').notNull().default(0),
  },
  (t) => [
    check('transactions_status_check', oneOf(t.status, TX_STATUSES)),
    check('transactions_escrow_key_check', sql`${t.escrowKey} is null or (${isHex32(t.escrowKey)})`),
    // A rejection always carries its reason, and only a rejection does.
    check('transactions_reject_check', sql`(${t.status} = 'rejected') = (${t.rejectCode} is not null and ${t.rejectMessage} is not null)`),
    check('transactions_batch_check', sql`(${t.batchNumber} is null) = (${t.position} is null)`),
    check('transactions_ext_data_hash_check', isHex32(t.extDataHash)),
    check('transactions_root_check', isHex32(t.root)),
    index('transactions_status_seq_idx').on(t.status, t.seq),
    index('transactions_status_priority_idx').on(t.status, t.priority, t.seq),
    uniqueIndex('transactions_batch_position_idx').on(t.batchNumber, t.position),
    // One escrow is consumed once: of two transactions on their way to L1 that would consume it,
    // the second would make its batch revert. Like a nullifier, the key is reserved at admission.
    uniqueIndex('transactions_escrow_idx')
      .on(t.escrowKey)
      .where(sql`${t.escrowKey} is not null and ${t.status} in ('pending', 'batched', 'proving', 'submitted')`),
  ],
)

export const leaves = sqliteTable(
  'leaves',
  {
    leafIndex: integer('leaf_index').primaryKey(),
    commitment: text('commitment').$type<Hex32>().notNull(),
    /** The note ciphertext (`NOTE_CIPHERTEXT_SIZE` bytes) for the recipient's wallet to try. */
    ciphertext: blob('ciphertext', { mode: 'buffer' }).notNull(),
    /** The transaction's ephemeral x25519 key (32 bytes), shared by its outputs. */
    epk: blob('epk', { mode: 'buffer' }).notNull(),
    batchNumber: integer('batch_number')
      .notNull()
      .references(() => batches.number),
  },
  (t) => [check('leaves_commitment_check', isHex32(t.commitment)), index('leaves_batch_idx').on(t.batchNumber)],
)

export const nullifiers = sqliteTable(
  'nullifiers',
  {
    /** The primary key is the double-spend guard: two transactions cannot both hold a nullifier. */
    value: text('value').$type<Hex32>().primaryKey(),
    status: text('status', { enum: NULLIFIER_STATUSES }).notNull(),
    /** The local transaction that reserved or spent it; null when spent by someone else's batch. */
    txId: text('tx_id').references(() => transactions.id),
    /** The batch that spent it on L1 (null while only reserved): what a reorg that orphans the batch un-spends. */
    batchNumber: integer('batch_number').references(() => batches.number),
  },
  (t) => [
    check('nullifiers_status_check', oneOf(t.status, NULLIFIER_STATUSES)),
    check('nullifiers_value_check', isHex32(t.value)),
    index('nullifiers_tx_idx').on(t.txId),
    index('nullifiers_batch_idx').on(t.batchNumber),
  ],
)

export const roots = sqliteTable(
  'roots',
  {
    /** Every root the tree has had on L1: a transaction may prove against any of them. */
    root: text('root').$type<Hex32>().primaryKey(),
    /** Leaves in the tree (zero padding included) when this was the root. */
    leafCount: integer('leaf_count').notNull(),
    /** The batch that produced it; null for the empty tree's root. */
    batchNumber: integer('batch_number').references(() => batches.number),
  },
  (t) => [check('roots_root_check', isHex32(t.root)), uniqueIndex('roots_leaf_count_idx').on(t.leafCount)],
)

export const syncCursors = sqliteTable('sync_cursors', {
  /** Which follower this is, e.g. `l1-events`. */
  key: text('key').primaryKey(),
  /** The next L1 block to read: every block before it is applied. */
  block: integer('block').notNull(),
  /** The hash of the last block applied (`block - 1`), checked after each read to notice a reorg under it. */
  blockHash: text('block_hash').$type<Hash>(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
})
