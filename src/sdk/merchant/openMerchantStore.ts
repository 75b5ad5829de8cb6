import { fileURLToPath } from 'node:url'
import type Database from 'better-sqlite3'
import type { Hex } from 'viem'
import { and, asc, desc, eq, gte, inArray, isNotNull, lt, lte, sql } from 'drizzle-orm'
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
import { MerchantStoreError, ReorgTooDeepError } from '../../errors/index.ts'
import { CHECKPOINT_BLOCKS, type Checkpoint } from '../../settlement/detectReorg.ts'
import { openSqlite } from '../../state/openSqlite.ts'
import type { InvoiceState } from './invoiceState.ts'
import * as schema from './schema.ts'

/** The committed SQL that drizzle-kit generated from schema.ts (drizzle.merchant.config.ts). */
export const MERCHANT_MIGRATIONS_FOLDER = fileURLToPath(new URL('./migrations', import.meta.url))

export type InvoiceRow = typeof schema.invoices.$inferSelect
export type PaymentRow = typeof schema.payments.$inferSelect
export type EventRow = typeof schema.events.$inferSelect

/** Invoices whose state can still change without a new payment (expiry, settlement, finality). */
const ACTIVE: InvoiceState[] = ['open', 'underpaid', 'paid', 'settled']

/**
 * The merchant's database: invoices, the payments seen, the events with their webhook outbox,
 * and the L1 cursor. better-sqlite3 is synchronous, so a read-modify-write inside `transaction`
 * cannot interleave with another one of the same merchant.
 */
export class MerchantStore {
  readonly #db: BetterSQLite3Database<typeof schema>
  readonly #client: Database.Database

  constructor(db: BetterSQLite3Database<typeof schema>, client: Database.Database) {
    this.#db = db
    this.#client = client
  }

  transaction<T>(fn: () => T): T {
    return this.#client.transaction(fn)()
  }

  /** The next L1 block to read, and the hash of the one before it (the last read), when recorded. */
  getCursor(key: string): { block: bigint; hash: Hex | null } | undefined {
    const row = this.#db.select().from(schema.cursors).where(eq(schema.cursors.key, key)).get()
    return row ? { block: BigInt(row.block), hash: row.blockHash as Hex | null } : undefined
  }

  setCursor(key: string, block: bigint, hash: Hex | null = null): void {
    const values = { block: Number(block), blockHash: hash?.toLowerCase() ?? null }
    this.#db
      .insert(schema.cursors)
      .values({ key, ...values })
      .onConflictDoUpdate({ target: schema.cursors.key, set: values })
      .run()
  }

  /** Every block holding a batch the merchant read, newest first: what a reorg check walks back through. */
  checkpoints(): Checkpoint[] {
    return this.#db
      .select()
      .from(schema.checkpoints)
      .orderBy(desc(schema.checkpoints.block))
      .all()
      .map((r) => ({ block: BigInt(r.block), hash: r.blockHash as Hex }))
  }

  /** Records the blocks of the batches just read, and forgets those `CHECKPOINT_BLOCKS` below `tip`. */
  addCheckpoints(checkpoints: readonly Checkpoint[], tip: bigint): void {
    for (const c of checkpoints) {
      const row = { block: Number(c.block), blockHash: c.hash.toLowerCase() }
      this.#db.insert(schema.checkpoints).values(row).onConflictDoUpdate({ target: schema.checkpoints.block, set: row }).run()
    }
    this.#db
      .delete(schema.checkpoints)
      .where(lt(schema.checkpoints.block, Number(tip - CHECKPOINT_BLOCKS)))
      .run()
  }

  /**
   * Undoes what was read from block `fromBlock` on, which an L1 reorg orphaned: payments settled
   * there lose their settlement and count for nothing until seen again (`orphanedAt`), and the
   * checkpoints and the cursor go back. Throws `ReorgTooDeepError`, changing nothing, when one of
   * those payments counts towards a final invoice: final never goes back. Run it inside
   * `transaction` with what the sync applies next.
   */
  rollback(key: string, p: { fromBlock: bigint; hash: Hex | null; now: number }): void {
    this.assertRollbackAllowed(p.fromBlock)
    const { payments } = schema
    const from = Number(p.fromBlock)
    this.#db.update(payments).set({ leafIndex: null, blockNumber: null, l1TxHash: null, orphanedAt: p.now }).where(gte(payments.blockNumber, from)).run()
    this.#db.delete(schema.checkpoints).where(gte(schema.checkpoints.block, from)).run()
    this.setCursor(key, p.fromBlock, p.hash)
  }

  /** Throws `ReorgTooDeepError` when a rollback from `fromBlock` would unsettle a payment of a final invoice. */
  assertRollbackAllowed(fromBlock: bigint): void {
    const { payments, invoices } = schema
    const final = this.#db
      .select({ invoiceId: payments.invoiceId, blockNumber: payments.blockNumber })
      .from(payments)
      .innerJoin(invoices, eq(invoices.id, payments.invoiceId))
      .where(and(gte(payments.blockNumber, Number(fromBlock)), eq(invoices.state, 'final')))
      .get()
    if (final) {
      throw new ReorgTooDeepError(
        `An L1 reorg orphaned block ${final.blockNumber}, which settled a payment of final invoice ${final.invoiceId}: the merchant stops rather than take back a final invoice.`,
        BigInt(final.blockNumber!),
        { details: 'A reorg this deep means `confirmations` is too low for this chain; check the RPC, then resync into a new store.' },
      )
    }
  }

