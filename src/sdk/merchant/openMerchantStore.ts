import type Database from 'better-sqlite3'
import type { Hex } from 'viem'
import { and, asc, desc, eq, gt, gte, inArray, isNotNull, isNull, lt, lte, notExists, or, sql } from 'drizzle-orm'
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
import { MerchantStoreError, ReorgTooDeepError } from '../../errors/index.ts'
import { CHECKPOINT_BLOCKS, type Checkpoint } from '../../settlement/detectReorg.ts'
import { openSqlite } from '../../state/openSqlite.ts'
import type { InvoiceState } from './invoiceState.ts'
import { MERCHANT_MIGRATIONS_FOLDER } from './migrationsFolder.ts'
import * as schema from './schema.ts'

export type InvoiceRow = typeof schema.invoices.$inferSelect
export type PaymentRow = typeof schema.payments.$inferSelect
export type EventRow = typeof schema.events.$inferSelect
export type ApiKeyRow = typeof schema.apiKeys.$inferSelect

/** Invoices not yet paid nor expired: they expire at `expiresAt`, and count against the open-invoice limit. */
export const UNPAID: InvoiceState[] = ['open', 'underpaid']

/**
 * The merchant's database: invoices, the payments seen, the events with their webhook outbox,
 * and the L1 cursor. better-sqlite3 is synchronous, so a read-modify-write inside `transaction`
 * cannot interleave with another one of the same merchant.
 */
export class MerchantStore {
  readonly #db: BetterSQLite3Database<typeof schema>
  readonly #client: Database.Database

  // Prepared once: a pass reads each invoice it weighs and its payments, and building and
  // preparing the SQL each time cost more than running it (about 1 ms per invoice weighed).
  readonly #invoiceById
  readonly #paymentsOfInvoice
  readonly #updateStatus
  readonly #insertEvent

  constructor(db: BetterSQLite3Database<typeof schema>, client: Database.Database) {
    this.#db = db
    this.#client = client
    this.#invoiceById = db
      .select()
      .from(schema.invoices)
      .where(eq(schema.invoices.id, sql.placeholder('id')))
      .prepare()
    this.#paymentsOfInvoice = db
      .select()
      .from(schema.payments)
      .where(eq(schema.payments.invoiceId, sql.placeholder('id')))
      .orderBy(asc(schema.payments.seenAt))
      .prepare()
    const p = (name: string) => sql.placeholder(name)
    this.#updateStatus = db
      .update(schema.invoices)
      // drizzle's `set` takes SQL, not bare placeholders
      .set({ state: sql`${p('state')}`, received: sql`${p('received')}`, overpaid: sql`${p('overpaid')}`, reorgs: sql`${p('reorgs')}`, updatedAt: sql`${p('updatedAt')}` })
      .where(eq(schema.invoices.id, p('id')))
      .prepare()
    const { events } = schema
    this.#insertEvent = db
      .insert(events)
      .values({
        id: p('id'),
        invoiceId: p('invoiceId'),
        type: p('type'),
        createdAt: p('createdAt'),
        body: p('body'),
        delivery: p('delivery'),
        nextAttemptAt: p('nextAttemptAt'),
        seq: sql`(select coalesce(max(seq), 0) + 1 from events)`,
      })
      .onConflictDoNothing({ target: events.id })
      .prepare()
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
    return this.#invoiceById.get({ id })
  }

  listInvoices(): InvoiceRow[] {
    return this.#db.select().from(schema.invoices).orderBy(asc(schema.invoices.createdAt), asc(schema.invoices.id)).all()
  }

  /**
   * Unpaid invoices whose expiry has passed, the longest overdue first, at most `limit` (through
   * the (state, expires_at) index): a pass re-evaluates these, the rest at the next. Not those
   * waiting for a payment a reorg took back: they do not expire meanwhile, and are weighed again
   * when it is seen again; left in, enough of them would take every place of every pass.
   */
  dueForExpiry(now: number, limit: number): string[] {
    const { invoices, payments } = schema
    const waiting = this.#db
      .select({ one: sql`1` })
      .from(payments)
      .where(and(eq(payments.invoiceId, invoices.id), isNotNull(payments.orphanedAt)))
    return this.#db
      .select({ id: invoices.id })
      .from(invoices)
      .where(and(inArray(invoices.state, UNPAID), lte(invoices.expiresAt, now), notExists(waiting)))
      .orderBy(asc(invoices.expiresAt))
      .limit(limit)
      .all()
      .map((r) => r.id)
  }

