import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import * as esbuild from 'esbuild'
import { IDBFactory, forceCloseDatabase } from 'fake-indexeddb'
import { beforeAll, describe, expect, it } from 'vitest'
import { initCrypto, MerkleTree } from '../../src/crypto/index.ts'
import { IndexedDbWalletStore, WALLET_DB_PREFIX } from '../../src/sdk/wallet/IndexedDbWalletStore.ts'
import { entry, hash, leavesOf, note, sync, walletStoreSuite } from '../helpers/walletStoreSuite.ts'

// The browser's wallet store, on fake-indexeddb (a new, empty IDBFactory per test): the shared
// suite, then what only IndexedDB has: writes that commit after the call, in order, and a store
// that stops writing when one fails.

let factory: IDBFactory = new IDBFactory()

/** Runs `change` on store `id`'s object stores in one read-write transaction of a raw connection. */
function raw(id: string, change: (tx: IDBTransaction) => void, indexedDB: IDBFactory = factory): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(`${WALLET_DB_PREFIX}${id}`)
    request.onerror = () => reject(request.error)
    request.onsuccess = () => {
      const db = request.result
      try {
        const tx = db.transaction(Array.from(db.objectStoreNames), 'readwrite')
        change(tx)
        tx.oncomplete = () => {
          db.close()
          resolve()
        }
        tx.onabort = () => reject(tx.error)
      } catch (error) {
        db.close()
        reject(error)
      }
    }
  })
}

/**
 * The part of the Web Locks API the store uses (`request` with `ifAvailable`), exclusive locks
 * only: Node has no `navigator.locks`; Chromium's real one is used by the web wallet's e2e test.
 */
function exclusiveLocks(): LockManager & { held: Set<string> } {
  const held = new Set<string>()
  return {
    held,
    async request(name: string, options: LockOptions, callback: (lock: Lock | null) => unknown) {
      if (!options.ifAvailable) throw new Error('this fake takes ifAvailable requests only')
      if (held.has(name)) return callback(null)
      held.add(name)
      try {
        return await callback({ name, mode: 'exclusive' } as Lock)
      } finally {
        held.delete(name)
      }
    },
    query: async () => ({}),
  } as unknown as LockManager & { held: Set<string> }
}

walletStoreSuite({
  name: 'IndexedDB',
  reset() {
    factory = new IDBFactory()
  },
  open: (id) => IndexedDbWalletStore.open(id, { indexedDB: factory }),
  damage: {
    setMeta: (id, key, value) => raw(id, (tx) => tx.objectStore('meta').put({ key, value })),
    deleteTreeChunk: (id, level, chunk) => raw(id, (tx) => tx.objectStore('treeChunks').delete([level, chunk])),
  },
})

/**
 * A fake-indexeddb factory whose connections `hook` may change: `failNext` makes the next
 * transaction of the given mode abort after its requests are made (as a full disk would), or
 * makes creating it throw.
 */
function faultyFactory() {
  const inner = new IDBFactory()
  const connections: IDBDatabase[] = []
  const committed = { readwrite: 0 }
  const fault: { next?: { mode: IDBTransactionMode; how: 'abort' | 'throw' } } = {}
  const outer = {
    open(name: string, version?: number) {
      const request = inner.open(name, version)
      // Registered before the store's own `onsuccess`, so it runs first.
      request.addEventListener('success', () => {
        const db = request.result
        connections.push(db)
        const transaction = db.transaction.bind(db)
        db.transaction = (stores: string | string[], mode?: IDBTransactionMode, options?: IDBTransactionOptions) => {
          const planned = fault.next?.mode === mode ? fault.next : undefined
          if (planned) fault.next = undefined
          if (planned?.how === 'throw') throw new DOMException('The database connection is closing.', 'InvalidStateError')
          const tx = transaction(stores, mode, options)
          if (planned?.how === 'abort') queueMicrotask(() => tx.abort())
          if (mode === 'readwrite') tx.addEventListener('complete', () => committed.readwrite++)
          return tx
        }
      })
      return request
    },
  }
  return {
    inner,
    indexedDB: outer as unknown as IDBFactory, // only `open` is called
    connections,
    committed,
    failNext: (mode: IDBTransactionMode, how: 'abort' | 'throw') => void (fault.next = { mode, how }),
  }
}

