import { fileURLToPath } from 'node:url'
import type Database from 'better-sqlite3'
import { and, asc, desc, eq, gte, inArray, isNotNull, isNull, lt, lte } from 'drizzle-orm'
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
import { type Hex32, toHex32 } from '../../crypto/field.ts'
import { MerkleTree, TREE_LEVELS } from '../../crypto/merkleTree.ts'
import { StoreError } from '../../errors/state.ts'
import { CHECKPOINT_BLOCKS } from '../../settlement/detectReorg.ts'
import { openSqlite } from '../../state/openSqlite.ts'
import * as schema from './schema.ts'
import type { DepositState, HistoryEntry, StoredDeposit, StoredNote, SyncWrite, WalletCheckpoint, WalletStore } from './storeTypes.ts'
import { treeChunkWrites } from './treeChunks.ts'

export type * from './storeTypes.ts'
export { TREE_CHUNK_NODES } from './treeChunks.ts'

const MIGRATIONS_FOLDER = fileURLToPath(new URL('./migrations', import.meta.url))

const hex = (x: bigint) => toHex32(x)

const TREE_SIZE = 'tree_size'
const CURSOR = 'cursor'
const CURSOR_HASH = 'cursor_hash'

/**
 * The wallet's local database: its notes, its copy of the note tree, its history and the L1
 * cursor. A file keeps them across runs (the next sync reads only new blocks); `:memory:` keeps
 * them for the process. SQLite through drizzle, migrations applied at open.
 *
 * @example
 * const store = openWalletStore({ path: '.zkpay/wallet.db' })
 * const wallet = createWallet({ mnemonic, store, ... })
 */
export class SqliteWalletStore implements WalletStore {
  readonly #db: BetterSQLite3Database<typeof schema>
  readonly #client: Database.Database
  /** leaves of the tree as stored: the next write starts from the chunks above this index */
  #storedTreeSize = 0

  private constructor(db: BetterSQLite3Database<typeof schema>, client: Database.Database) {
    this.#db = db
    this.#client = client
  }

  static open(path: string): SqliteWalletStore {
    const { db, client } = openSqlite({
      path,
      schema,
      migrationsFolder: MIGRATIONS_FOLDER,
      what: 'wallet database',
      error: (message, cause) => new StoreError('STORE_OPEN_FAILED', message, { cause }),
    })
    return new SqliteWalletStore(db, client)
  }

  getMeta(key: string): string | undefined {
    return this.#db.select().from(schema.meta).where(eq(schema.meta.key, key)).get()?.value
  }

  setMeta(key: string, value: string): void {
    this.#db.insert(schema.meta).values({ key, value }).onConflictDoUpdate({ target: schema.meta.key, set: { value } }).run()
  }

  /** Meta rows whose key starts with `prefix` (plain characters: no LIKE wildcards), by key. */
  metaWithPrefix(prefix: string): [string, string][] {
    const { meta } = schema
    return this.#db
      .select()
      .from(meta)
      .where(and(gte(meta.key, prefix), lt(meta.key, `${prefix}\uffff`)))
      .orderBy(asc(meta.key))
      .all()
      .map((r) => [r.key, r.value])
  }

  /**
   * The stored note tree (undefined for a new wallet). Chunks are checked by
   * `MerkleTree.fromNodes`; a wallet from before chunks is read from its one-row snapshot and
   * rewritten as chunks at its next sync that grows the tree.
   */
  loadTree(): MerkleTree | undefined {
    const size = this.getMeta(TREE_SIZE)
    if (size === undefined) {
      const legacy = this.#db.select().from(schema.tree).where(eq(schema.tree.id, 1)).get()?.snapshot
      this.#storedTreeSize = 0
      return legacy ? MerkleTree.restore(legacy) : undefined
    }
    const levels = TREE_LEVELS
    const parts: Buffer[][] = Array.from({ length: levels + 1 }, () => [])
    for (const row of this.#db.select().from(schema.treeChunks).orderBy(asc(schema.treeChunks.level), asc(schema.treeChunks.chunk)).all()) {
      const level = parts[row.level]
      // A chunk out of sequence means a missing one: its level will have the wrong length.
      if (level && row.chunk === level.length) level.push(row.nodes)
    }
    const tree = MerkleTree.fromNodes(levels, Number(size), parts.map((p) => Buffer.concat(p)))
    this.#storedTreeSize = tree.size
    return tree
  }

