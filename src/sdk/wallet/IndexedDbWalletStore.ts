import type { TransactionJson } from '../../circuits/codec.ts'
import { type Hex32, toHex32 } from '../../crypto/field.ts'
import { MerkleTree, TREE_LEVELS } from '../../crypto/merkleTree.ts'
import { InvalidParameterError, StoreError } from '../../errors/index.ts'
import { CHECKPOINT_BLOCKS } from '../../settlement/detectReorg.ts'
import type { DepositState, HistoryEntry, HistoryKind, HistoryStatus, StoredDeposit, StoredNote, SyncWrite, WalletCheckpoint, WalletStore } from './storeTypes.ts'
import { treeChunkWrites } from './treeChunks.ts'

// The wallet's store in a browser. IndexedDB is asynchronous and the `WalletStore` interface is
// not, so the store reads every record into memory at open and serves reads from there. Each
// write applies to memory at once and issues one IndexedDB transaction holding exactly its puts
// and deletes: a sync or a rollback is all on disk or none of it. Every transaction spans every
// object store, so IndexedDB runs them one after another in the order they were issued (the
// spec orders read-write transactions whose scopes overlap), and the disk passes through the same
// states as memory, later. `flush()` waits for the commits. A transaction that fails stops all
// writing (memory may then be ahead of the disk, never the disk ahead of memory or out of order):
// a wallet that cannot record what it is about to do must not do it.
//
// Records keep the SQLite store's encodings: field elements as `0x` + 64 hex digits, amounts as
// decimal strings, blocks and timestamps as numbers, tree chunks as bytes.
//
// One store per database at a time: two tabs on one wallet would each write from their own copy.

/**
 * The prefix of a wallet's IndexedDB database name: `IndexedDbWalletStore.open('main')` opens
 * `zkpay-wallet:main`, apart from anything else the site stores, one database per wallet.
 *
 * @example
 * indexedDB.deleteDatabase(`${WALLET_DB_PREFIX}main`) // forgets the wallet 'main' (not its mnemonic)
 */
export const WALLET_DB_PREFIX = 'zkpay-wallet:'

/** The database's schema version: `upgrade` brings an older one up to it. */
const DB_VERSION = 1

const TREE_SIZE = 'tree_size'
const CURSOR = 'cursor'
const CURSOR_HASH = 'cursor_hash'
const SEED = 'seed'

type MetaRecord = { key: string; value: string }
type NoteRecord = {
  leafIndex: number
  commitment: Hex32
  nullifier: Hex32
  asset: Hex32
  amount: string
  blinding: Hex32
  memo: string
  txKey: Hex32
  receivedBlock: number
  spentBlock: number | null
  /** the transaction that spent it on L1: a reorg that orphans the spend locks the note for it again */
  spentTxKey: Hex32 | null
  pendingTx: string | null
}
/** `seq`: the order entries were first written, which orders equal `createdAt`s as SQLite's rowids do. */
type HistoryRecord = {
  txKey: Hex32
  kind: HistoryKind
  asset: Hex32
  amount: string
  counterparty: string | null
  memo: string | null
  txId: string | null
  status: HistoryStatus
  createdAt: number
  block: number | null
  l1TxHash: string | null
  seq: number
}
type DepositRecord = {
  key: `0x${string}`
  state: DepositState
  asset: Hex32
  amount: string
  transaction: TransactionJson
  txId: string | null
  unlockBlock: number | null
  lastError: string | null
  createdAt: number
  seq: number
}
type CheckpointRecord = { block: number; blockHash: string; treeSize: number }
type ChunkRecord = { level: number; chunk: number; nodes: Uint8Array }
type VaultRecord = { name: string; sealed: string }

type Records = {
  meta: MetaRecord
  notes: NoteRecord
  history: HistoryRecord
  deposits: DepositRecord
  checkpoints: CheckpointRecord
  treeChunks: ChunkRecord
  vault: VaultRecord
}
type StoreName = keyof Records
/** The keys this store's records have (IndexedDB's `IDBValidKey`, narrowed). */
type Key = string | number | (string | number)[]