  /** A payment a reorg orphaned was seen again (in the mempool, or re-mined): it counts again. */
  seenAgain(commitment: string): void {
    this.#db.update(schema.payments).set({ orphanedAt: null }).where(eq(schema.payments.commitment, commitment)).run()
  }

  insertInvoice(row: typeof schema.invoices.$inferInsert): void {
    this.#db.insert(schema.invoices).values(row).run()
  }

  getInvoice(id: string): InvoiceRow | undefined {
    return this.#db.select().from(schema.invoices).where(eq(schema.invoices.id, id)).get()
  }

  listInvoices(): InvoiceRow[] {
    return this.#db.select().from(schema.invoices).orderBy(asc(schema.invoices.createdAt), asc(schema.invoices.id)).all()
  }

  activeInvoiceIds(): string[] {
    return this.#db
      .select({ id: schema.invoices.id })
      .from(schema.invoices)
      .where(inArray(schema.invoices.state, ACTIVE))
      .all()
      .map((r) => r.id)
  }

  updateInvoiceStatus(id: string, p: { state: InvoiceState; received: bigint; overpaid: boolean; reorgs: number; updatedAt: number }): void {
    this.#db
      .update(schema.invoices)
      .set({ state: p.state, received: p.received.toString(), overpaid: p.overpaid, reorgs: p.reorgs, updatedAt: p.updatedAt })
      .where(eq(schema.invoices.id, id))
      .run()
  }

  getPayment(commitment: string): PaymentRow | undefined {
    return this.#db.select().from(schema.payments).where(eq(schema.payments.commitment, commitment)).get()
  }

  insertPayment(row: typeof schema.payments.$inferInsert): void {
    this.#db.insert(schema.payments).values(row).run()
  }

  settlePayment(commitment: string, p: { leafIndex: number; blockNumber: bigint; l1TxHash: string }): void {
    this.#db
      .update(schema.payments)
      .set({ leafIndex: p.leafIndex, blockNumber: Number(p.blockNumber), l1TxHash: p.l1TxHash, orphanedAt: null })
      .where(eq(schema.payments.commitment, commitment))
      .run()
  }

  paymentsOf(invoiceId: string): PaymentRow[] {
    return this.#db.select().from(schema.payments).where(eq(schema.payments.invoiceId, invoiceId)).orderBy(asc(schema.payments.seenAt)).all()
  }

  listPayments(): PaymentRow[] {
    return this.#db.select().from(schema.payments).orderBy(asc(schema.payments.seenAt)).all()
  }

  /** Inserts the event unless one with its id exists; true when it was new. */
  insertEvent(row: Omit<typeof schema.events.$inferInsert, 'seq'>): boolean {
    const result = this.#db
      .insert(schema.events)
      .values({ ...row, seq: sql`(select coalesce(max(seq), 0) + 1 from events)` })
      .onConflictDoNothing({ target: schema.events.id })
      .run()
    return result.changes === 1
  }

  eventsOf(invoiceId: string): EventRow[] {
    return this.#db.select().from(schema.events).where(eq(schema.events.invoiceId, invoiceId)).orderBy(asc(schema.events.seq)).all()
  }

  listEvents(): EventRow[] {
    return this.#db.select().from(schema.events).orderBy(asc(schema.events.seq)).all()
  }

  dueDeliveries(now: number, limit: number): EventRow[] {
    return this.#db
      .select()
      .from(schema.events)
      .where(and(eq(schema.events.delivery, 'pending'), lte(schema.events.nextAttemptAt, now)))
      .orderBy(asc(schema.events.seq))
      .limit(limit)
      .all()
  }

  /** The earliest retry time among pending deliveries, if any. */
  nextDeliveryAt(): number | undefined {
    const row = this.#db
      .select({ at: sql<number | null>`min(${schema.events.nextAttemptAt})` })
      .from(schema.events)
      .where(and(eq(schema.events.delivery, 'pending'), isNotNull(schema.events.nextAttemptAt)))
      .get()
    return row?.at ?? undefined
  }

  markDelivered(id: string, at: number): void {
    this.#db
      .update(schema.events)
      .set({ delivery: 'delivered', deliveredAt: at, attempts: sql`${schema.events.attempts} + 1`, lastError: null })
      .where(eq(schema.events.id, id))
      .run()
  }

  markFailed(id: string, p: { nextAttemptAt: number; error: string }): void {
    this.#db
      .update(schema.events)
      .set({ attempts: sql`${schema.events.attempts} + 1`, nextAttemptAt: p.nextAttemptAt, lastError: p.error })
      .where(eq(schema.events.id, id))
      .run()
  }

  close(): void {
    if (this.#client.open) this.#client.close()
  }
}

/**
 * Opens (creating if needed) the merchant's SQLite database and applies the committed migrations.
 * WAL and `synchronous = FULL`: an event acknowledged to nobody yet must survive a crash, or its
 * webhook would be lost.
 *
 * @example
 * const store = openMerchantStore('.zkpay/merchant.db')
 */
export function openMerchantStore(path = ':memory:'): MerchantStore {
  const { db, client } = openSqlite({
    path,
    schema,
    migrationsFolder: MERCHANT_MIGRATIONS_FOLDER,
    what: 'merchant database',
    error: (message, cause) => new MerchantStoreError(message, { cause }),
  })
  return new MerchantStore(db, client)
}
