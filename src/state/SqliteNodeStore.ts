import type { Database } from 'better-sqlite3'
import { and, asc, type SQL, count, desc, eq, gt, gte, inArray, isNotNull, isNull, lt, min, ne } from 'drizzle-orm'
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
import type { Hex32 } from '../crypto/field.ts'
import { TRANSFER_OUTPUTS } from '../crypto/note.ts'
import { InvalidParameterError, ReorgTooDeepError } from '../errors/index.ts'
import { BatchTransitionError, StoreError } from '../errors/state.ts'
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
} from './NodeStore.ts'
import { STORE_REJECTIONS } from './NodeStore.ts'
import { admissionRow, batchColumns, blockHash, blockNumber, hashHex, nonNegativeInteger, positiveInteger, sealOrder, settlementRows } from './storeInputs.ts'
import { fieldToHex, hexToField, toStoredBatch, toStoredLeaf, toStoredTransaction } from './rows.ts'
import * as schema from './schema.ts'
import { type BatchState, batches, type Hash, leaves, nullifiers, roots, syncCursors, transactions } from './schema.ts'
import { BATCH_TRANSITIONS, canTransition, TX_STATUS_OF_BATCH } from './transitions.ts'

type Db = BetterSQLite3Database<typeof schema>
type Tx = Parameters<Parameters<Db['transaction']>[0]>[0]

/**
 * `NodeStore` over SQLite (better-sqlite3 + drizzle), in a file or `:memory:`. Open it with
 * `openNodeStore`, which applies the migrations first.
 *
 * better-sqlite3 is synchronous, so each method runs its SQL transaction to completion before
 * returning its promise: calls from one process never interleave. Writes use `BEGIN IMMEDIATE`
 * so that a second connection (another process on the same file) waits for the write lock up
 * to `busy_timeout` instead of failing halfway through a read-then-write.
 *
 * @example
 * const store = await openNodeStore({ path: ':memory:' }) // a SqliteNodeStore behind NodeStore
 * const sealed = await store.sealBatch({ maxTransactions: config.batchSize })
 */
export class SqliteNodeStore implements NodeStore {
  readonly #db: Db
  readonly #client: Database
  readonly #now: () => Date

  constructor(db: Db, client: Database, clock: () => number = Date.now) {
    this.#db = db
    this.#client = client
    this.#now = () => new Date(clock())
  }