const writeFailed = {
  code: 'STORE_WRITE_FAILED',
  shortMessage:
    'The wallet could not save to its browser database (IndexedDB) and has stopped writing to it: reload the page to reopen the wallet from what was saved, then sync again.',
}

describe('IndexedDbWalletStore', () => {
  beforeAll(() => initCrypto())

  it('default: each write is one transaction, committed after the call; flush waits for the commits, and a store opened again reads them all', async () => {
    const f = faultyFactory()
    const store = await IndexedDbWalletStore.open('w', { indexedDB: f.indexedDB })
    const tree = new MerkleTree()
    tree.insertMany(leavesOf(600, 1n))
    store.writeSync({ ...sync(tree, 9n), cursorHash: hash(8), newNotes: [note(4, 8n)], history: [entry(hash(4), { block: 8n })] })
    store.setPending([4], 'tx-4')
    store.setPending([], 'tx-5') // changes nothing: no transaction
    expect(f.committed.readwrite).toBe(0)
    await store.flush()
    expect(f.committed.readwrite).toBe(2)
    const again = await IndexedDbWalletStore.open('w', { indexedDB: f.inner })
    expect([again.loadTree()?.root, again.notes(), again.history(), again.getMeta('cursor'), again.cursorHash()]).toEqual([tree.root, [note(4, 8n, { pendingTx: 'tx-4' })], [entry(hash(4), { block: 8n })], '9', hash(8)])
    store.close()
    again.close()
  })

  it('behavior: transactions commit in the order they were issued, each write whole', async () => {
    const indexedDB = new IDBFactory()
    const store = await IndexedDbWalletStore.open('order', { indexedDB })
    for (let i = 0; i < 50; i++) store.setMeta('k', String(i))
    const tree = new MerkleTree()
    tree.insertMany(leavesOf(700, 2n))
    const kept = tree.clone()
    store.writeSync({ ...sync(tree, 5n), newNotes: [note(1, 4n)] })
    tree.insertMany(leavesOf(10, 3n))
    store.writeSync({ ...sync(tree, 7n), newNotes: [note(702, 6n)] })
    store.rollback({ cursor: 5n, cursorHash: null, tree: kept })
    await store.flush()
    const again = await IndexedDbWalletStore.open('order', { indexedDB })
    expect([again.getMeta('k'), again.getMeta('cursor'), again.notes(), again.loadTree()?.root]).toEqual(['49', '5', [note(1, 4n)], kept.root])
    store.close()
    again.close()
  })

  it('behavior: close lets issued transactions commit; writing to a closed store is STORE_WRITE_FAILED', async () => {
    const indexedDB = new IDBFactory()
    const store = await IndexedDbWalletStore.open('closed', { indexedDB })
    store.setMeta('a', '1')
    store.close()
    await store.flush()
    expect(() => store.setMeta('a', '2')).toThrow(expect.objectContaining({ code: 'STORE_WRITE_FAILED', shortMessage: 'The wallet store is closed: open it again to write to it.' }))
    const again = await IndexedDbWalletStore.open('closed', { indexedDB })
    expect(again.getMeta('a')).toBe('1')
    again.close()
  })

  it('error: a transaction that aborts makes flush reject with STORE_WRITE_FAILED, keeps the disk as it was before that write, and refuses every later write', async () => {
    const f = faultyFactory()
    const store = await IndexedDbWalletStore.open('abort', { indexedDB: f.indexedDB })
    const tree = new MerkleTree()
    tree.insertMany(leavesOf(64, 4n))
    store.writeSync({ ...sync(tree, 3n), newNotes: [note(0, 2n)] })
    await store.flush()
    f.failNext('readwrite', 'abort')
    tree.insertMany(leavesOf(600, 5n))
    store.writeSync({ ...sync(tree, 4n), newNotes: [note(100, 3n)] })
    // Memory is ahead of the disk: it has the sync the disk does not.
    expect(store.notes().map((n) => n.leafIndex)).toEqual([0, 100])
    await expect(store.flush()).rejects.toMatchObject({ ...writeFailed, details: 'The transaction was aborted.' })
    await expect(store.flush()).rejects.toMatchObject(writeFailed) // and stays so
    for (const write of [
      () => store.setMeta('a', '1'),
      () => store.writeSync(sync(undefined, 5n)),
      () => store.rollback({ cursor: 1n, cursorHash: null, tree: new MerkleTree() }),
      () => store.setPending([0], 'tx'),
      () => store.finalizeHistory(9n),
      () => store.putHistory(entry(hash(1), {})),
      () => store.putDeposit({ key: hash(1), asset: 0n, amount: 1n, transaction: {} as never }),
      () => store.updateDeposit(hash(1), { state: 'void' }),
      () => store.saveSealedSeed('{}'),
    ]) {
      expect(write).toThrow(expect.objectContaining(writeFailed))
    }
    store.close()
    const disk = await IndexedDbWalletStore.open('abort', { indexedDB: f.inner })
    expect([disk.notes().map((n) => n.leafIndex), disk.getMeta('cursor'), disk.loadTree()?.size, disk.getMeta('a')]).toEqual([[0], '3', 64, undefined])
    disk.close()
  })

  it('error: a transaction that cannot even start fails the write at once (memory unchanged) and the store', async () => {
    const f = faultyFactory()
    const store = await IndexedDbWalletStore.open('throw', { indexedDB: f.indexedDB })
    f.failNext('readwrite', 'throw')
    expect(() => store.setMeta('a', '1')).toThrow(expect.objectContaining({ ...writeFailed, details: 'InvalidStateError: The database connection is closing.' }))
    expect(store.getMeta('a')).toBeUndefined()
    expect(() => store.setMeta('b', '1')).toThrow(expect.objectContaining(writeFailed))
    await expect(store.flush()).rejects.toMatchObject(writeFailed)
    store.close()
  })

  it('error: the browser closing the database (site data cleared) stops the store: flush rejects, writes throw', async () => {
    const f = faultyFactory()
    const store = await IndexedDbWalletStore.open('forced', { indexedDB: f.indexedDB })
    store.setMeta('a', '1')
    await store.flush()
    forceCloseDatabase(f.connections[0] as never) // typed for a constructor, takes a connection
    await expect(store.flush()).rejects.toMatchObject({ ...writeFailed, details: 'The browser closed the database (its data may have been cleared).' })
    expect(() => store.setMeta('a', '2')).toThrow(expect.objectContaining(writeFailed))
    expect(store.getMeta('a')).toBe('1')
  })

  it('error: another page deleting (or upgrading) the database is not blocked: this store closes its connection and stops writing', async () => {
    const indexedDB = new IDBFactory()
    const store = await IndexedDbWalletStore.open('deleted', { indexedDB })
    store.setMeta('a', '1')
    await store.flush()
    await new Promise<void>((resolve, reject) => {
      const request = indexedDB.deleteDatabase(`${WALLET_DB_PREFIX}deleted`)
      request.onsuccess = () => resolve()
      request.onerror = () => reject(request.error)
      request.onblocked = () => reject(new Error('blocked'))
    })
    await expect(store.flush()).rejects.toMatchObject({ ...writeFailed, details: 'Another page asked to upgrade or delete the database, so this one closed its connection.' })
    expect(() => store.setMeta('a', '2')).toThrow(expect.objectContaining(writeFailed))
    store.close()
  })

  it('error: a wallet name is required; no IndexedDB, a newer database, a refused open and a failed read are STORE_OPEN_FAILED', async () => {
    await expect(IndexedDbWalletStore.open('', { indexedDB: new IDBFactory() })).rejects.toMatchObject({ code: 'INVALID_PARAMETER', parameter: 'name' })
    expect('indexedDB' in globalThis).toBe(false) // Node has none
    await expect(IndexedDbWalletStore.open('w')).rejects.toMatchObject({
      code: 'STORE_OPEN_FAILED',
      shortMessage: 'This environment has no IndexedDB: pass `indexedDB` to open the wallet store, or use the SQLite store (`openWalletStore`) in Node.',
    })

    const indexedDB = new IDBFactory()
    await new Promise<void>((resolve) => {
      const request = indexedDB.open(`${WALLET_DB_PREFIX}future`, 2)
      request.onsuccess = () => resolve(request.result.close())
    })
    await expect(IndexedDbWalletStore.open('future', { indexedDB })).rejects.toMatchObject({
      code: 'STORE_OPEN_FAILED',
      shortMessage: 'The wallet database zkpay-wallet:future was written by a newer version of zkpay: update the app to open it.',
      details: expect.stringMatching(/^VersionError/),
    })

    const refusing = {
      open() {
        throw new DOMException('Storage is disabled.', 'SecurityError')
      },
    } as unknown as IDBFactory
    await expect(IndexedDbWalletStore.open('w', { indexedDB: refusing })).rejects.toMatchObject({
      code: 'STORE_OPEN_FAILED',
      shortMessage: 'The wallet database zkpay-wallet:w could not be opened: allow this site to store data (a private window may refuse it), then reload.',
      details: 'SecurityError: Storage is disabled.',
    })

    const f = faultyFactory()
    f.failNext('readonly', 'abort')
    await expect(IndexedDbWalletStore.open('unread', { indexedDB: f.indexedDB })).rejects.toMatchObject({
      code: 'STORE_OPEN_FAILED',
      shortMessage: 'The wallet database zkpay-wallet:unread could not be read: reload the page to try again.',
    })
    expect((f.connections[0] as unknown as { _closed: boolean })._closed).toBe(true) // not left open (fake-indexeddb's flag)
  })

  it('error: a wallet open in another tab is STORE_LOCKED (one exclusive Web Lock per database); closed there, it opens here', async () => {
    const indexedDB = new IDBFactory()
    const locks = exclusiveLocks()
    const first = await IndexedDbWalletStore.open('tabs', { indexedDB, locks })
    await expect(IndexedDbWalletStore.open('tabs', { indexedDB, locks })).rejects.toMatchObject({ code: 'STORE_LOCKED', shortMessage: 'The wallet tabs is open in another tab or window: close it there, then reload this page.' })
    // Another wallet's database is another lock.
    const other = await IndexedDbWalletStore.open('other', { indexedDB, locks })
    first.setMeta('k', 'v')
    first.close()
    await expect.poll(() => locks.held.has(`${WALLET_DB_PREFIX}tabs`)).toBe(false)
    const second = await IndexedDbWalletStore.open('tabs', { indexedDB, locks })
    expect(second.getMeta('k')).toBe('v')
    second.close()
    other.close()
  })

  it("error: a page's own IndexedDB without Web Locks (an insecure context: plain http off localhost) is STORE_OPEN_FAILED, never opened unguarded", async () => {
    const page = globalThis as { indexedDB?: IDBFactory; navigator?: unknown }
    const saved = Object.getOwnPropertyDescriptors({ indexedDB: page.indexedDB, navigator: page.navigator })
    Object.defineProperty(globalThis, 'indexedDB', { value: new IDBFactory(), configurable: true, writable: true })
    Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true })
    try {
      await expect(IndexedDbWalletStore.open('insecure')).rejects.toMatchObject({ code: 'STORE_OPEN_FAILED', shortMessage: expect.stringMatching(/no Web Locks .* secure context/) })
    } finally {
      Object.defineProperty(globalThis, 'indexedDB', { ...saved.indexedDB, configurable: true })
      Object.defineProperty(globalThis, 'navigator', { ...saved.navigator, configurable: true })
    }
  })

  it('default: the vault keeps one sealed seed across a reopen, flushed with the rest', async () => {
    const indexedDB = new IDBFactory()
    const store = await IndexedDbWalletStore.open('vault', { indexedDB })
    expect(store.loadSealedSeed()).toBeUndefined()
    store.saveSealedSeed('{"version":1}')
    expect(store.loadSealedSeed()).toBe('{"version":1}')
    await store.flush()
    store.close()
    const again = await IndexedDbWalletStore.open('vault', { indexedDB })
    expect(again.loadSealedSeed()).toBe('{"version":1}')
    again.close()
  })

  it('error: a second sealed seed is refused (STORE_CONFLICT), in memory and on disk; an empty one is INVALID_PARAMETER', async () => {
    const indexedDB = new IDBFactory()
    const first = await IndexedDbWalletStore.open('vault', { indexedDB })
    const second = await IndexedDbWalletStore.open('vault', { indexedDB }) // another tab, opened before the first saved
    expect(() => first.saveSealedSeed('')).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER', parameter: 'sealed' }))
    first.saveSealedSeed('first')
    expect(() => first.saveSealedSeed('other')).toThrow(
      expect.objectContaining({
        code: 'STORE_CONFLICT',
        shortMessage:
          "This wallet database already holds a sealed seed: it is the wallet's only key besides its mnemonic, so it is never replaced. Open the wallet with it, or create the new wallet under another name.",
      }),
    )
    await first.flush()
    // The other tab does not see it in memory; the disk refuses it all the same.
    second.saveSealedSeed('second')
    await expect(second.flush()).rejects.toMatchObject({ ...writeFailed, details: expect.stringMatching(/^ConstraintError/) })
    first.close()
    second.close()
    const disk = await IndexedDbWalletStore.open('vault', { indexedDB })
    expect(disk.loadSealedSeed()).toBe('first')
    disk.close()
  })

  it('error: an escrow key recorded twice is STORE_CONFLICT', async () => {
    const store = await IndexedDbWalletStore.open('escrow', { indexedDB: new IDBFactory() })
    store.putDeposit({ key: hash(1), asset: 0n, amount: 1n, transaction: {} as never })
    expect(() => store.putDeposit({ key: hash(1), asset: 0n, amount: 2n, transaction: {} as never })).toThrow(
      expect.objectContaining({ code: 'STORE_CONFLICT', shortMessage: `An escrow with key ${hash(1)} is already recorded: an escrow key is used once.` }),
    )
    await store.flush() // the refused write issued nothing, so nothing failed
    store.close()
  })

  it('default: nothing the store loads imports a Node built-in, SQLite or drizzle, or uses Buffer (a browser has none)', async () => {
    const { metafile } = await esbuild.build({
      entryPoints: ['src/sdk/wallet/IndexedDbWalletStore.ts'],
      absWorkingDir: fileURLToPath(new URL('../..', import.meta.url)),
      bundle: true,
      write: false,
      metafile: true,
      platform: 'browser',
      format: 'esm',
      packages: 'external',
      logLevel: 'silent',
    })
    const own = Object.keys(metafile.inputs)
    expect(own).toContain('src/sdk/wallet/treeChunks.ts')
    const imports = Object.entries(metafile.inputs).flatMap(([file, input]) => input.imports.filter((i) => i.external).map((i) => `${i.path} (from ${file})`))
    expect(imports.filter((i) => /^(node:|(fs|os|path|crypto|url|worker_threads) |better-sqlite3|drizzle-orm)/.test(i))).toEqual([])
    expect(own.filter((file) => /\bBuffer\b/.test(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8')))).toEqual([])
  })
})