/** The object stores and their keys: version 1 of the database. */
const KEY_PATHS: { [S in StoreName]: keyof Records[S] | (keyof Records[S])[] } = {
  meta: 'key',
  notes: 'leafIndex',
  history: 'txKey',
  deposits: 'key',
  checkpoints: 'block',
  treeChunks: ['level', 'chunk'],
  vault: 'name',
}
const STORE_NAMES = Object.keys(KEY_PATHS) as StoreName[]

type Tables = { [S in StoreName]: Map<string, Records[S]> }
type Op = { kind: 'put' | 'add'; store: StoreName; record: Records[StoreName] } | { kind: 'delete'; store: StoreName; key: Key }

/** A record's key, as IndexedDB computes it from the key path. */
function keyOf<S extends StoreName>(store: S, record: Records[S]): Key {
  const path = KEY_PATHS[store]
  const at = (p: keyof Records[S]) => record[p] as string | number
  return Array.isArray(path) ? path.map(at) : at(path as keyof Records[S])
}
/** The key of a record in memory: a string, so that equal array keys are one entry. */
const memoryKey = (key: Key) => (Array.isArray(key) ? key.join('/') : String(key))

/**
 * The changes one write makes, before they reach memory or the disk: the tables it reads are
 * copied (their records are never changed in place, only replaced), so a write that throws
 * half-way leaves the store as it was. Later changes to a key replace earlier ones: one
 * transaction, one final value per key.
 */
class Batch {
  readonly ops = new Map<string, Op>()
  readonly copies: Partial<Tables> = {}
  readonly #tables: Tables

  constructor(tables: Tables) {
    this.#tables = tables
  }

  table<S extends StoreName>(store: S): Map<string, Records[S]> {
    const copies = this.copies as Record<S, Map<string, Records[S]>>
    copies[store] ??= new Map(this.#tables[store])
    return copies[store]
  }

  put<S extends StoreName>(store: S, record: Records[S], kind: 'put' | 'add' = 'put'): void {
    const key = memoryKey(keyOf(store, record))
    this.table(store).set(key, record)
    this.ops.set(`${store}\u0000${key}`, { kind, store, record })
  }

  delete<S extends StoreName>(store: S, key: Key): void {
    this.table(store).delete(memoryKey(key))
    this.ops.set(`${store}\u0000${memoryKey(key)}`, { kind: 'delete', store, key })
  }
}

/**
 * The wallet's local database in a browser: what `SqliteWalletStore` keeps in Node (notes, the
 * note tree in chunks, history, escrows, the L1 cursor and its checkpoints), in IndexedDB, plus a
 * vault for the wallet's sealed seed. Reads come from memory; `await store.flush()` before a step
 * that must find its writes on disk.
 *
 * @example
 * const store = await IndexedDbWalletStore.open('main')
 * const wallet = await createWallet({ mnemonic, store, sequencerUrl, rollupAddress, fromBlock, l1 })
 * await wallet.sync()
 */
export class IndexedDbWalletStore implements WalletStore {
  readonly #db: IDBDatabase
  readonly #tables: Tables
  /** transactions issued and not yet settled */
  readonly #pending = new Set<Promise<void>>()
  /** why the store stopped writing, once it did */
  #failure: unknown
  #closed = false
  /** lets go of the tab-exclusive lock on this wallet's database */
  #unlock: () => void = () => undefined
  /** leaves of the tree as stored: the next write starts from the chunks above this index */
  #storedTreeSize = 0
  /** the next `seq` of a history entry or an escrow */
  #seq: number

  private constructor(db: IDBDatabase, tables: Tables) {
    this.#db = db
    this.#tables = tables
    this.#seq = [...tables.history.values(), ...tables.deposits.values()].reduce((max, r) => Math.max(max, r.seq), 0) + 1
    // Another tab upgrading or deleting the database waits for this connection to close; the
    // browser closes it itself when the site's data is cleared. Either way nothing more is saved.
    db.onversionchange = () => {
      db.close()
      this.#fail(new Error('Another page asked to upgrade or delete the database, so this one closed its connection.'))
    }
    db.onclose = () => this.#fail(new Error('The browser closed the database (its data may have been cleared).'))
  }