  /** The ids of the invoices in `states` (a sync re-evaluates the settled ones when the L1 tip moves). */
  idsInState(states: InvoiceState[]): string[] {
    const { invoices } = schema
    return this.#db
      .select({ id: invoices.id })
      .from(invoices)
      .where(inArray(invoices.state, states))
      .all()
      .map((r) => r.id)
  }

  /** How many unpaid invoices have not expired at `now` (a range of the (state, expires_at) index). */
  countOpen(now: number): number {
    const { invoices } = schema
    return (
      this.#db
        .select({ n: sql<number>`count(*)` })
        .from(invoices)
        .where(and(inArray(invoices.state, UNPAID), gt(invoices.expiresAt, now)))
        .get()?.n ?? 0
    )
  }

  /** Invoices with a payment settled at or after `fromBlock`: those a rollback from there changes. */
  invoicesSettledFrom(fromBlock: bigint): string[] {
    const { payments } = schema
    return this.#db
      .selectDistinct({ id: payments.invoiceId })
      .from(payments)
      .where(and(gte(payments.blockNumber, Number(fromBlock)), isNotNull(payments.invoiceId)))
      .all()
      .map((r) => r.id!)
  }

  /**
   * One page of invoices, newest first, in `states` when given, strictly after `after` (the
   * last row of the previous page) in that order.
   */
  pageInvoices(p: { states?: InvoiceState[]; limit: number; after?: { createdAt: number; id: string } }): InvoiceRow[] {
    const { invoices } = schema
    const conditions = [
      p.states ? inArray(invoices.state, p.states) : undefined,
      p.after ? or(lt(invoices.createdAt, p.after.createdAt), and(eq(invoices.createdAt, p.after.createdAt), lt(invoices.id, p.after.id))) : undefined,
    ]
    return this.#db
      .select()
      .from(invoices)
      .where(and(...conditions))
      .orderBy(desc(invoices.createdAt), desc(invoices.id))
      .limit(p.limit)
      .all()
  }

  getMeta(key: string): string | undefined {
    return this.#db.select().from(schema.meta).where(eq(schema.meta.key, key)).get()?.value
  }

  setMeta(key: string, value: string): void {
    this.#db.insert(schema.meta).values({ key, value }).onConflictDoUpdate({ target: schema.meta.key, set: { value } }).run()
  }

  insertApiKey(row: typeof schema.apiKeys.$inferInsert): void {
    this.#db.insert(schema.apiKeys).values(row).run()
  }

  /** The live (not revoked) key with this hash, if any. */
  liveApiKeyByHash(hash: string): ApiKeyRow | undefined {
    const { apiKeys } = schema
    return this.#db
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.hash, hash), isNull(apiKeys.revokedAt)))
      .get()
  }

  listApiKeys(): ApiKeyRow[] {
    return this.#db.select().from(schema.apiKeys).orderBy(asc(schema.apiKeys.createdAt), asc(schema.apiKeys.id)).all()
  }

  /** Marks the key revoked; true when a live key had this id. */
  revokeApiKey(id: string, at: number): boolean {
    const { apiKeys } = schema
    return this.#db.update(apiKeys).set({ revokedAt: at }).where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt))).run().changes === 1
  }

  updateInvoiceStatus(id: string, p: { state: InvoiceState; received: bigint; overpaid: boolean; reorgs: number; updatedAt: number }): void {
    // SQLite stores a boolean as 0/1; a placeholder skips drizzle's mapping, so map it here.
    this.#updateStatus.run({ id, state: p.state, received: p.received.toString(), overpaid: p.overpaid ? 1 : 0, reorgs: p.reorgs, updatedAt: p.updatedAt })
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
    return this.#paymentsOfInvoice.all({ id: invoiceId })
  }

  listPayments(): PaymentRow[] {
    return this.#db.select().from(schema.payments).orderBy(asc(schema.payments.seenAt)).all()
  }

  /** Inserts the event unless one with its id exists; true when it was new. */
  insertEvent(row: Omit<typeof schema.events.$inferInsert, 'seq'>): boolean {
    return this.#insertEvent.run(row).changes === 1
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