  #write<T>(fn: (tx: Tx) => T): T {
    return this.#db.transaction(fn, { behavior: 'immediate' })
  }

  async insertPendingTransaction(input: NewTransaction): Promise<InsertTransactionResult> {
    const row = admissionRow(input, this.#now)
    const nullifierHex = row.nullifiers

    return this.#write((tx): InsertTransactionResult => {
      if (tx.select({ id: transactions.id }).from(transactions).where(eq(transactions.id, input.id)).get()) {
        return { ok: false, code: 'TRANSACTION_KNOWN', message: STORE_REJECTIONS.TRANSACTION_KNOWN }
      }
      const held = escrowTaken(tx, row.escrowKey)
      if (held) return held
      const taken = reserveNullifiers(tx, nullifierHex, input.id, () => tx.insert(transactions).values(row).run())
      if (taken) return taken
      return { ok: true, transaction: toStoredTransaction(tx.select().from(transactions).where(eq(transactions.id, input.id)).get()!) }
    })
  }

  async requeueTransaction(id: string): Promise<InsertTransactionResult> {
    return this.#write((tx): InsertTransactionResult => {
      const row = tx.select().from(transactions).where(eq(transactions.id, id)).get()
      if (!row) throw new StoreError('STORE_NOT_FOUND', `Transaction ${id} is not in the store.`)
      if (row.status !== 'rejected') return { ok: true, transaction: toStoredTransaction(row) }
      const requeue = () =>
        tx.update(transactions).set({ status: 'pending', rejectCode: null, rejectMessage: null, batchNumber: null, position: null }).where(eq(transactions.id, id)).run()
      const held = escrowTaken(tx, row.escrowKey)
      if (held) return held
      const taken = reserveNullifiers(tx, row.nullifiers, id, requeue)
      if (taken) return taken
      return { ok: true, transaction: toStoredTransaction(tx.select().from(transactions).where(eq(transactions.id, id)).get()!) }
    })
  }

  async getTransaction(id: string): Promise<StoredTransaction | undefined> {
    const row = this.#db.select().from(transactions).where(eq(transactions.id, id)).get()
    return row && toStoredTransaction(row)
  }

  async takenNullifiers(values: readonly bigint[]): Promise<{ value: bigint; status: 'spent' | 'pending'; txId: string | null }[]> {
    if (values.length === 0) return []
    const hex = values.map((n, i) => fieldToHex(n, `values[${i}]`))
    return this.#db
      .select({ value: nullifiers.value, status: nullifiers.status, txId: nullifiers.txId })
      .from(nullifiers)
      .where(inArray(nullifiers.value, hex))
      .all()
      .map((n) => ({ value: hexToField(n.value), status: n.status, txId: n.txId }))
  }

  async escrowHolder(key: Hash): Promise<string | undefined> {
    const held = escrowTaken(this.#db, hashHex(key, 'key'))
    return held && !held.ok ? held.holder : undefined
  }

  async rejectTransaction(id: string, reason: { code: string; message: string }): Promise<StoredTransaction> {
    if (!reason.code || !reason.message) throw new InvalidParameterError('reason', 'expected a code and a message')
    return this.#write((tx) => {
      const row = tx.select().from(transactions).where(eq(transactions.id, id)).get()
      if (!row) throw new StoreError('STORE_NOT_FOUND', `Transaction ${id} is not in the store.`)
      if (row.status === 'rejected') return toStoredTransaction(row)
      if (row.status === 'settled' || row.status === 'final') {
        throw new StoreError('STORE_CONFLICT', `Transaction ${id} is already ${row.status} on L1 and cannot be rejected.`)
      }
      return toStoredTransaction(rejectIn(tx, id, reason))
    })
  }

  async listUnsettledTransactions(limit: number, afterSeq = 0): Promise<StoredTransaction[]> {
    positiveInteger(limit, 'limit')
    nonNegativeInteger(afterSeq, 'afterSeq')
    return this.#db
      .select()
      .from(transactions)
      .where(and(inArray(transactions.status, ['pending', 'batched', 'proving', 'submitted']), gt(transactions.seq, afterSeq)))
      .orderBy(asc(transactions.seq))
      .limit(limit)
      .all()
      .map(toStoredTransaction)
  }

  async getPendingSummary(): Promise<{ count: number; oldestCreatedAt: Date | null }> {
    const row = this.#db
      .select({ count: count(), oldest: min(transactions.createdAt) })
      .from(transactions)
      .where(eq(transactions.status, 'pending'))
      .get()
    return { count: row?.count ?? 0, oldestCreatedAt: row?.oldest ?? null }
  }

  async sealBatch(options: SealBatchOptions): Promise<{ batch: StoredBatch; transactions: StoredTransaction[] } | undefined> {
    const { maxTransactions, first = [], agedBefore } = options
    positiveInteger(maxTransactions, 'maxTransactions')
    const patch = batchColumns(options)
    return this.#write((tx) => {
      const pendingIds = (where: SQL | undefined, order: SQL[]) =>
        tx
          .select({ id: transactions.id })
          .from(transactions)
          .where(and(eq(transactions.status, 'pending'), where))
          .orderBy(...order)
          .limit(first.length + maxTransactions)
          .all()
          .map((t) => t.id)
      const pending = sealOrder(
        first,
        first.length === 0 ? [] : pendingIds(inArray(transactions.id, [...first]), []),
        // Then whoever has waited too long, in admission order: ranking by fee alone would let a
        // stream of slightly higher payers hold back a transaction that paid the price forever.
        agedBefore === undefined ? [] : pendingIds(lt(transactions.createdAt, agedBefore), [asc(transactions.seq)]),
        // Fee per gas first (every transaction's gas is about the same, and prices are per
        // asset), then age: a flood that pays the minimum waits behind those who pay more.
        pendingIds(undefined, [desc(transactions.priority), asc(transactions.seq)]),
        maxTransactions,
      )
      if (pending.length === 0) return undefined
      const now = this.#now()
      const batch = tx
        .insert(batches)
        .values({ ...patch, state: 'sealed', attempts: 1, createdAt: now, updatedAt: now })
        .returning()
        .get()
      const sealed = pending.map((id, position) =>
        tx
          .update(transactions)
          .set({ status: TX_STATUS_OF_BATCH.sealed, batchNumber: batch.number, position })
          .where(eq(transactions.id, id))
          .returning()
          .get(),
      )
      return { batch: toStoredBatch(batch), transactions: sealed.map((row) => toStoredTransaction(row!)) }
    })
  }

  async getBatch(number: number): Promise<StoredBatch | undefined> {
    const row = this.#db.select().from(batches).where(eq(batches.number, number)).get()
    return row && toStoredBatch(row)
  }

  async listBatchTransactions(number: number): Promise<StoredTransaction[]> {
    const rows = this.#db.select().from(transactions).where(eq(transactions.batchNumber, number)).orderBy(asc(transactions.position)).all()
    return rows.map(toStoredTransaction)
  }

  async listBatches(states: readonly BatchState[]): Promise<StoredBatch[]> {
    if (states.length === 0) return []
    const rows = this.#db
      .select()
      .from(batches)
      .where(inArray(batches.state, [...states]))
      .orderBy(asc(batches.number))
      .all()
    return rows.map(toStoredBatch)
  }

  async setBatchState(number: number, to: BatchState, patch: BatchPatch = {}): Promise<StoredBatch> {
    if (to === 'settled') {
      throw new StoreError('STORE_CONFLICT', `Batch ${number} settles through recordSettledBatch, which records its leaves, root and nullifiers with it.`)
    }
    const columns = batchColumns(patch)
    return this.#write((tx) => {
      const batch = getBatchIn(tx, number)
      if (!canTransition(batch.state, to)) throw new BatchTransitionError(number, batch.state, to, BATCH_TRANSITIONS[batch.state])
      if (batch.state === 'settled' && to !== 'final') {
        throw new StoreError('STORE_CONFLICT', `Batch ${number} leaves settled only through rollbackSettled, which removes its leaves, root and nullifiers with it.`)
      }
      // A retry starts the batch over: count it, so a batch that keeps failing can be noticed.
      const attempts = batch.state === 'failed' && to === 'sealed' ? batch.attempts + 1 : batch.attempts
      const updated = tx
        .update(batches)
        .set({ ...columns, state: to, attempts, updatedAt: this.#now() })
        .where(eq(batches.number, number))
        .returning()
        .get()
      setBatchTransactionsStatus(tx, number, to)
      return toStoredBatch(updated!)
    })
  }

  async releaseBatch(number: number, error: string): Promise<StoredTransaction[]> {
    return this.#write((tx) => {
      const batch = getBatchIn(tx, number)
      if (!canTransition(batch.state, 'failed')) throw new BatchTransitionError(number, batch.state, 'failed', BATCH_TRANSITIONS[batch.state])
      tx.update(batches).set({ state: 'failed', error, updatedAt: this.#now() }).where(eq(batches.number, number)).run()
      // Back in the queue in their admission order (seq), their nullifiers still reserved.
      return tx
        .update(transactions)
        .set({ status: 'pending', batchNumber: null, position: null })
        .where(and(eq(transactions.batchNumber, number), ne(transactions.status, 'rejected')))
        .returning()
        .all()
        .map(toStoredTransaction)
    })
  }

  async recordSettledBatch(settled: SettledBatch): Promise<{ batchNumber: number; rejected: string[] }> {
    const { columns, leaves: leafRows, spent, newRoot } = settlementRows(settled)
    const { startIndex, leafCount } = settled
    return this.#write((tx) => {
      const now = this.#now()
      let batchNumber: number
      if (settled.batchNumber === undefined) {
        // Someone else's batch (the escape hatch): it enters our records already settled.
        batchNumber = tx
          .insert(batches)
          .values({ ...columns, state: 'settled', attempts: 0, createdAt: now, updatedAt: now, settledAt: now })
          .returning({ number: batches.number })
          .get().number
      } else {
        batchNumber = settled.batchNumber
        const batch = getBatchIn(tx, batchNumber)
        if (!canTransition(batch.state, 'settled')) throw new BatchTransitionError(batchNumber, batch.state, 'settled', BATCH_TRANSITIONS[batch.state])
        tx.update(batches)
          .set({ ...columns, state: 'settled', updatedAt: now, settledAt: now })
          .where(eq(batches.number, batchNumber))
          .run()
        setBatchTransactionsStatus(tx, batchNumber, 'settled')
      }

      if (leafRows.length > 0) {
        const clash = tx
          .select({ leafIndex: leaves.leafIndex })
          .from(leaves)
          .where(
            inArray(
              leaves.leafIndex,
              leafRows.map((l) => l.leafIndex),
            ),
          )
          .get()
        if (clash) throw new StoreError('STORE_CONFLICT', `Leaf ${clash.leafIndex} is already recorded: batch ${batchNumber} overlaps a settled batch.`)
        tx.insert(leaves)
          .values(leafRows.map((l) => ({ ...l, batchNumber })))
          .run()
      }
      if (tx.select().from(roots).where(eq(roots.root, newRoot)).get()) {
        throw new StoreError('STORE_CONFLICT', `Root ${newRoot} is already recorded: batch ${batchNumber} was recorded before.`)
      }
      tx.insert(roots).values({ root: newRoot, leafCount, batchNumber }).run()

      if (settled.batchNumber === undefined) adoptSettled(tx, batchNumber, startIndex, leafRows, spent)
      const rejected = spendNullifiers(tx, spent, batchNumber)
      return { batchNumber, rejected }
    })
  }

  async reorgCheckpoints(): Promise<BatchCheckpoint[]> {
    const columns = { batchNumber: batches.number, state: batches.state, l1Block: batches.l1Block, l1BlockHash: batches.l1BlockHash }
    const settled = this.#db
      .select(columns)
      .from(batches)
      .where(and(eq(batches.state, 'settled'), isNotNull(batches.l1BlockHash)))
      .orderBy(desc(batches.l1Block), desc(batches.number))
      .all()
    const final = this.#db
      .select(columns)
      .from(batches)
      .where(and(eq(batches.state, 'final'), isNotNull(batches.l1BlockHash)))
      .orderBy(desc(batches.l1Block), desc(batches.number))
      .limit(1)
      .all()
    return [...settled, ...final] as BatchCheckpoint[]
  }

  async rollbackSettled(p: { fromBlock: bigint; cursorKey: string; cursorHash: Hash | null }): Promise<RollbackResult> {
    const fromBlock = blockNumber(p.fromBlock, 'fromBlock')
    const cursorHash = blockHash(p.cursorHash, 'cursorHash')
    return this.#write((tx) => {
      const orphaned = tx
        .select()
        .from(batches)
        .where(and(inArray(batches.state, ['settled', 'final']), gte(batches.l1Block, fromBlock)))
        .orderBy(asc(batches.number))
        .all()
      const final = orphaned.find((b) => b.state === 'final')
      if (final) {
        throw new ReorgTooDeepError(
          `An L1 reorg orphaned block ${final.l1Block}, which holds final batch ${final.number}: the node stops rather than rewrite a final batch.`,
          BigInt(final.l1Block!),
          { details: 'Check that the RPC serves the chain you expect; a reorg this deep means `confirmations` is too low for this chain. Resync from L1 into a new data directory to go on.' },
        )
      }
      const reverted: StoredBatch[] = []
      const removed: number[] = []
      for (const b of orphaned) {
        tx.delete(leaves).where(eq(leaves.batchNumber, b.number)).run()
        tx.delete(roots).where(eq(roots.batchNumber, b.number)).run()
        // Spent by someone else in this batch: unknown again. Ours: reserved again by their transaction.
        tx.delete(nullifiers)
          .where(and(eq(nullifiers.batchNumber, b.number), isNull(nullifiers.txId)))
          .run()
        tx.update(nullifiers).set({ status: 'pending', batchNumber: null }).where(eq(nullifiers.batchNumber, b.number)).run()
        // `attempts` is 0 only for a batch someone else settled (schema.ts): it was never ours to post.
        if (b.attempts === 0) {
          tx.delete(batches).where(eq(batches.number, b.number)).run()
          removed.push(b.number)
          continue
        }
        const row = tx
          .update(batches)
          .set({ state: 'submitted', l1Block: null, l1BlockHash: null, settledAt: null, updatedAt: this.#now() })
          .where(eq(batches.number, b.number))
          .returning()
          .get()!
        setBatchTransactionsStatus(tx, b.number, 'submitted')
        reverted.push(toStoredBatch(row))
      }
      const values = { block: fromBlock, blockHash: cursorHash, updatedAt: this.#now() }
      tx.insert(syncCursors)
        .values({ key: p.cursorKey, ...values })
        .onConflictDoUpdate({ target: syncCursors.key, set: values })
        .run()
      return { reverted, removed }
    })
  }

  async recordGenesisRoot(root: bigint): Promise<void> {
    const hex = fieldToHex(root, 'root')
    this.#write((tx) => {
      const genesis = tx.select().from(roots).where(eq(roots.leafCount, 0)).get()
      if (genesis && genesis.root !== hex) {
        throw new StoreError('STORE_CONFLICT', `The store already holds genesis root ${genesis.root}: this database belongs to another rollup.`)
      }
      if (!genesis) tx.insert(roots).values({ root: hex, leafCount: 0, batchNumber: null }).run()
    })
  }

  async knownRoot(root: bigint): Promise<boolean> {
    const hex = fieldToHex(root, 'root')
    return this.#db.select({ root: roots.root }).from(roots).where(eq(roots.root, hex)).get() !== undefined
  }

  async latestRoot(): Promise<StoredRoot | undefined> {
    const row = this.#db.select().from(roots).orderBy(desc(roots.leafCount)).limit(1).get()
    return row && { root: hexToField(row.root), leafCount: row.leafCount, batchNumber: row.batchNumber }
  }

  async listNotes(fromLeafIndex: number, limit: number): Promise<StoredLeaf[]> {
    nonNegativeInteger(fromLeafIndex, 'fromLeafIndex')
    positiveInteger(limit, 'limit')
    const rows = this.#db.select().from(leaves).where(gte(leaves.leafIndex, fromLeafIndex)).orderBy(asc(leaves.leafIndex)).limit(limit).all()
    return rows.map(toStoredLeaf)
  }

  async getCursor(key: string): Promise<SyncCursor | undefined> {
    const row = this.#db.select().from(syncCursors).where(eq(syncCursors.key, key)).get()
    return row && { block: BigInt(row.block), blockHash: row.blockHash }
  }

  async setCursor(key: string, cursor: { block: bigint; blockHash?: Hash | null }): Promise<void> {
    const values = { block: blockNumber(cursor.block, 'block'), blockHash: blockHash(cursor.blockHash ?? null, 'blockHash'), updatedAt: this.#now() }
    this.#write((tx) =>
      tx
        .insert(syncCursors)
        .values({ key, ...values })
        .onConflictDoUpdate({ target: syncCursors.key, set: values })
        .run(),
    )
  }

  async close(): Promise<void> {
    if (this.#client.open) this.#client.close()
  }
}