  /**
   * Opens (or creates) the wallet database `zkpay-wallet:<name>` and reads it into memory. In a
   * browser `indexedDB` defaults to the page's; tests pass fake-indexeddb's.
   *
   * @example
   * const store = await IndexedDbWalletStore.open('main')
   * const store = await IndexedDbWalletStore.open('test', { indexedDB: new IDBFactory() }) // fake-indexeddb
   */
  static async open(name: string, options: { indexedDB?: IDBFactory; locks?: LockManager | null } = {}): Promise<IndexedDbWalletStore> {
    // `locks`: the page's Web Locks by default; null opens without one (tests, and IndexedDB outside a page).
    if (typeof name !== 'string' || name.length === 0) throw new InvalidParameterError('name', 'expected a non-empty string naming the wallet database')
    const factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB
    if (factory === undefined) {
      throw new StoreError('STORE_OPEN_FAILED', 'This environment has no IndexedDB: pass `indexedDB` to open the wallet store, or use the SQLite store (`openWalletStore`) in Node.')
    }
    const dbName = `${WALLET_DB_PREFIX}${name}`
    // Each open store writes from its own copy in memory: two tabs on one wallet would overwrite
    // each other's notes, locks and escrows. One holds the database at a time (Web Locks).
    const locks = options.locks === undefined ? (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks : (options.locks ?? undefined)
    // A page's own IndexedDB without Web Locks is an insecure context (plain http off localhost): refused, not opened unguarded.
    if (!locks && options.indexedDB === undefined && options.locks === undefined) {
      throw new StoreError('STORE_OPEN_FAILED', 'This page has no Web Locks (it is not served over https or from localhost): the wallet opens only in a secure context.')
    }
    const unlock = locks ? await holdLock(locks, dbName) : () => undefined
    if (!unlock) throw new StoreError('STORE_LOCKED', `The wallet ${name} is open in another tab or window: close it there, then reload this page.`)
    let db: IDBDatabase | undefined
    try {
      db = await openDatabase(factory, dbName)
      const store = new IndexedDbWalletStore(db, await readAll(db))
      store.#unlock = unlock
      return store
    } catch (cause) {
      db?.close()
      unlock()
      if (cause instanceof StoreError) throw cause
      throw new StoreError('STORE_OPEN_FAILED', `The wallet database ${dbName} could not be read: reload the page to try again.`, { details: describe(cause), cause })
    }
  }

  getMeta(key: string): string | undefined {
    return this.#tables.meta.get(key)?.value
  }

  setMeta(key: string, value: string): void {
    this.#write((b) => b.put('meta', { key, value }))
  }

  /** Meta entries whose key starts with `prefix`, by key (the range SQLite's store reads). */
  metaWithPrefix(prefix: string): [string, string][] {
    const end = `${prefix}\uffff`
    return [...this.#tables.meta.values()]
      .filter((m) => m.key >= prefix && m.key < end)
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((m) => [m.key, m.value])
  }

  /** The stored note tree (undefined for a new wallet), checked by `MerkleTree.fromNodes`. */
  loadTree(): MerkleTree | undefined {
    const size = this.getMeta(TREE_SIZE)
    if (size === undefined) {
      this.#storedTreeSize = 0
      return undefined
    }
    const levels: Uint8Array[] = []
    for (let level = 0; level <= TREE_LEVELS; level++) {
      const parts: Uint8Array[] = []
      // Chunks in sequence from 0: after a missing one the level has the wrong length, which fromNodes refuses.
      for (let chunk = 0, part = this.#chunk(level, chunk); part; part = this.#chunk(level, ++chunk)) parts.push(part)
      levels.push(concat(parts))
    }
    const tree = MerkleTree.fromNodes(TREE_LEVELS, Number(size), levels)
    this.#storedTreeSize = tree.size
    return tree
  }

  #chunk(level: number, chunk: number): Uint8Array | undefined {
    return this.#tables.treeChunks.get(memoryKey([level, chunk]))?.nodes
  }

  /** The chunks that changed since the stored tree, from leaf `from` on, and the new size. */
  #writeTree(b: Batch, tree: MerkleTree, from = this.#storedTreeSize): void {
    const chunks = b.table('treeChunks')
    for (const { level, chunks: count, writes } of treeChunkWrites(tree, from)) {
      for (const c of [...chunks.values()]) if (c.level === level && c.chunk >= count) b.delete('treeChunks', [c.level, c.chunk])
      for (const { chunk, nodes } of writes) b.put('treeChunks', { level, chunk, nodes })
    }
    b.put('meta', { key: TREE_SIZE, value: String(tree.size) })
  }

  cursorHash(): `0x${string}` | undefined {
    return this.getMeta(CURSOR_HASH) as `0x${string}` | undefined
  }

  checkpoints(): WalletCheckpoint[] {
    return [...this.#tables.checkpoints.values()]
      .sort((a, b) => b.block - a.block)
      .map((r) => ({ block: BigInt(r.block), hash: r.blockHash as `0x${string}`, treeSize: r.treeSize }))
  }

  notes(): StoredNote[] {
    return [...this.#tables.notes.values()]
      .sort((a, b) => a.leafIndex - b.leafIndex)
      .map((r) => ({
        leafIndex: r.leafIndex,
        commitment: BigInt(r.commitment),
        nullifier: BigInt(r.nullifier),
        asset: BigInt(r.asset),
        amount: BigInt(r.amount),
        blinding: BigInt(r.blinding),
        memo: r.memo,
        txKey: r.txKey,
        receivedBlock: BigInt(r.receivedBlock),
        spentBlock: r.spentBlock === null ? null : BigInt(r.spentBlock),
        pendingTx: r.pendingTx,
      }))
  }

  history(): HistoryEntry[] {
    return [...this.#tables.history.values()]
      .sort((a, b) => a.createdAt - b.createdAt || a.seq - b.seq)
      .map((r) => ({
        txKey: r.txKey,
        kind: r.kind,
        asset: BigInt(r.asset),
        amount: BigInt(r.amount),
        counterparty: r.counterparty,
        memo: r.memo,
        txId: r.txId,
        status: r.status,
        createdAt: new Date(r.createdAt),
        block: r.block === null ? null : BigInt(r.block),
        l1TxHash: r.l1TxHash,
      }))
  }

  writeSync(w: SyncWrite): void {
    this.#write((b) => {
      if (w.tree) this.#writeTree(b, w.tree)
      const notes = b.table('notes')
      const byNullifier = new Map([...notes.values()].map((r) => [r.nullifier, r.leafIndex]))
      for (const n of w.newNotes) {
        const nullifier = toHex32(n.nullifier)
        // As SQLite's insert-or-ignore: a note already known (by leaf or by nullifier) stays as it is.
        if (notes.has(memoryKey(n.leafIndex)) || byNullifier.has(nullifier)) continue
        byNullifier.set(nullifier, n.leafIndex)
        b.put('notes', {
          leafIndex: n.leafIndex,
          commitment: toHex32(n.commitment),
          nullifier,
          asset: toHex32(n.asset),
          amount: n.amount.toString(),
          blinding: toHex32(n.blinding),
          memo: n.memo,
          txKey: n.txKey,
          receivedBlock: Number(n.receivedBlock),
          spentBlock: n.spentBlock === null ? null : Number(n.spentBlock),
          spentTxKey: null,
          pendingTx: n.pendingTx,
        })
      }
      for (const s of w.spent) {
        const leafIndex = byNullifier.get(toHex32(s.nullifier))
        const r = leafIndex === undefined ? undefined : notes.get(memoryKey(leafIndex))
        if (r) b.put('notes', { ...r, spentBlock: Number(s.block), spentTxKey: s.txKey, pendingTx: null })
      }
      for (const h of w.history) this.#putHistory(b, h)
      for (const c of w.checkpoints ?? []) b.put('checkpoints', { block: Number(c.block), blockHash: c.hash.toLowerCase(), treeSize: c.treeSize })
      const forgetBelow = Number(w.cursor - CHECKPOINT_BLOCKS)
      for (const c of [...b.table('checkpoints').values()]) if (c.block < forgetBelow) b.delete('checkpoints', c.block)
      this.#setCursor(b, w.cursor, w.cursorHash ?? null)
    })
    if (w.tree) this.#storedTreeSize = w.tree.size
  }

  rollback(r: { cursor: bigint; cursorHash: `0x${string}` | null; tree: MerkleTree }): void {
    const from = Number(r.cursor)
    this.#write((b) => {
      const notes = b.table('notes')
      for (const n of [...notes.values()]) if (n.receivedBlock >= from) b.delete('notes', n.leafIndex)
      const history = b.table('history')
      const ownTxIds = new Map([...history.values()].map((h) => [h.txKey, h.txId]))
      for (const n of [...notes.values()]) {
        if (n.spentBlock === null || n.spentBlock < from) continue
        // Spent by our own transaction: it is pending again (the node posts it again), and locks the note.
        const pendingTx = (n.spentTxKey === null ? null : ownTxIds.get(n.spentTxKey)) ?? null
        b.put('notes', { ...n, spentBlock: null, spentTxKey: null, pendingTx })
      }
      for (const h of [...history.values()]) {
        // `final` too: deeper than the confirmations is unlikely, not impossible, and the chain wins.
        if (!(h.status === 'settled' || h.status === 'final') || h.block === null || h.block < from) continue
        if (h.txId === null) b.delete('history', h.txKey)
        else b.put('history', { ...h, status: 'pending', block: null, l1TxHash: null })
      }
      this.#writeTree(b, r.tree, Math.min(this.#storedTreeSize, r.tree.size))
      for (const c of [...b.table('checkpoints').values()]) if (c.block >= from) b.delete('checkpoints', c.block)
      this.#setCursor(b, r.cursor, r.cursorHash)
    })
    this.#storedTreeSize = r.tree.size
  }