  /**
   * Writes the chunks that changed since the stored tree, from leaf `from` on (the stored size
   * after an append; the new size after a truncation), drops the chunks past each level's end,
   * and records the new size.
   */
  #writeTree(tx: Pick<BetterSQLite3Database<typeof schema>, 'insert' | 'delete'>, tree: MerkleTree, from = this.#storedTreeSize): void {
    const chunks = schema.treeChunks
    for (const { level, chunks: count, writes } of treeChunkWrites(tree, from)) {
      tx.delete(chunks)
        .where(and(eq(chunks.level, level), gte(chunks.chunk, count)))
        .run()
      for (const { chunk, nodes: bytes } of writes) {
        const nodes = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
        tx.insert(chunks).values({ level, chunk, nodes }).onConflictDoUpdate({ target: [chunks.level, chunks.chunk], set: { nodes } }).run()
      }
    }
    tx.insert(schema.meta).values({ key: TREE_SIZE, value: String(tree.size) }).onConflictDoUpdate({ target: schema.meta.key, set: { value: String(tree.size) } }).run()
    tx.delete(schema.tree).run()
  }

  /** The hash of the last block the wallet read (`cursor - 1`), when it was recorded. */
  cursorHash(): `0x${string}` | undefined {
    return this.getMeta(CURSOR_HASH) as `0x${string}` | undefined
  }

  /** Every checkpoint, newest block first: what a reorg check walks back through. */
  checkpoints(): WalletCheckpoint[] {
    return this.#db
      .select()
      .from(schema.checkpoints)
      .orderBy(desc(schema.checkpoints.block))
      .all()
      .map((r) => ({ block: BigInt(r.block), hash: r.blockHash as `0x${string}`, treeSize: r.treeSize }))
  }

  notes(): StoredNote[] {
    return this.#db
      .select()
      .from(schema.notes)
      .all()
      .map((r) => ({
        leafIndex: r.leafIndex,
        commitment: BigInt(r.commitment),
        nullifier: BigInt(r.nullifier),
        asset: BigInt(r.asset),
        amount: BigInt(r.amount),
        blinding: BigInt(r.blinding),
        memo: r.memo,
        txKey: r.txKey as Hex32,
        receivedBlock: BigInt(r.receivedBlock),
        spentBlock: r.spentBlock === null ? null : BigInt(r.spentBlock),
        pendingTx: r.pendingTx,
      }))
  }

  history(): HistoryEntry[] {
    return this.#db
      .select()
      .from(schema.history)
      .all()
      .map((r) => ({
        ...r,
        txKey: r.txKey as Hex32,
        asset: BigInt(r.asset),
        amount: BigInt(r.amount),
        block: r.block === null ? null : BigInt(r.block),
      }))
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
  }

  /** Everything one sync found, atomically: a crash leaves the previous sync's state whole. */
  writeSync(w: SyncWrite): void {
    this.#db.transaction((tx) => {
      if (w.tree) this.#writeTree(tx, w.tree)
      for (const n of w.newNotes) {
        tx.insert(schema.notes)
          .values({
            leafIndex: n.leafIndex,
            commitment: hex(n.commitment),
            nullifier: hex(n.nullifier),
            asset: hex(n.asset),
            amount: n.amount.toString(),
            blinding: hex(n.blinding),
            memo: n.memo,
            txKey: n.txKey,
            receivedBlock: Number(n.receivedBlock),
            spentBlock: n.spentBlock === null ? null : Number(n.spentBlock),
            pendingTx: n.pendingTx,
          })
          .onConflictDoNothing()
          .run()
      }
      for (const s of w.spent) {
        tx.update(schema.notes)
          .set({ spentBlock: Number(s.block), spentTxKey: s.txKey, pendingTx: null })
          .where(eq(schema.notes.nullifier, hex(s.nullifier)))
          .run()
      }
      for (const h of w.history) this.#putHistory(tx, h)
      for (const c of w.checkpoints ?? []) {
        const row = { block: Number(c.block), blockHash: c.hash.toLowerCase(), treeSize: c.treeSize }
        tx.insert(schema.checkpoints).values(row).onConflictDoUpdate({ target: schema.checkpoints.block, set: row }).run()
      }
      tx.delete(schema.checkpoints)
        .where(lt(schema.checkpoints.block, Number(w.cursor - CHECKPOINT_BLOCKS)))
        .run()
      this.#setCursor(tx, w.cursor, w.cursorHash ?? null)
    })
    if (w.tree) this.#storedTreeSize = w.tree.size
  }

  /**
   * Undoes, in one SQL transaction, everything read from block `cursor` on, because an L1 reorg
   * orphaned those blocks: notes received there are forgotten; notes spent there are unspent, and
   * locked again for the wallet's own transaction that spent them (it is pending again, and the
   * node posts it again); history entries settled there go back to pending (the wallet's own) or
   * disappear (what it only saw on L1); the tree becomes `tree` (the old one truncated) and the
   * cursor `cursor`, with `cursorHash` for the block before it.
   */
  rollback(r: { cursor: bigint; cursorHash: `0x${string}` | null; tree: MerkleTree }): void {
    const from = Number(r.cursor)
    const { notes, history, checkpoints } = schema
    this.#db.transaction((tx) => {
      tx.delete(notes).where(gte(notes.receivedBlock, from)).run()
      const ownTxIds = new Map(tx.select({ txKey: history.txKey, txId: history.txId }).from(history).all().map((h) => [h.txKey, h.txId]))
      for (const n of tx.select().from(notes).where(gte(notes.spentBlock, from)).all()) {
        const pendingTx = (n.spentTxKey === null ? null : ownTxIds.get(n.spentTxKey)) ?? null
        tx.update(notes).set({ spentBlock: null, spentTxKey: null, pendingTx }).where(eq(notes.leafIndex, n.leafIndex)).run()
      }
      // `final` too: deeper than the confirmations is unlikely, not impossible, and the chain wins.
      const settledThere = and(inArray(history.status, ['settled', 'final']), gte(history.block, from))
      tx.delete(history).where(and(settledThere, isNull(history.txId))).run()
      tx.update(history).set({ status: 'pending', block: null, l1TxHash: null }).where(settledThere).run()
      this.#writeTree(tx, r.tree, Math.min(this.#storedTreeSize, r.tree.size))
      tx.delete(checkpoints).where(gte(checkpoints.block, from)).run()
      this.#setCursor(tx, r.cursor, r.cursorHash)
    })
    this.#storedTreeSize = r.tree.size
  }

  #setCursor(tx: Pick<BetterSQLite3Database<typeof schema>, 'insert' | 'delete'>, cursor: bigint, hash: `0x${string}` | null): void {
    const meta = schema.meta
    tx.insert(meta).values({ key: CURSOR, value: cursor.toString() }).onConflictDoUpdate({ target: meta.key, set: { value: cursor.toString() } }).run()
    if (hash === null) tx.delete(meta).where(eq(meta.key, CURSOR_HASH)).run()
    else tx.insert(meta).values({ key: CURSOR_HASH, value: hash.toLowerCase() }).onConflictDoUpdate({ target: meta.key, set: { value: hash.toLowerCase() } }).run()
  }

  /** Locks notes for a submitted transaction (`txId`), or frees them (`null`). */
  setPending(leafIndexes: readonly number[], txId: string | null): void {
    this.#db.transaction((tx) => {
      for (const i of leafIndexes) tx.update(schema.notes).set({ pendingTx: txId }).where(eq(schema.notes.leafIndex, i)).run()
    })
  }

  /** Sequencer ids of transactions that still lock notes. */
  pendingTransactions(): string[] {
    const rows = this.#db.selectDistinct({ id: schema.notes.pendingTx }).from(schema.notes).where(isNotNull(schema.notes.pendingTx)).all()
    return rows.map((r) => r.id!).filter(Boolean)
  }

  /** Settled entries in blocks up to `block` become `final`. */
  finalizeHistory(block: bigint): void {
    const { history } = schema
    this.#db.update(history).set({ status: 'final' }).where(and(eq(history.status, 'settled'), lte(history.block, Number(block)))).run()
  }

  putHistory(entry: HistoryEntry): void {
    this.#putHistory(this.#db, entry)
  }

  #putHistory(db: Pick<BetterSQLite3Database<typeof schema>, 'insert'>, h: HistoryEntry): void {
    const row = {
      txKey: h.txKey,
      kind: h.kind,
      asset: hex(h.asset),
      amount: h.amount.toString(),
      counterparty: h.counterparty,
      memo: h.memo,
      txId: h.txId,
      status: h.status,
      createdAt: h.createdAt,
      block: h.block === null ? null : Number(h.block),
      l1TxHash: h.l1TxHash,
    }
    const { txKey: _, createdAt: __, ...update } = row
    db.insert(schema.history).values(row).onConflictDoUpdate({ target: schema.history.txKey, set: update }).run()
  }

  /** Records an escrow before its L1 transaction is sent (state `escrowing`). */
  putDeposit(d: Pick<StoredDeposit, 'key' | 'asset' | 'amount' | 'transaction'>): void {
    this.#db
      .insert(schema.deposits)
      .values({ key: d.key, state: 'escrowing', asset: hex(d.asset), amount: d.amount.toString(), transaction: d.transaction, createdAt: new Date() })
      .run()
  }

  updateDeposit(key: string, patch: Partial<Pick<StoredDeposit, 'state' | 'txId' | 'unlockBlock' | 'lastError'>>): void {
    const { unlockBlock, ...rest } = patch
    const set = { ...rest, ...(unlockBlock === undefined ? {} : { unlockBlock: unlockBlock === null ? null : Number(unlockBlock) }) }
    if (Object.keys(set).length > 0) this.#db.update(schema.deposits).set(set).where(eq(schema.deposits.key, key)).run()
  }

  /** Escrows, oldest first; only those in `states` when given. */
  deposits(states?: readonly DepositState[]): StoredDeposit[] {
    return this.#db
      .select()
      .from(schema.deposits)
      .orderBy(asc(schema.deposits.createdAt))
      .all()
      .filter((r) => !states || states.includes(r.state))
      .map((r) => ({
        key: r.key as `0x${string}`,
        state: r.state,
        asset: BigInt(r.asset),
        amount: BigInt(r.amount),
        transaction: r.transaction,
        txId: r.txId,
        unlockBlock: r.unlockBlock === null ? null : BigInt(r.unlockBlock),
        lastError: r.lastError,
        createdAt: r.createdAt,
      }))
  }

  /** SQLite's writes are durable when they return. */
  flush(): Promise<void> {
    return Promise.resolve()
  }

  close(): void {
    this.#client.close()
  }
}

/**
 * Opens (or creates) a wallet database; `:memory:` for one that lives with the process.
 *
 * @example
 * const store = openWalletStore({ path: join(homedir(), '.zkpay', 'wallet.db') })
 */
export function openWalletStore(options: { path: string }): SqliteWalletStore {
  return SqliteWalletStore.open(options.path)
}