function getBatchIn(tx: Tx, number: number) {
  const batch = tx.select().from(batches).where(eq(batches.number, number)).get()
  if (!batch) throw new StoreError('STORE_NOT_FOUND', `Batch ${number} is not in the store.`)
  return batch
}

/** Keeps what users see of a batch's transactions in step with the batch; rejected ones stay so. */
function setBatchTransactionsStatus(tx: Tx, number: number, state: BatchState): void {
  tx.update(transactions)
    .set({ status: TX_STATUS_OF_BATCH[state] })
    .where(and(eq(transactions.batchNumber, number), ne(transactions.status, 'rejected')))
    .run()
}

/** Statuses of a transaction on its way to L1: it holds its nullifiers and its escrow. */
const IN_FLIGHT = ['pending', 'batched', 'proving', 'submitted'] as const

/**
 * The rejection for an escrow that an admitted transaction on its way to L1 already consumes
 * (the unique index `transactions_escrow_idx` backs this check), or undefined.
 */
function escrowTaken(tx: Pick<Db, 'select'>, key: Hash | null): InsertTransactionResult | undefined {
  if (key === null) return undefined
  const holder = tx
    .select({ id: transactions.id })
    .from(transactions)
    .where(and(eq(transactions.escrowKey, key), inArray(transactions.status, [...IN_FLIGHT])))
    .get()
  return holder && { ok: false, code: 'DEPOSIT_PENDING', message: STORE_REJECTIONS.DEPOSIT_PENDING, holder: holder.id }
}


