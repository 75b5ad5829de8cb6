/**
 * The merchant's SQLite schema (drizzle). `npx drizzle-kit generate --config drizzle.merchant.config.ts`
 * turns it into the committed SQL in `migrations/`, which `openMerchantStore` applies at open.
 * Commitments are `0x` + 64 lowercase hex digits; amounts are decimal strings of base units (they
 * are integers up to 2^128, not field elements); times are integer milliseconds since the epoch.
 */
import { sql } from 'drizzle-orm'
import { check, index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { INVOICE_STATES } from './invoiceState.ts'

export const PAYMENT_MATCHES = ['counted', 'wrong_asset', 'unknown_invoice', 'no_invoice_id'] as const
export type PaymentMatch = (typeof PAYMENT_MATCHES)[number]

export const DELIVERY_STATES = ['pending', 'delivered', 'none'] as const
export type DeliveryState = (typeof DELIVERY_STATES)[number]

const oneOf = (column: { name: string }, values: readonly string[]) => sql.raw(`"${column.name}" in (${values.map((v) => `'${v}'`).join(', ')})`)

export const invoices = sqliteTable(
  'invoices',
  {
    id: text('id').primaryKey(),
    amount: text('amount').notNull(),
    /** ERC-20 address, lowercase; the zero address for ETH */
    asset: text('asset').notNull(),
    decimals: integer('decimals').notNull(),
    /** the whole memo the payer sends: the id, then optionally a space and the merchant's text */
    memo: text('memo').notNull(),
    label: text('label'),
    message: text('message'),
    /** the merchant's own reference (its order number), at most `ORDER_ID_SIZE` characters */
    orderId: text('order_id'),
    /** the merchant's JSON object, serialized, at most `METADATA_SIZE` bytes */
    metadata: text('metadata'),
    /** http(s): where the checkout page sends the payer once paid */
    redirectUrl: text('redirect_url'),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    state: text('state', { enum: INVOICE_STATES }).notNull(),
    received: text('received').notNull().default('0'),
    overpaid: integer('overpaid', { mode: 'boolean' }).notNull().default(false),
    /** how many times an L1 reorg took back a settlement the invoice counted: part of later events' keys */
    reorgs: integer('reorgs').notNull().default(0),
    updatedAt: integer('updated_at').notNull(),
  },
  // (state, expires_at): a sync finds the open invoices whose expiry passed without reading the
  // others. (created_at, id): `GET /invoices` pages newest first from a cursor.
  (t) => [
    check('invoices_state_check', oneOf(t.state, INVOICE_STATES)),
    index('invoices_state_expires_idx').on(t.state, t.expiresAt),
    index('invoices_created_idx').on(t.createdAt, t.id),
  ],
)

export const payments = sqliteTable(
  'payments',
  {
    /** the note commitment: one payment per note, however often it is seen */
    commitment: text('commitment').primaryKey(),
    /** the invoice its memo names, when it names one that exists */
    invoiceId: text('invoice_id').references(() => invoices.id),
    match: text('match', { enum: PAYMENT_MATCHES }).notNull(),
    amount: text('amount').notNull(),
    asset: text('asset').notNull(),
    memo: text('memo').notNull(),
    /** the sequencer's transaction id, when first seen in its mempool */
    txId: text('tx_id'),
    seenAt: integer('seen_at').notNull(),
    leafIndex: integer('leaf_index'),
    blockNumber: integer('block_number'),
    l1TxHash: text('l1_tx_hash'),
    /** when an L1 reorg took its settlement back; null again once it is seen again (mempool or L1). Until then it counts for nothing */
    orphanedAt: integer('orphaned_at'),
  },
  (t) => [check('payments_match_check', oneOf(t.match, PAYMENT_MATCHES)), index('payments_invoice_idx').on(t.invoiceId)],
)

/**
 * Every invoice event, and the webhook outbox: an event is written in the same transaction as the
 * state change that caused it, and a delivery is `pending` until a 2xx answer, so a crash between
 * the two can neither lose a delivery nor invent one.
 */
export const events = sqliteTable(
  'events',
  {
    /** `evt_…`, derived from (invoice, type, key): the same event always has the same id */
    id: text('id').primaryKey(),
    /** insertion order, for replay */
    seq: integer('seq').notNull().unique(),
    invoiceId: text('invoice_id')
      .notNull()
      .references(() => invoices.id),
    type: text('type').notNull(),
    createdAt: integer('created_at').notNull(),
    /** the JSON body exactly as delivered, so retries send the same bytes */
    body: text('body').notNull(),
    delivery: text('delivery', { enum: DELIVERY_STATES }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    deliveredAt: integer('delivered_at'),
    lastError: text('last_error'),
  },
  (t) => [check('events_delivery_check', oneOf(t.delivery, DELIVERY_STATES)), index('events_delivery_idx').on(t.delivery, t.nextAttemptAt)],
)

export const cursors = sqliteTable('cursors', {
  key: text('key').primaryKey(),
  /** the next L1 block to read */
  block: integer('block').notNull(),
  /** the hash of the last block read (`block - 1`): the next sync checks it is still on the chain */
  blockHash: text('block_hash'),
})

/** One row per L1 block holding a batch the merchant read, with its hash then: where a reorg rolls back to. */
export const checkpoints = sqliteTable('checkpoints', {
  block: integer('block').primaryKey(),
  blockHash: text('block_hash').notNull(),
})

/**
 * What the store is bound to, written at the first sync: `chainId`, `rollupAddress` and
 * `deploymentBlockHash` (the hash of the rollup's deployment block). A restarted devnet deploys at
 * the same address on the same chain id; only the block hash tells its payments from yesterday's.
 */
export const meta = sqliteTable('meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
})

/** API keys for the merchant's HTTP app: only the SHA-256 of each key is kept. */
export const apiKeys = sqliteTable('api_keys', {
  /** `key_…`: public, names the key in `api-key list` and `revoke` */
  id: text('id').primaryKey(),
  /** SHA-256 of the whole bearer token, hex */
  hash: text('hash').notNull().unique(),
  createdAt: integer('created_at').notNull(),
  revokedAt: integer('revoked_at'),
})
