import { fileURLToPath } from 'node:url'
import type Database from 'better-sqlite3'
import { and, asc, eq, inArray, isNotNull, lte, sql } from 'drizzle-orm'
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
import { MerchantStoreError } from '../../errors/index.ts'
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

  getCursor(key: string): bigint | undefined {
    const row = this.#db.select().from(schema.cursors).where(eq(schema.cursors.key, key)).get()
    return row ? BigInt(row.block) : undefined
  }

  setCursor(key: string, block: bigint): void {
    this.#db
      .insert(schema.cursors)
      .values({ key, block: Number(block) })
      .onConflictDoUpdate({ target: schema.cursors.key, set: { block: Number(block) } })
      .run()
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

  updateInvoiceStatus(id: string, p: { state: InvoiceState; received: bigint; overpaid: boolean; updatedAt: number }): void {
    this.#db
      .update(schema.invoices)
      .set({ state: p.state, received: p.received.toString(), overpaid: p.overpaid, updatedAt: p.updatedAt })
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
      .set({ leafIndex: p.leafIndex, blockNumber: Number(p.blockNumber), l1TxHash: p.l1TxHash })
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