/**
 * Reserves `values` for transaction `id` and runs `write` (which creates or requeues the
 * transaction row the reservations point to), unless one is taken: then nothing is written and
 * the rejection is returned. Spent outranks pending: a spent note can never come back, a
 * pending one might.
 */
function reserveNullifiers(tx: Tx, values: readonly Hex32[], id: string, write: () => void): InsertTransactionResult | undefined {
  if (values.length > 0) {
    const taken = tx.select().from(nullifiers).where(inArray(nullifiers.value, [...values])).all()
    const hit = taken.find((n) => n.status === 'spent') ?? taken[0]
    if (hit) {
      const code = hit.status === 'spent' ? 'NULLIFIER_SPENT' : 'NULLIFIER_PENDING'
      return { ok: false, code, message: STORE_REJECTIONS[code], nullifier: hexToField(hit.value) }
    }
  }
  write()
  if (values.length > 0) {
    tx.insert(nullifiers)
      .values(values.map((value) => ({ value, status: 'pending' as const, txId: id })))
      .run()
  }
  return undefined
}

function rejectIn(tx: Tx, id: string, reason: { code: string; message: string }) {
  // Releasing the reservations is what lets the owner spend those notes in a new transaction.
  tx.delete(nullifiers)
    .where(and(eq(nullifiers.txId, id), eq(nullifiers.status, 'pending')))
    .run()
  return tx
    .update(transactions)
    .set({ status: 'rejected', rejectCode: reason.code, rejectMessage: reason.message })
    .where(eq(transactions.id, id))
    .returning()
    .get()!
}

