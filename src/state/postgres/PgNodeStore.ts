import { and, asc, count, desc, eq, gt, gte, inArray, isNotNull, isNull, lt, min, ne, type SQL, sql } from 'drizzle-orm'
import type { NodePgDatabase } from 'drizzle-orm/node-postgres'
import type { Pool } from 'pg'
import type { Hex32 } from '../../crypto/field.ts'
import { TRANSFER_OUTPUTS } from '../../crypto/note.ts'
import { InvalidParameterError, ReorgTooDeepError } from '../../errors/index.ts'
import { BatchTransitionError, StoreError } from '../../errors/state.ts'
import type {
  BatchCheckpoint,
  BatchPatch,
  InsertTransactionResult,
  NewTransaction,
  NodeStore,
  RollbackResult,
  SealBatchOptions,
  SettledBatch,
  StoredBatch,
  StoredLeaf,
  StoredRoot,
  StoredTransaction,
  SyncCursor,
} from '../NodeStore.ts'
import { STORE_REJECTIONS } from '../NodeStore.ts'
import { fieldToHex, hexToField, toStoredBatch, toStoredLeaf, toStoredTransaction } from '../rows.ts'
import type { BatchState, Hash } from '../schema.ts'
import { admissionRow, batchColumns, blockHash, blockNumber, hashHex, nonNegativeInteger, positiveInteger, sealOrder, settlementRows } from '../storeInputs.ts'
import { BATCH_TRANSITIONS, canTransition, TX_STATUS_OF_BATCH } from '../transitions.ts'
import type * as schema from './schema.ts'
import { batches, leaves, nullifiers, roots, sequencerReports, syncCursors, transactions } from './schema.ts'

type Db = NodePgDatabase<typeof schema>
type Tx = Parameters<Parameters<Db['transaction']>[0]>[0]
type Reader = Pick<Db, 'select'>

/** Statuses of a transaction on its way to L1: it holds its nullifiers and its escrow. */
const IN_FLIGHT = ['pending', 'batched', 'proving', 'submitted'] as const

/**
 * Postgres error codes after which a write transaction is run again from the start: another
 * writer took a unique key first (its row is committed, so the rerun's checks see it and answer
 * with a rejection value), or Postgres broke a deadlock or a serialization conflict.
 */
const RETRYABLE = new Set(['23505', '40001', '40P01'])
const MAX_ATTEMPTS = 5

/** Thrown inside a write when a row it counted on was changed by another writer: rerun it. */
class Contended extends Error {}

/**
 * `NodeStore` over Postgres (node-postgres + drizzle), for operators who run the node as several
 * processes on several machines: api replicas admitting at once, a leader sequencer and its
 * standby, all writing one database. Open it with `openPgNodeStore`, which applies the
 * migrations first.
 *
 * Many writers at once, so no rule can rest on "nobody else writes now" as it does in SQLite's
 * one writer. Each method is one transaction (`REPEATABLE READ` for admission, so that all its
 * checks see one snapshot; `READ COMMITTED` elsewhere) that checks, then writes; a race
 * between two of them is decided by the schema's constraints (a nullifier's primary key, the
 * escrow's partial unique index, a transaction's unique id) and by row locks (`FOR UPDATE` on
 * the batch a transition moves, on the transactions a batch takes). The loser's write fails
 * on the constraint; the transaction is then run again, and its checks, which now see the
 * winner's committed row, answer with the same rejection value a single writer would give.
 *
 * @example
 * const store = await openPgNodeStore({ url: 'postgres://zkpay@db.internal/zkpay' })
 * const result = await store.insertPendingTransaction(tx) // of two replicas racing for one nullifier, one gets ok
 */
export class PgNodeStore implements NodeStore {
  readonly #db: Db
  readonly #pool: Pool
  readonly #now: () => Date
  readonly #where: string
  #closed = false

  /** `where` names the database in errors: the URL's origin (`redactUrl`), never its password. */
  constructor(db: Db, pool: Pool, where: string, clock: () => number = Date.now) {
    this.#db = db
    this.#pool = pool
    this.#where = where
    this.#now = () => new Date(clock())
  }

