import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { proofCodec } from '../../src/circuits/codec.ts'
import { MIGRATIONS_FOLDER, type NodeStore, openNodeStore } from '../../src/state/index.ts'
import { nodeStoreSuite } from '../helpers/nodeStoreSuite.ts'
import { field, hash, leavesOf, makeTransaction, proofJson } from '../helpers/storeFixtures.ts'

const scratch: string[] = []
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'zkpay-state-'))
  scratch.push(dir)
  return dir
}
afterEach(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true })
})

nodeStoreSuite('SQLite :memory:', async () => {
  const store = await openNodeStore({ path: ':memory:' })
  return { store, dispose: () => store.close() }
})

nodeStoreSuite('SQLite file', async () => {
  const store = await openNodeStore({ path: join(tempDir(), 'node.sqlite') })
  return { store, dispose: () => store.close() }
})

describe('openNodeStore (file)', () => {
  let path: string
  let store: NodeStore | undefined
  beforeEach(() => {
    path = join(tempDir(), 'nested', 'data', 'node.sqlite')
  })
  afterEach(async () => {
    await store?.close()
    store = undefined
  })

  it('default: applies the committed migrations to a fresh file, once, with WAL and foreign keys', async () => {
    store = await openNodeStore({ path })
    await store.close()
    store = await openNodeStore({ path }) // a second open must not apply anything again
    await store.close()
    store = undefined

    const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] }
    const db = new Database(path, { readonly: true })
    try {
      const tables = db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name").pluck().all()
      expect(tables).toEqual(['__drizzle_migrations', 'batches', 'leaves', 'nullifiers', 'roots', 'sync_cursors', 'transactions'])
      expect(db.prepare('select count(*) from __drizzle_migrations').pluck().get()).toBe(journal.entries.length)
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal') // persistent in the file
      // The schema's CHECKs hold even against raw SQL: a field element must be lowercase fixed-width hex.
      const writable = new Database(path)
      expect(() => writable.prepare("insert into roots (root, leaf_count) values ('0xABC', 0)").run()).toThrow('CHECK constraint failed: roots_root_check')
      writable.pragma('foreign_keys = ON')
      expect(() =>
        writable.prepare(`insert into leaves (leaf_index, commitment, ciphertext, epk, batch_number) values (0, '0x${'0'.repeat(64)}', x'00', x'00', 42)`).run(),
      ).toThrow('FOREIGN KEY constraint failed')
      writable.close()
    } finally {
      db.close()
    }
  })

  it('behavior: migration 0004 pads batch proofs stored with variable-width hex to the one proof format', async () => {
    store = await openNodeStore({ path })
    await store.recordGenesisRoot(field(7))
    await store.insertPendingTransaction(makeTransaction(1))
    const sealed = (await store.sealBatch({ maxTransactions: 1, oldRoot: field(7), startIndex: 0 }))!
    await store.setBatchState(sealed.batch.number, 'proving')
    await store.setBatchState(sealed.batch.number, 'proven', { proof: proofJson(1), newRoot: field(8) })
    await store.close()
    store = undefined
    // As the node wrote proofs before: `0x${x.toString(16)}`, of any width.
    const legacy = { a: ['0x1', '0xabc'], b: [['0x0', '0x2'], ['0x' + 'f'.repeat(64), '0x10']], c: ['0xdead', '0x3'] }
    const db = new Database(path)
    db.prepare('update batches set proof = ? where number = ?').run(JSON.stringify(legacy), sealed.batch.number)
    db.exec(readFileSync(join(MIGRATIONS_FOLDER, '0004_batch_proof_fixed_width.sql'), 'utf8'))
    db.close()
    store = await openNodeStore({ path })
    const pad = (h: string) => `0x${h.slice(2).padStart(64, '0')}`
    const proof = (await store.getBatch(sealed.batch.number))!.proof!
    expect(proof).toEqual({ a: legacy.a.map(pad), b: legacy.b.map((p) => p.map(pad)), c: legacy.c.map(pad) })
    expect(proofCodec.decode(proof)).toEqual({ a: [1n, 0xabcn], b: [[0n, 2n], [2n ** 256n - 1n, 16n]], c: [0xdeadn, 3n] })
  })

  it('behavior: closing and reopening the file keeps every record and every reservation', async () => {
    store = await openNodeStore({ path })
    await store.recordGenesisRoot(field(7))
    for (const n of [1, 2, 3]) expect((await store.insertPendingTransaction(makeTransaction(n))).ok).toBe(true)
    const sealed = (await store.sealBatch({ maxTransactions: 2, oldRoot: field(7), startIndex: 0 }))!
    await store.setBatchState(sealed.batch.number, 'proving')
    await store.setBatchState(sealed.batch.number, 'proven', { proof: proofJson(1), newRoot: field(8) })
    await store.setBatchState(sealed.batch.number, 'submitted', { l1TxHash: hash(1) })
    const leaves = leavesOf(sealed.transactions)
    await store.recordSettledBatch({
      batchNumber: sealed.batch.number,
      newRoot: field(8),
      startIndex: 0,
      leafCount: 64,
      leaves,
      nullifiers: sealed.transactions.flatMap((t) => t.nullifiers),
      l1Block: 9,
    })
    await store.setCursor('l1-events', { block: 9n, blockHash: hash(9) })
    const before = {
      txs: await Promise.all(['tx-1', 'tx-2', 'tx-3'].map((id) => store!.getTransaction(id))),
      batch: await store.getBatch(sealed.batch.number),
      notes: await store.listNotes(0, 100),
      latest: await store.latestRoot(),
      pending: await store.getPendingSummary(),
    }
    await store.close()

    store = await openNodeStore({ path })
    expect(await Promise.all(['tx-1', 'tx-2', 'tx-3'].map((id) => store!.getTransaction(id)))).toEqual(before.txs)
    expect(await store.getBatch(sealed.batch.number)).toEqual(before.batch)
    expect(await store.listNotes(0, 100)).toEqual(before.notes)
    expect(before.notes).toHaveLength(6) // two transactions, three outputs each
    expect(await store.latestRoot()).toEqual(before.latest)
    expect(await store.knownRoot(field(7))).toBe(true)
    expect(await store.getPendingSummary()).toEqual(before.pending)
    expect(await store.getCursor('l1-events')).toEqual({ block: 9n, blockHash: hash(9) })
    // Reservations survived: tx-3's notes are still pending, tx-1's are spent.
    expect(await store.insertPendingTransaction(makeTransaction(4, { nullifiers: makeTransaction(3).nullifiers }))).toMatchObject({ code: 'NULLIFIER_PENDING' })
    expect(await store.insertPendingTransaction(makeTransaction(5, { nullifiers: makeTransaction(1).nullifiers }))).toMatchObject({ code: 'NULLIFIER_SPENT' })
    // Numbering continues after the restart: batch numbers are never reused.
    const next = await store.sealBatch({ maxTransactions: 21 })
    expect(next?.batch.number).toBe(sealed.batch.number + 1)
    expect(next?.transactions.map((t) => t.id)).toEqual(['tx-3'])
  })

  it('behavior: connections from several threads racing for one nullifier admit exactly one, and none fails', async () => {
    store = await openNodeStore({ path }) // migrate once before the contenders connect
    const contenders = 6
    const gate = new SharedArrayBuffer(4)
    const entry = new URL('../../src/crypto/tsWorker.mjs', import.meta.url)
    const module = new URL('../helpers/nodeStoreRaceWorker.ts', import.meta.url).href
    const workers = Array.from({ length: contenders }, (_, n) => new Worker(entry, { workerData: { tsModule: module, path, n, nullifier: field(31337), gate } }))
    try {
      const ready = workers.map((w) => new Promise((resolve, reject) => w.once('message', resolve).once('error', reject)))
      const results = workers.map(
        (w) =>
          new Promise<string>((resolve, reject) => {
            w.on('message', (m: { result?: string }) => m.result !== undefined && resolve(m.result))
            w.once('error', reject)
          }),
      )
      await Promise.all(ready)
      // Open the gate for all at once so their transactions really overlap.
      Atomics.store(new Int32Array(gate), 0, 1)
      Atomics.notify(new Int32Array(gate), 0)
      const outcomes = await Promise.all(results)
      expect(outcomes.filter((r) => r === 'ADMITTED')).toHaveLength(1)
      expect(outcomes.filter((r) => r === 'NULLIFIER_PENDING')).toHaveLength(contenders - 1)
      expect(await store.getPendingSummary()).toMatchObject({ count: 1 })
    } finally {
      await Promise.all(workers.map((w) => w.terminate()))
    }
  })

  it('error: a path that cannot hold a database fails with STORE_OPEN_FAILED naming it', async () => {
    const dir = tempDir()
    await expect(openNodeStore({ path: dir })).rejects.toMatchObject({
      name: 'StoreError',
      code: 'STORE_OPEN_FAILED',
      shortMessage: expect.stringContaining(dir),
    })
  })
})