/**
 * Marks the batch's nullifiers spent. A nullifier that a still-pending local transaction holds
 * was spent by someone else's batch: that transaction can never settle, so it is rejected here,
 * in the same SQL transaction, rather than left to fail on L1.
 */
/**
 * Someone else's batch may carry one of our pending transactions itself (an inclusion request
 * served through the escape hatch, a transaction relayed to another submitter): it settled,
 * and is recorded so, at its position in that batch, instead of being rejected for the
 * nullifiers it spent. Recognised by its two commitments at a transaction's two leaves.
 */
function adoptSettled(tx: Tx, batchNumber: number, startIndex: number, leafRows: readonly { leafIndex: number; commitment: Hex32 }[], spent: readonly Hex32[]): void {
  if (spent.length === 0) return
  const holders = tx
    .select({ txId: nullifiers.txId })
    .from(nullifiers)
    .where(and(inArray(nullifiers.value, [...spent]), eq(nullifiers.status, 'pending')))
    .all()
  const byLeaf = new Map(leafRows.map((l) => [l.leafIndex, l.commitment]))
  for (const id of new Set(holders.map((h) => h.txId).filter((id): id is string => id !== null))) {
    const row = tx.select().from(transactions).where(eq(transactions.id, id)).get()
    if (row?.status !== 'pending') continue
    for (let leaf = startIndex; byLeaf.has(leaf); leaf += TRANSFER_OUTPUTS) {
      if (row.commitments.every((c, k) => byLeaf.get(leaf + k) === c)) {
        tx.update(transactions).set({ status: 'settled', batchNumber, position: (leaf - startIndex) / TRANSFER_OUTPUTS }).where(eq(transactions.id, id)).run()
        break
      }
    }
  }
}

