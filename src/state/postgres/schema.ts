/**
 * The operator node's Postgres schema (drizzle): the same tables, columns and rules as the
 * SQLite schema in ../schema.ts, so that one `NodeStore` suite holds for both. drizzle-kit turns
 * it into the committed SQL in `migrations/` (`npx drizzle-kit generate --config
 * drizzle.pg.config.ts`); `openPgNodeStore` applies that SQL at open.
 *
 * Where the engines differ:
 * - numbers that SQLite keeps in its 64-bit INTEGER are `bigint` here (read as JS numbers, which
 *   the store keeps within `Number.MAX_SAFE_INTEGER`), and counters are identity columns;
 * - times are `timestamptz`; JSON is `jsonb`; bytes are `bytea`;
 * - the hex rules are regular expressions.
 * Every rule that guards money (one holder per nullifier, one consumer per escrow, one position
 * per batch slot, one root per leaf count) is a constraint here too, because many processes
 * write this database at once: the constraints, not the code, decide races.
 */
import { type SQL, sql } from 'drizzle-orm'
import { bigint, check, customType, index, jsonb, type PgColumn, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core'
import type { ProofJson, TransactionJson } from '../../circuits/codec.ts'
import type { Hex32 } from '../../crypto/field.ts'
import { BATCH_STATES, type Hash, NULLIFIER_STATUSES, TX_STATUSES } from '../schema.ts'

/** bytea, read as a Buffer (drizzle's pg-core has no bytea column of its own). */
const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' })

/** A 64-bit integer column read as a JS number: every value the store writes is a safe integer. */
const int = (name: string) => bigint(name, { mode: 'number' })

function oneOf(column: PgColumn, values: readonly string[]): SQL {
  return sql`${column} in (${sql.raw(values.map((v) => `'${v}'`).join(', '))})`
}

// Fixed width and lowercase: `0x0A…` and `0xa…` would otherwise be two different nullifiers.
function isHex32(column: PgColumn): SQL {
  return sql`${column} ~ '^0x[0-9a-f]{64}$'`
}

const time = (name: string) => timestamp(name, { withTimezone: true, precision: 3 })

export const batches = pgTable(
  'batches',
  {
    number: int('number').primaryKey().generatedByDefaultAsIdentity(),
    state: text('state', { enum: BATCH_STATES }).notNull(),
    attempts: int('attempts').notNull().default(0),
    proof: jsonb('proof').$type<ProofJson>(),
    oldRoot: text('old_root').$type<Hex32>(),
    newRoot: text('new_root').$type<Hex32>(),
    startIndex: int('start_index'),
    l1TxHash: text('l1_tx_hash').$type<Hash>(),
    l1Block: int('l1_block'),
    l1BlockHash: text('l1_block_hash').$type<Hash>(),
    error: text('error'),
    createdAt: time('created_at').notNull(),
    updatedAt: time('updated_at').notNull(),
    settledAt: time('settled_at'),
  },
  (t) => [
    check('batches_state_check', oneOf(t.state, BATCH_STATES)),
    check('batches_old_root_check', sql`${t.oldRoot} is null or ${isHex32(t.oldRoot)}`),
    check('batches_new_root_check', sql`${t.newRoot} is null or ${isHex32(t.newRoot)}`),
    index('batches_state_idx').on(t.state),
  ],
)

export const transactions = pgTable(
  'transactions',
  {
    seq: int('seq').primaryKey().generatedByDefaultAsIdentity(),
    id: text('id').notNull().unique(),
    status: text('status', { enum: TX_STATUSES }).notNull(),
    rejectCode: text('reject_code'),
    rejectMessage: text('reject_message'),
    payload: jsonb('payload').$type<TransactionJson>().notNull(),
    nullifiers: jsonb('nullifiers').$type<Hex32[]>().notNull(),
    commitments: jsonb('commitments').$type<Hex32[]>().notNull(),
    extDataHash: text('ext_data_hash').$type<Hex32>().notNull(),
    root: text('root').$type<Hex32>().notNull(),
    createdAt: time('created_at').notNull(),
    batchNumber: int('batch_number').references(() => batches.number),
    position: int('position'),
    escrowKey: text('escrow_key').$type<Hash>(),
    priority: int('priority').notNull().default(0),
  },
  (t) => [
    check('transactions_status_check', oneOf(t.status, TX_STATUSES)),
    check('transactions_escrow_key_check', sql`${t.escrowKey} is null or ${isHex32(t.escrowKey)}`),
    check('transactions_reject_check', sql`(${t.status} = 'rejected') = (${t.rejectCode} is not null and ${t.rejectMessage} is not null)`),
    check('transactions_batch_check', sql`(${t.batchNumber} is null) = (${t.position} is null)`),
    check('transactions_ext_data_hash_check', isHex32(t.extDataHash)),
    check('transactions_root_check', isHex32(t.root)),
    index('transactions_status_seq_idx').on(t.status, t.seq),
    index('transactions_status_priority_idx').on(t.status, t.priority, t.seq),
    index('transactions_batch_idx').on(t.batchNumber),
    uniqueIndex('transactions_batch_position_idx').on(t.batchNumber, t.position),
    uniqueIndex('transactions_escrow_idx')
      .on(t.escrowKey)
      .where(sql`${t.escrowKey} is not null and ${t.status} in ('pending', 'batched', 'proving', 'submitted')`),
  ],
)

export const leaves = pgTable(
  'leaves',
  {
    leafIndex: int('leaf_index').primaryKey(),
    commitment: text('commitment').$type<Hex32>().notNull(),
    ciphertext: bytea('ciphertext').notNull(),
    epk: bytea('epk').notNull(),
    batchNumber: int('batch_number')
      .notNull()
      .references(() => batches.number),
  },
  (t) => [check('leaves_commitment_check', isHex32(t.commitment)), index('leaves_batch_idx').on(t.batchNumber)],
)

export const nullifiers = pgTable(
  'nullifiers',
  {
    /** The primary key is the double-spend guard: of two concurrent admissions, one waits for the other and then finds it. */
    value: text('value').$type<Hex32>().primaryKey(),
    status: text('status', { enum: NULLIFIER_STATUSES }).notNull(),
    txId: text('tx_id').references(() => transactions.id),
    batchNumber: int('batch_number').references(() => batches.number),
  },
  (t) => [
    check('nullifiers_status_check', oneOf(t.status, NULLIFIER_STATUSES)),
    check('nullifiers_value_check', isHex32(t.value)),
    index('nullifiers_tx_idx').on(t.txId),
    index('nullifiers_batch_idx').on(t.batchNumber),
  ],
)

export const roots = pgTable(
  'roots',
  {
    root: text('root').$type<Hex32>().primaryKey(),
    leafCount: int('leaf_count').notNull(),
    batchNumber: int('batch_number').references(() => batches.number),
  },
  (t) => [check('roots_root_check', isHex32(t.root)), uniqueIndex('roots_leaf_count_idx').on(t.leafCount)],
)

export const syncCursors = pgTable('sync_cursors', {
  key: text('key').primaryKey(),
  block: int('block').notNull(),
  blockHash: text('block_hash').$type<Hash>(),
  updatedAt: time('updated_at').notNull(),
})

/**
 * What the sequencer leader last reported of itself (its `/v1/status`, as published), one row:
 * api replicas, which run no loop, answer `/v1/status` from it. `reported_at` is the database's
 * clock, so that replicas on other machines judge its age without trusting their own.
 */
export const sequencerReports = pgTable(
  'sequencer_reports',
  {
    id: int('id').primaryKey(),
    status: jsonb('status').notNull(),
    reportedAt: timestamp('reported_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [check('sequencer_reports_one_row', sql`${t.id} = 1`)],
)