  #setCursor(b: Batch, cursor: bigint, hash: `0x${string}` | null): void {
    b.put('meta', { key: CURSOR, value: cursor.toString() })
    if (hash === null) b.delete('meta', CURSOR_HASH)
    else b.put('meta', { key: CURSOR_HASH, value: hash.toLowerCase() })
  }

  setPending(leafIndexes: readonly number[], txId: string | null): void {
    this.#write((b) => {
      const notes = b.table('notes')
      for (const i of leafIndexes) {
        const n = notes.get(memoryKey(i))
        if (n) b.put('notes', { ...n, pendingTx: txId })
      }
    })
  }

  pendingTransactions(): string[] {
    return [...new Set(this.notes().map((n) => n.pendingTx))].filter((id): id is string => Boolean(id))
  }

  finalizeHistory(block: bigint): void {
    this.#write((b) => {
      for (const h of [...b.table('history').values()]) {
        if (h.status === 'settled' && h.block !== null && h.block <= Number(block)) b.put('history', { ...h, status: 'final' })
      }
    })
  }

  putHistory(entry: HistoryEntry): void {
    this.#write((b) => this.#putHistory(b, entry))
  }

  /** Adds the entry, or replaces the one with its `txKey` keeping when (and in what order) it was first written. */
  #putHistory(b: Batch, h: HistoryEntry): void {
    const kept = b.table('history').get(h.txKey)
    b.put('history', {
      txKey: h.txKey,
      kind: h.kind,
      asset: toHex32(h.asset),
      amount: h.amount.toString(),
      counterparty: h.counterparty,
      memo: h.memo,
      txId: h.txId,
      status: h.status,
      createdAt: kept?.createdAt ?? h.createdAt.getTime(),
      block: h.block === null ? null : Number(h.block),
      l1TxHash: h.l1TxHash,
      seq: kept?.seq ?? this.#seq++,
    })
  }

  putDeposit(d: Pick<StoredDeposit, 'key' | 'asset' | 'amount' | 'transaction'>): void {
    this.#write((b) => {
      if (b.table('deposits').has(d.key)) throw new StoreError('STORE_CONFLICT', `An escrow with key ${d.key} is already recorded: an escrow key is used once.`)
      b.put('deposits', {
        key: d.key,
        state: 'escrowing',
        asset: toHex32(d.asset),
        amount: d.amount.toString(),
        // a copy, as SQLite's JSON column keeps one: the caller's object may change afterwards
        transaction: structuredClone(d.transaction),
        txId: null,
        unlockBlock: null,
        lastError: null,
        createdAt: Date.now(),
        seq: this.#seq++,
      })
    })
  }

  updateDeposit(key: string, patch: Partial<Pick<StoredDeposit, 'state' | 'txId' | 'unlockBlock' | 'lastError'>>): void {
    this.#write((b) => {
      const d = b.table('deposits').get(key)
      const set = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as typeof patch
      if (!d || Object.keys(set).length === 0) return
      const { unlockBlock, ...rest } = set
      b.put('deposits', { ...d, ...rest, ...(unlockBlock === undefined ? {} : { unlockBlock: unlockBlock === null ? null : Number(unlockBlock) }) })
    })
  }

  deposits(states?: readonly DepositState[]): StoredDeposit[] {
    return [...this.#tables.deposits.values()]
      .filter((r) => !states || states.includes(r.state))
      .sort((a, b) => a.createdAt - b.createdAt || a.seq - b.seq)
      .map((r) => ({
        key: r.key,
        state: r.state,
        asset: BigInt(r.asset),
        amount: BigInt(r.amount),
        transaction: structuredClone(r.transaction),
        txId: r.txId,
        unlockBlock: r.unlockBlock === null ? null : BigInt(r.unlockBlock),
        lastError: r.lastError,
        createdAt: new Date(r.createdAt),
      }))
  }

  /**
   * Keeps the wallet's sealed seed (`sealSeed`'s JSON) in the database, once: it is the wallet's
   * only key besides its mnemonic, so a second one is refused rather than written over it, here
   * and on disk (the record is added, never put: another tab's seed makes the transaction fail).
   * Durable after `flush()`.
   *
   * @example
   * store.saveSealedSeed(await sealSeed(seed, passphrase))
   * await store.flush()
   */
  saveSealedSeed(sealed: string): void {
    if (typeof sealed !== 'string' || sealed.length === 0) throw new InvalidParameterError('sealed', 'expected the sealed seed as a non-empty string (`sealSeed` output)')
    this.#write((b) => {
      if (b.table('vault').has(SEED)) {
        throw new StoreError('STORE_CONFLICT', 'This wallet database already holds a sealed seed: it is the wallet\'s only key besides its mnemonic, so it is never replaced. Open the wallet with it, or create the new wallet under another name.')
      }
      b.put('vault', { name: SEED, sealed }, 'add')
    })
  }

  /**
   * The sealed seed `saveSealedSeed` kept (undefined for a wallet without one); `openSealedSeed`
   * opens it with the passphrase.
   *
   * @example
   * const sealed = store.loadSealedSeed()
   * const seed = sealed === undefined ? undefined : await openSealedSeed(sealed, passphrase)
   */
  loadSealedSeed(): string | undefined {
    return this.#tables.vault.get(SEED)?.sealed
  }

  /** Resolves once every transaction issued so far has committed; rejects (STORE_WRITE_FAILED) if the store stopped writing. */
  async flush(): Promise<void> {
    await Promise.all([...this.#pending])
    if (this.#failure !== undefined) throw this.#writeFailed()
  }

  /** Closes the database; transactions already issued still commit (`flush` waits for them). */
  close(): void {
    this.#closed = true
    this.#db.close()
    // Another tab may open it once the transactions issued here have committed.
    void Promise.all([...this.#pending]).finally(this.#unlock)
  }

  /** Computes one write's changes, issues them as one transaction, then applies them to memory. */
  #write(change: (b: Batch) => void): void {
    if (this.#closed) throw new StoreError('STORE_WRITE_FAILED', 'The wallet store is closed: open it again to write to it.')
    if (this.#failure !== undefined) throw this.#writeFailed()
    const batch = new Batch(this.#tables)
    change(batch)
    if (batch.ops.size === 0) return
    this.#issue([...batch.ops.values()])
    Object.assign(this.#tables, batch.copies)
  }

  #issue(ops: Op[]): void {
    let tx: IDBTransaction | undefined
    try {
      // Every store in scope: IndexedDB then commits the transactions in the order they were made.
      // `strict`: committed means flushed to disk (a browser's default may stop at the OS's cache),
      // which is what the wallet awaits `flush` for before moving money.
      tx = this.#db.transaction(STORE_NAMES, 'readwrite', { durability: 'strict' })
      for (const op of ops) {
        const store = tx.objectStore(op.store)
        if (op.kind === 'delete') store.delete(op.key)
        else if (op.kind === 'add') store.add(op.record)
        else store.put(op.record)
      }
    } catch (cause) {
      try {
        tx?.abort()
      } catch {}
      this.#fail(cause)
      throw this.#writeFailed()
    }
    const issued = tx
    const settled = new Promise<void>((resolve) => {
      issued.oncomplete = () => resolve()
      issued.onabort = () => {
        this.#fail(issued.error ?? new Error('The transaction was aborted.'))
        resolve()
      }
    }).finally(() => this.#pending.delete(settled))
    this.#pending.add(settled)
  }

  #fail(cause: unknown): void {
    this.#failure ??= cause
  }

  #writeFailed(): StoreError {
    const quota = (this.#failure as { name?: unknown } | undefined)?.name === 'QuotaExceededError'
    return new StoreError(
      'STORE_WRITE_FAILED',
      "The wallet could not save to its browser database (IndexedDB) and has stopped writing to it: reload the page to reopen the wallet from what was saved, then sync again.",
      { details: `${describe(this.#failure)}${quota ? " The site's storage is full: free some space in the browser, or allow the site more." : ''}`, cause: this.#failure },
    )
  }
}

/** Opens `name` at DB_VERSION, creating or upgrading its object stores. */
function openDatabase(factory: IDBFactory, name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const failed = (cause: unknown) => {
      const newer = (cause as { name?: unknown } | null)?.name === 'VersionError'
      const message = newer
        ? `The wallet database ${name} was written by a newer version of zkpay: update the app to open it.`
        : `The wallet database ${name} could not be opened: allow this site to store data (a private window may refuse it), then reload.`
      return new StoreError('STORE_OPEN_FAILED', message, { details: describe(cause), cause })
    }
    let request: IDBOpenDBRequest
    try {
      request = factory.open(name, DB_VERSION)
    } catch (cause) {
      reject(failed(cause))
      return
    }
    // No `onblocked`: an older connection blocking an upgrade is one of this store's in another
    // tab, and it closes on `versionchange`.
    request.onupgradeneeded = (event) => upgrade(request.result, event.oldVersion)
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(failed(request.error))
  })
}

/** Brings the database from `oldVersion` to DB_VERSION (0: a new database). */
function upgrade(db: IDBDatabase, oldVersion: number): void {
  if (oldVersion < 1) for (const store of STORE_NAMES) db.createObjectStore(store, { keyPath: KEY_PATHS[store] as string | string[] })
}

/** Every record of every object store, in one read transaction. */
function readAll(db: IDBDatabase): Promise<Tables> {
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE_NAMES, 'readonly')
    const tables = {} as Record<StoreName, Map<string, unknown>>
    for (const store of STORE_NAMES) {
      const request = tx.objectStore(store).getAll()
      request.onsuccess = () => {
        tables[store] = new Map((request.result as Records[typeof store][]).map((r) => [memoryKey(keyOf(store, r)), r]))
      }
    }
    tx.oncomplete = () => resolve(tables as Tables)
    tx.onabort = () => reject(tx.error ?? new Error('The read was aborted.'))
  })
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.length
  }
  return out
}

function describe(cause: unknown): string {
  if (cause && typeof cause === 'object' && 'message' in cause) {
    const { name, message } = cause as { name?: unknown; message: unknown }
    return typeof name === 'string' && name !== 'Error' ? `${name}: ${String(message)}` : String(message)
  }
  return String(cause)
}

/**
 * Takes the exclusive Web Lock named `name` if no one holds it, and keeps it until the returned
 * function is called (a closed store, or the page gone: the browser frees a closed page's locks);
 * resolves undefined when another tab holds it.
 */
function holdLock(locks: LockManager, name: string): Promise<(() => void) | undefined> {
  return new Promise((resolve, reject) => {
    locks
      .request(name, { mode: 'exclusive', ifAvailable: true }, (lock) => {
        if (!lock) {
          resolve(undefined)
          return undefined
        }
        return new Promise<void>((release) => resolve(release))
      })
      .catch(reject)
  })
}
