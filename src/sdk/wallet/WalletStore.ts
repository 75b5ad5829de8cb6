import { fileURLToPath } from 'node:url'
import type Database from 'better-sqlite3'
import { asc, eq, isNotNull } from 'drizzle-orm'
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
import { type Hex32, toHex32 } from '../../crypto/field.ts'
import { MerkleTree, TREE_LEVELS } from '../../crypto/merkleTree.ts'
import { StoreError } from '../../errors/state.ts'
import { openSqlite } from '../../state/openSqlite.ts'
import * as schema from './schema.ts'

const MIGRATIONS_FOLDER = fileURLToPath(new URL('./migrations', import.meta.url))

/** A note as the wallet stores it. */
export type StoredNote = {
  leafIndex: number
  commitment: bigint
  nullifier: bigint
  asset: bigint
  amount: bigint
  blinding: bigint
  memo: string
  txKey: Hex32
  receivedBlock: bigint
  spentBlock: bigint | null
  pendingTx: string | null
}

export type HistoryKind = (typeof schema.history.$inferSelect)['kind']
export type HistoryStatus = (typeof schema.history.$inferSelect)['status']

/** One transaction that touched the wallet. */
export type HistoryEntry = {
  /** the transaction's first output commitment */
  txKey: Hex32
  kind: HistoryKind
  asset: bigint
  /** what left the wallet (send, withdraw), or arrived (deposit, receive); 0 for a merge */
  amount: bigint
  counterparty: string | null
  memo: string | null
  txId: string | null
  status: HistoryStatus
  createdAt: Date
  block: bigint | null
  l1TxHash: string | null
}

/** What one sync pass found, written in one SQL transaction. */
export type SyncWrite = {
  cursor: bigint
  /** the tree after the sync, when it grew: its new and changed chunks are written */
  tree?: MerkleTree
  newNotes: StoredNote[]
  spent: { nullifier: bigint; block: bigint }[]
  history: HistoryEntry[]
}

const hex = (x: bigint) => toHex32(x)

/** Nodes per stored chunk of a tree level: 16 KB, so an append rewrites a few small rows. */
export const TREE_CHUNK_NODES = 512
const TREE_SIZE = 'tree_size'

/**
 * The wallet's local database: its notes, its copy of the note tree, its history and the L1
 * cursor. A file keeps them across runs (the next sync reads only new blocks); `:memory:` keeps
 * them for the process. SQLite through drizzle, migrations applied at open.
 *
 * @example
 * const store = openWalletStore({ path: '.zkpay/wallet.db' })
 * const wallet = createWallet({ mnemonic, store, ... })
 */
export class WalletStore {
  readonly #db: BetterSQLite3Database<typeof schema>
  readonly #client: Database.Database
  /** leaves of the tree as stored: the next write starts from the chunks above this index */
  #storedTreeSize = 0

  private constructor(db: BetterSQLite3Database<typeof schema>, client: Database.Database) {
    this.#db = db
    this.#client = client
  }

  static open(path: string): WalletStore {
    const { db, client } = openSqlite({
      path,
      schema,
      migrationsFolder: MIGRATIONS_FOLDER,
      what: 'wallet database',
      error: (message, cause) => new StoreError('STORE_OPEN_FAILED', message, { cause }),
    })
    return new WalletStore(db, client)
  }

  getMeta(key: string): string | undefined {
    return this.#db.select().from(schema.meta).where(eq(schema.meta.key, key)).get()?.value
  }

  setMeta(key: string, value: string): void {
    this.#db.insert(schema.meta).values({ key, value }).onConflictDoUpdate({ target: schema.meta.key, set: { value } }).run()
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

  /** Writes the chunks that appending leaves since the last write changed, and the new size. */
  #writeTree(tx: Pick<BetterSQLite3Database<typeof schema>, 'insert' | 'delete'>, tree: MerkleTree): void {
    const from = this.#storedTreeSize
    tree.levelSizes().forEach((size, level) => {
      // The first node of this level that the append changed (the root always changes).
      const changed = level === tree.levels ? 0 : Math.floor(from / 4 ** level)
      for (let chunk = Math.floor(changed / TREE_CHUNK_NODES); chunk * TREE_CHUNK_NODES < size; chunk++) {
        const nodes = Buffer.from(tree.nodes(level, chunk * TREE_CHUNK_NODES, Math.min(size, (chunk + 1) * TREE_CHUNK_NODES)))
        tx.insert(schema.treeChunks).values({ level, chunk, nodes }).onConflictDoUpdate({ target: [schema.treeChunks.level, schema.treeChunks.chunk], set: { nodes } }).run()
      }
    })
    tx.insert(schema.meta).values({ key: TREE_SIZE, value: String(tree.size) }).onConflictDoUpdate({ target: schema.meta.key, set: { value: String(tree.size) } }).run()
    tx.delete(schema.tree).run()
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
      for (const s of w.spent) tx.update(schema.notes).set({ spentBlock: Number(s.block), pendingTx: null }).where(eq(schema.notes.nullifier, hex(s.nullifier))).run()
      for (const h of w.history) this.#putHistory(tx, h)
      tx.insert(schema.meta).values({ key: 'cursor', value: w.cursor.toString() }).onConflictDoUpdate({ target: schema.meta.key, set: { value: w.cursor.toString() } }).run()
    })
    if (w.tree) this.#storedTreeSize = w.tree.size
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
export function openWalletStore(options: { path: string }): WalletStore {
  return WalletStore.open(options.path)
}