  async #write<T>(fn: (tx: Tx) => Promise<T>, isolationLevel: 'read committed' | 'repeatable read' = 'read committed'): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#db.transaction(fn, { isolationLevel })
      } catch (error) {
        if (attempt < MAX_ATTEMPTS && (error instanceof Contended || RETRYABLE.has(pgCode(error) ?? ''))) continue
        throw this.#unavailable(error)
      }
    }
  }

  async #read<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    try {
      return await fn(this.#db)
    } catch (error) {
      throw this.#unavailable(error)
    }
  }

  /** A lost connection becomes STORE_UNAVAILABLE; the store's own errors pass through. */
  #unavailable(error: unknown): unknown {
    if (error instanceof StoreError || error instanceof InvalidParameterError || error instanceof BatchTransitionError || error instanceof ReorgTooDeepError) return error
    const code = pgCode(error)
    // Class 08 (connection), 57P (operator intervention: shutdown), and Node's socket errors.
    if (code === undefined || code.startsWith('08') || code.startsWith('57P') || /^E[A-Z]+$/.test(code)) {
      return new StoreError('STORE_UNAVAILABLE', `The node database at ${this.#where} did not answer.`, { cause: error })
    }
    return error
  }

  async insertPendingTransaction(input: NewTransaction): Promise<InsertTransactionResult> {
    const row = admissionRow(input, this.#now)
    return this.#write(async (tx): Promise<InsertTransactionResult> => {
      if ((await tx.select({ id: transactions.id }).from(transactions).where(eq(transactions.id, row.id))).length > 0) {
        return { ok: false, code: 'TRANSACTION_KNOWN', message: STORE_REJECTIONS.TRANSACTION_KNOWN }
      }
      const held = await escrowTaken(tx, row.escrowKey)
      if (held) return held
      const taken = await nullifierTaken(tx, row.nullifiers)
      if (taken) return taken
      const [stored] = await tx.insert(transactions).values(row).returning()
      await reserve(tx, row.nullifiers, row.id)
      return { ok: true, transaction: toStoredTransaction(stored!) }
      // One snapshot for all the checks: a rival committing between two of them must not make
      // this one answer NULLIFIER_PENDING for its own twin, where TRANSACTION_KNOWN is the truth.
    }, 'repeatable read')
  }

  async requeueTransaction(id: string): Promise<InsertTransactionResult> {
    return this.#write(async (tx): Promise<InsertTransactionResult> => {
      const row = await transactionForUpdate(tx, id)
      if (row.status !== 'rejected') return { ok: true, transaction: toStoredTransaction(row) }
      const held = await escrowTaken(tx, row.escrowKey)
      if (held) return held
      const taken = await nullifierTaken(tx, row.nullifiers)
      if (taken) return taken
      const [requeued] = await tx
        .update(transactions)
        .set({ status: 'pending', rejectCode: null, rejectMessage: null, batchNumber: null, position: null })
        .where(eq(transactions.id, id))
        .returning()
      await reserve(tx, row.nullifiers, id)
      return { ok: true, transaction: toStoredTransaction(requeued!) }
    }, 'repeatable read')
  }

  async getTransaction(id: string): Promise<StoredTransaction | undefined> {
    const [row] = await this.#read((db) => db.select().from(transactions).where(eq(transactions.id, id)))
    return row && toStoredTransaction(row)
  }

  async takenNullifiers(values: readonly bigint[]): Promise<{ value: bigint; status: 'spent' | 'pending'; txId: string | null }[]> {
    if (values.length === 0) return []
    const hex = values.map((n, i) => fieldToHex(n, `values[${i}]`))
    const rows = await this.#read((db) =>
      db.select({ value: nullifiers.value, status: nullifiers.status, txId: nullifiers.txId }).from(nullifiers).where(inArray(nullifiers.value, hex)),
    )
    return rows.map((n) => ({ value: hexToField(n.value), status: n.status, txId: n.txId }))
  }

  async escrowHolder(key: Hash): Promise<string | undefined> {
    const hex = hashHex(key, 'key')
    const held = await this.#read((db) => escrowTaken(db, hex))
    return held && !held.ok ? held.holder : undefined
  }

  async rejectTransaction(id: string, reason: { code: string; message: string }): Promise<StoredTransaction> {
    if (!reason.code || !reason.message) throw new InvalidParameterError('reason', 'expected a code and a message')
    return this.#write(async (tx) => {
      const row = await transactionForUpdate(tx, id)
      if (row.status === 'rejected') return toStoredTransaction(row)
      if (row.status === 'settled' || row.status === 'final') {
        throw new StoreError('STORE_CONFLICT', `Transaction ${id} is already ${row.status} on L1 and cannot be rejected.`)
      }
      return toStoredTransaction(await rejectIn(tx, id, reason))
    })
  }

  async listUnsettledTransactions(limit: number, afterSeq = 0): Promise<StoredTransaction[]> {
    positiveInteger(limit, 'limit')
    nonNegativeInteger(afterSeq, 'afterSeq')
    const rows = await this.#read((db) =>
      db
        .select()
        .from(transactions)
        .where(and(inArray(transactions.status, [...IN_FLIGHT]), gt(transactions.seq, afterSeq)))
        .orderBy(asc(transactions.seq))
        .limit(limit),
    )
    return rows.map(toStoredTransaction)
  }

  async getPendingSummary(): Promise<{ count: number; oldestCreatedAt: Date | null }> {
    const [row] = await this.#read((db) =>
      db
        .select({ count: count(), oldest: min(transactions.createdAt) })
        .from(transactions)
        .where(eq(transactions.status, 'pending')),
    )
    return { count: row?.count ?? 0, oldestCreatedAt: row?.oldest ?? null }
  }

  async sealBatch(options: SealBatchOptions): Promise<{ batch: StoredBatch; transactions: StoredTransaction[] } | undefined> {
    const { maxTransactions, first = [], agedBefore } = options
    positiveInteger(maxTransactions, 'maxTransactions')
    const patch = batchColumns(options)
    return this.#write(async (tx) => {
      // Locked as they are chosen: a transaction being rejected or sealed elsewhere is waited
      // for, then seen as it is now (no longer pending, it drops out of the choice).
      const pendingIds = async (where: SQL | undefined, order: SQL[]) =>
        (
          await tx
            .select({ id: transactions.id })
            .from(transactions)
            .where(and(eq(transactions.status, 'pending'), where))
            .orderBy(...order)
            .limit(first.length + maxTransactions)
            .for('update')
        ).map((t) => t.id)
      const pending = sealOrder(
        first,
        first.length === 0 ? [] : await pendingIds(inArray(transactions.id, [...first]), []),
        agedBefore === undefined ? [] : await pendingIds(lt(transactions.createdAt, agedBefore), [asc(transactions.seq)]),
        await pendingIds(undefined, [desc(transactions.priority), asc(transactions.seq)]),
        maxTransactions,
      )
      if (pending.length === 0) return undefined
      const now = this.#now()
      const [batch] = await tx
        .insert(batches)
        .values({ ...patch, state: 'sealed', attempts: 1, createdAt: now, updatedAt: now })
        .returning()
      const sealed: StoredTransaction[] = []
      for (const [position, id] of pending.entries()) {
        const [row] = await tx
          .update(transactions)
          .set({ status: TX_STATUS_OF_BATCH.sealed, batchNumber: batch!.number, position })
          .where(and(eq(transactions.id, id), eq(transactions.status, 'pending')))
          .returning()
        if (!row) throw new Contended()
        sealed.push(toStoredTransaction(row))
      }
      return { batch: toStoredBatch(batch!), transactions: sealed }
    })
  }

  async getBatch(number: number): Promise<StoredBatch | undefined> {
    const [row] = await this.#read((db) => db.select().from(batches).where(eq(batches.number, number)))
    return row && toStoredBatch(row)
  }

  async listBatchTransactions(number: number): Promise<StoredTransaction[]> {
    const rows = await this.#read((db) => db.select().from(transactions).where(eq(transactions.batchNumber, number)).orderBy(asc(transactions.position)))
    return rows.map(toStoredTransaction)
  }

  async listBatches(states: readonly BatchState[]): Promise<StoredBatch[]> {
    if (states.length === 0) return []
    const rows = await this.#read((db) =>
      db
        .select()
        .from(batches)
        .where(inArray(batches.state, [...states]))
        .orderBy(asc(batches.number)),
    )
    return rows.map(toStoredBatch)
  }

  async setBatchState(number: number, to: BatchState, patch: BatchPatch = {}): Promise<StoredBatch> {
    if (to === 'settled') {
      throw new StoreError('STORE_CONFLICT', `Batch ${number} settles through recordSettledBatch, which records its leaves, root and nullifiers with it.`)
    }
    const columns = batchColumns(patch)
    return this.#write(async (tx) => {
      const batch = await batchForUpdate(tx, number)
      if (!canTransition(batch.state, to)) throw new BatchTransitionError(number, batch.state, to, BATCH_TRANSITIONS[batch.state])
      if (batch.state === 'settled' && to !== 'final') {
        throw new StoreError('STORE_CONFLICT', `Batch ${number} leaves settled only through rollbackSettled, which removes its leaves, root and nullifiers with it.`)
      }
      const attempts = batch.state === 'failed' && to === 'sealed' ? batch.attempts + 1 : batch.attempts
      const [updated] = await tx
        .update(batches)
        .set({ ...columns, state: to, attempts, updatedAt: this.#now() })
        .where(eq(batches.number, number))
        .returning()
      await setBatchTransactionsStatus(tx, number, to)
      return toStoredBatch(updated!)
    })
  }

  async releaseBatch(number: number, error: string): Promise<StoredTransaction[]> {
    return this.#write(async (tx) => {
      const batch = await batchForUpdate(tx, number)
      if (!canTransition(batch.state, 'failed')) throw new BatchTransitionError(number, batch.state, 'failed', BATCH_TRANSITIONS[batch.state])
      await tx.update(batches).set({ state: 'failed', error, updatedAt: this.#now() }).where(eq(batches.number, number))
      const released = await tx
        .update(transactions)
        .set({ status: 'pending', batchNumber: null, position: null })
        .where(and(eq(transactions.batchNumber, number), ne(transactions.status, 'rejected')))
        .returning()
      return released.map(toStoredTransaction).sort((a, b) => a.seq - b.seq)
    })
  }

  async recordSettledBatch(settled: SettledBatch): Promise<{ batchNumber: number; rejected: string[] }> {
    const { columns, leaves: leafRows, spent, newRoot } = settlementRows(settled)
    const { startIndex, leafCount } = settled
    return this.#write(async (tx) => {
      const now = this.#now()
      let batchNumber: number
      if (settled.batchNumber === undefined) {
        const [inserted] = await tx
          .insert(batches)
          .values({ ...columns, state: 'settled', attempts: 0, createdAt: now, updatedAt: now, settledAt: now })
          .returning({ number: batches.number })
        batchNumber = inserted!.number
      } else {
        batchNumber = settled.batchNumber
        const batch = await batchForUpdate(tx, batchNumber)
        if (!canTransition(batch.state, 'settled')) throw new BatchTransitionError(batchNumber, batch.state, 'settled', BATCH_TRANSITIONS[batch.state])
        await tx
          .update(batches)
          .set({ ...columns, state: 'settled', updatedAt: now, settledAt: now })
          .where(eq(batches.number, batchNumber))
        await setBatchTransactionsStatus(tx, batchNumber, 'settled')
      }
      if (leafRows.length > 0) {
        const [clash] = await tx
          .select({ leafIndex: leaves.leafIndex })
          .from(leaves)
          .where(
            inArray(
              leaves.leafIndex,
              leafRows.map((l) => l.leafIndex),
            ),
          )
          .limit(1)
        if (clash) throw new StoreError('STORE_CONFLICT', `Leaf ${clash.leafIndex} is already recorded: batch ${batchNumber} overlaps a settled batch.`)
        await tx.insert(leaves).values(leafRows.map((l) => ({ ...l, batchNumber })))
      }
      if ((await tx.select({ root: roots.root }).from(roots).where(eq(roots.root, newRoot))).length > 0) {
        throw new StoreError('STORE_CONFLICT', `Root ${newRoot} is already recorded: batch ${batchNumber} was recorded before.`)
      }
      await tx.insert(roots).values({ root: newRoot, leafCount, batchNumber })
      if (settled.batchNumber === undefined) await adoptSettled(tx, batchNumber, startIndex, leafRows, spent)
      const rejected = await spendNullifiers(tx, spent, batchNumber)
      return { batchNumber, rejected }
    })
  }

  async reorgCheckpoints(): Promise<BatchCheckpoint[]> {
    const columns = { batchNumber: batches.number, state: batches.state, l1Block: batches.l1Block, l1BlockHash: batches.l1BlockHash }
    return this.#read(async (db) => {
      const settled = await db
        .select(columns)
        .from(batches)
        .where(and(eq(batches.state, 'settled'), isNotNull(batches.l1BlockHash)))
        .orderBy(desc(batches.l1Block), desc(batches.number))
      const final = await db
        .select(columns)
        .from(batches)
        .where(and(eq(batches.state, 'final'), isNotNull(batches.l1BlockHash)))
        .orderBy(desc(batches.l1Block), desc(batches.number))
        .limit(1)
      return [...settled, ...final] as BatchCheckpoint[]
    })
  }

  async rollbackSettled(p: { fromBlock: bigint; cursorKey: string; cursorHash: Hash | null }): Promise<RollbackResult> {
    const fromBlock = blockNumber(p.fromBlock, 'fromBlock')
    const cursorHash = blockHash(p.cursorHash, 'cursorHash')
    return this.#write(async (tx) => {
      const orphaned = await tx
        .select()
        .from(batches)
        .where(and(inArray(batches.state, ['settled', 'final']), gte(batches.l1Block, fromBlock)))
        .orderBy(asc(batches.number))
        .for('update')
      const final = orphaned.find((b) => b.state === 'final')
      if (final) {
        throw new ReorgTooDeepError(
          `An L1 reorg orphaned block ${final.l1Block}, which holds final batch ${final.number}: the node stops rather than rewrite a final batch.`,
          BigInt(final.l1Block!),
          { details: 'Check that the RPC serves the chain you expect; a reorg this deep means `confirmations` is too low for this chain. Resync from L1 into a new database to go on.' },
        )
      }
      const reverted: StoredBatch[] = []
      const removed: number[] = []
      for (const b of orphaned) {
        await tx.delete(leaves).where(eq(leaves.batchNumber, b.number))
        await tx.delete(roots).where(eq(roots.batchNumber, b.number))
        await tx.delete(nullifiers).where(and(eq(nullifiers.batchNumber, b.number), isNull(nullifiers.txId)))
        await tx.update(nullifiers).set({ status: 'pending', batchNumber: null }).where(eq(nullifiers.batchNumber, b.number))
        if (b.attempts === 0) {
          await tx.delete(batches).where(eq(batches.number, b.number))
          removed.push(b.number)
          continue
        }
        const [row] = await tx
          .update(batches)
          .set({ state: 'submitted', l1Block: null, l1BlockHash: null, settledAt: null, updatedAt: this.#now() })
          .where(eq(batches.number, b.number))
          .returning()
        await setBatchTransactionsStatus(tx, b.number, 'submitted')
        reverted.push(toStoredBatch(row!))
      }
      await upsertCursor(tx, p.cursorKey, { block: fromBlock, blockHash: cursorHash, updatedAt: this.#now() })
      return { reverted, removed }
    })
  }

  async recordGenesisRoot(root: bigint): Promise<void> {
    const hex = fieldToHex(root, 'root')
    await this.#write(async (tx) => {
      const [genesis] = await tx.select().from(roots).where(eq(roots.leafCount, 0))
      if (genesis && genesis.root !== hex) {
        throw new StoreError('STORE_CONFLICT', `The store already holds genesis root ${genesis.root}: this database belongs to another rollup.`)
      }
      if (!genesis) await tx.insert(roots).values({ root: hex, leafCount: 0, batchNumber: null })
    })
  }

  async knownRoot(root: bigint): Promise<boolean> {
    const hex = fieldToHex(root, 'root')
    const rows = await this.#read((db) => db.select({ root: roots.root }).from(roots).where(eq(roots.root, hex)))
    return rows.length > 0
  }

  async latestRoot(): Promise<StoredRoot | undefined> {
    const [row] = await this.#read((db) => db.select().from(roots).orderBy(desc(roots.leafCount)).limit(1))
    return row && { root: hexToField(row.root), leafCount: row.leafCount, batchNumber: row.batchNumber }
  }

  async listNotes(fromLeafIndex: number, limit: number): Promise<StoredLeaf[]> {
    nonNegativeInteger(fromLeafIndex, 'fromLeafIndex')
    positiveInteger(limit, 'limit')
    const rows = await this.#read((db) => db.select().from(leaves).where(gte(leaves.leafIndex, fromLeafIndex)).orderBy(asc(leaves.leafIndex)).limit(limit))
    return rows.map(toStoredLeaf)
  }

  async getCursor(key: string): Promise<SyncCursor | undefined> {
    const [row] = await this.#read((db) => db.select().from(syncCursors).where(eq(syncCursors.key, key)))
    return row && { block: BigInt(row.block), blockHash: row.blockHash }
  }

  async setCursor(key: string, cursor: { block: bigint; blockHash?: Hash | null }): Promise<void> {
    const values = { block: blockNumber(cursor.block, 'block'), blockHash: blockHash(cursor.blockHash ?? null, 'blockHash'), updatedAt: this.#now() }
    await this.#write((tx) => upsertCursor(tx, key, values))
  }

  /**
   * Records what the sequencer leader reports of itself (its public status), stamped with the
   * database's clock: api replicas, which run no loop, answer `/v1/status` from it.
   */
  async reportSequencerStatus(status: unknown): Promise<void> {
    const row = { status, reportedAt: sql`now()` }
    await this.#write((tx) => tx.insert(sequencerReports).values({ id: 1, ...row }).onConflictDoUpdate({ target: sequencerReports.id, set: row }))
  }

  /** The leader's last report and its age by the database's clock; undefined if no leader ever reported. */
  async sequencerReport(): Promise<{ status: unknown; reportedAt: Date; ageMs: number } | undefined> {
    const [row] = await this.#read((db) =>
      db
        .select({ status: sequencerReports.status, reportedAt: sequencerReports.reportedAt, ageMs: sql<string>`extract(epoch from clock_timestamp() - ${sequencerReports.reportedAt}) * 1000` })
        .from(sequencerReports),
    )
    return row && { status: row.status, reportedAt: row.reportedAt, ageMs: Math.max(0, Number(row.ageMs)) }
  }

  /** Sends `payload` to every session listening on `channel` (Postgres NOTIFY: at most 7,999 bytes, delivered in commit order). */
  async notify(channel: string, payload: string): Promise<void> {
    await this.#read((db) => db.execute(sql`select pg_notify(${channel}, ${payload})`))
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#pool.end()
  }
}