function spendNullifiers(tx: Tx, spent: readonly Hex32[], batchNumber: number): string[] {
  if (spent.length === 0) return []
  const existing = new Map(
    tx
      .select()
      .from(nullifiers)
      .where(inArray(nullifiers.value, [...spent]))
      .all()
      .map((n) => [n.value, n]),
  )
  const ownTxIds = new Set(
    tx
      .select({ id: transactions.id })
      .from(transactions)
      .where(eq(transactions.batchNumber, batchNumber))
      .all()
      .map((t) => t.id),
  )
  const rejected: string[] = []
  for (const value of spent) {
    const row = existing.get(value)
    if (row?.status === 'spent') throw new StoreError('STORE_CONFLICT', `Nullifier ${value} is already spent: L1 cannot spend it twice, so this batch was recorded before.`)
    if (row?.txId && !ownTxIds.has(row.txId)) {
      const holder = tx.select().from(transactions).where(eq(transactions.id, row.txId)).get()
      if (holder?.status === 'pending') {
        rejectIn(tx, holder.id, { code: 'NULLIFIER_SPENT', message: STORE_REJECTIONS.NULLIFIER_SPENT })
        rejected.push(holder.id)
      }
    }
    const txId = row?.txId && ownTxIds.has(row.txId) ? row.txId : null
    tx.insert(nullifiers)
      .values({ value, status: 'spent', txId, batchNumber })
      .onConflictDoUpdate({ target: nullifiers.value, set: { status: 'spent', txId, batchNumber } })
      .run()
  }
  return rejected
}