/** The SQLSTATE of a Postgres error, or a Node socket error's code, through drizzle's wrapper. */
export function pgCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string') return code
  }
  return undefined
}

async function upsertCursor(tx: Tx, key: string, values: { block: number; blockHash: Hash | null; updatedAt: Date }): Promise<void> {
  await tx
    .insert(syncCursors)
    .values({ key, ...values })
    .onConflictDoUpdate({ target: syncCursors.key, set: values })
}

async function transactionForUpdate(tx: Tx, id: string) {
  const [row] = await tx.select().from(transactions).where(eq(transactions.id, id)).for('update')
  if (!row) throw new StoreError('STORE_NOT_FOUND', `Transaction ${id} is not in the store.`)
  return row
}

async function batchForUpdate(tx: Tx, number: number) {
  const [batch] = await tx.select().from(batches).where(eq(batches.number, number)).for('update')
  if (!batch) throw new StoreError('STORE_NOT_FOUND', `Batch ${number} is not in the store.`)
  return batch
}

async function setBatchTransactionsStatus(tx: Tx, number: number, state: BatchState): Promise<void> {
  await tx
    .update(transactions)
    .set({ status: TX_STATUS_OF_BATCH[state] })
    .where(and(eq(transactions.batchNumber, number), ne(transactions.status, 'rejected')))
}

/** The rejection for an escrow an in-flight transaction already consumes (`transactions_escrow_idx` decides races). */
async function escrowTaken(reader: Reader, key: Hash | null): Promise<InsertTransactionResult | undefined> {
  if (key === null) return undefined
  const [holder] = await reader
    .select({ id: transactions.id })
    .from(transactions)
    .where(and(eq(transactions.escrowKey, key), inArray(transactions.status, [...IN_FLIGHT])))
    .limit(1)
  return holder && { ok: false, code: 'DEPOSIT_PENDING', message: STORE_REJECTIONS.DEPOSIT_PENDING, holder: holder.id }
}

/** The rejection for a nullifier spent or reserved already; spent outranks pending (a spent note never comes back). */
async function nullifierTaken(tx: Tx, values: readonly Hex32[]): Promise<InsertTransactionResult | undefined> {
  if (values.length === 0) return undefined
  const taken = await tx.select().from(nullifiers).where(inArray(nullifiers.value, [...values]))
  const hit = taken.find((n) => n.status === 'spent') ?? taken[0]
  if (!hit) return undefined
  const code = hit.status === 'spent' ? 'NULLIFIER_SPENT' : 'NULLIFIER_PENDING'
  return { ok: false, code, message: STORE_REJECTIONS[code], nullifier: hexToField(hit.value) }
}

/**
 * Reserves `values` for transaction `id`. Two writers that both saw them free both get here;
 * the primary key makes the second wait for the first and then fail (23505), and its rerun
 * finds the first's reservation. In a fixed order, so two overlapping sets never deadlock.
 */
async function reserve(tx: Tx, values: readonly Hex32[], id: string): Promise<void> {
  if (values.length === 0) return
  await tx.insert(nullifiers).values([...values].sort().map((value) => ({ value, status: 'pending' as const, txId: id })))
}

async function rejectIn(tx: Tx, id: string, reason: { code: string; message: string }) {
  await tx.delete(nullifiers).where(and(eq(nullifiers.txId, id), eq(nullifiers.status, 'pending')))
  const [row] = await tx
    .update(transactions)
    .set({ status: 'rejected', rejectCode: reason.code, rejectMessage: reason.message })
    .where(eq(transactions.id, id))
    .returning()
  return row!
}

/** Our pending transaction carried in someone else's batch settled there (SqliteNodeStore's `adoptSettled`). */
async function adoptSettled(tx: Tx, batchNumber: number, startIndex: number, leafRows: readonly { leafIndex: number; commitment: Hex32 }[], spent: readonly Hex32[]): Promise<void> {
  if (spent.length === 0) return
  const holders = await tx
    .select({ txId: nullifiers.txId })
    .from(nullifiers)
    .where(and(inArray(nullifiers.value, [...spent]), eq(nullifiers.status, 'pending')))
  const byLeaf = new Map(leafRows.map((l) => [l.leafIndex, l.commitment]))
  for (const id of new Set(holders.map((h) => h.txId).filter((id): id is string => id !== null))) {
    const [row] = await tx.select().from(transactions).where(eq(transactions.id, id)).for('update')
    if (row?.status !== 'pending') continue
    for (let leaf = startIndex; byLeaf.has(leaf); leaf += TRANSFER_OUTPUTS) {
      if (row.commitments.every((c, k) => byLeaf.get(leaf + k) === c)) {
        await tx
          .update(transactions)
          .set({ status: 'settled', batchNumber, position: (leaf - startIndex) / TRANSFER_OUTPUTS })
          .where(eq(transactions.id, id))
        break
      }
    }
  }
}

/** Marks the batch's nullifiers spent, rejecting pending local transactions someone else's batch outran (SqliteNodeStore's `spendNullifiers`). */
async function spendNullifiers(tx: Tx, spent: readonly Hex32[], batchNumber: number): Promise<string[]> {
  if (spent.length === 0) return []
  const existing = new Map(
    (
      await tx
        .select()
        .from(nullifiers)
        .where(inArray(nullifiers.value, [...spent]))
        .for('update')
    ).map((n) => [n.value, n]),
  )
  const own = new Set((await tx.select({ id: transactions.id }).from(transactions).where(eq(transactions.batchNumber, batchNumber))).map((t) => t.id))
  const rejected: string[] = []
  for (const value of spent) {
    const row = existing.get(value)
    if (row?.status === 'spent') throw new StoreError('STORE_CONFLICT', `Nullifier ${value} is already spent: L1 cannot spend it twice, so this batch was recorded before.`)
    if (row?.txId && !own.has(row.txId)) {
      const [holder] = await tx.select().from(transactions).where(eq(transactions.id, row.txId)).for('update')
      if (holder?.status === 'pending') {
        await rejectIn(tx, holder.id, { code: 'NULLIFIER_SPENT', message: STORE_REJECTIONS.NULLIFIER_SPENT })
        rejected.push(holder.id)
      }
    }
    const txId = row?.txId && own.has(row.txId) ? row.txId : null
    await tx
      .insert(nullifiers)
      .values({ value, status: 'spent', txId, batchNumber })
      .onConflictDoUpdate({ target: nullifiers.value, set: { status: 'spent', txId, batchNumber } })
  }
  return rejected
}
