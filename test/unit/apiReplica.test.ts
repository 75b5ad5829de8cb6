// Api replicas on Postgres: what they answer on /v1/status from the leader's reports, and the
// batch events they relay from the leader's NOTIFY channel, on a real Postgres server.
import { EventEmitter } from 'node:events'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BATCH_EVENTS_CHANNEL, createApiReplica } from '../../src/api/apiReplica.ts'
import { createApp } from '../../src/api/createApp.ts'
import type { NodeService, PublicStatus } from '../../src/api/nodeService.ts'
import { MAX_NOTIFY_BYTES, notifyPayload, publishToReplicas } from '../../src/api/publishToReplicas.ts'
import type { PublicBatchEvent } from '../../src/api/toPublicEvent.ts'
import { BATCH_TRANSFERS } from '../../src/crypto/batch.ts'
import { FIELD_SIZE, toHex32 } from '../../src/crypto/field.ts'
import { TRANSFER_OUTPUTS } from '../../src/crypto/note.ts'
import { createSilentLogger } from '../../src/log/createSilentLogger.ts'
import { type Listener, listen } from '../../src/state/postgres/listen.ts'
import { openPgNodeStore } from '../../src/state/postgres/openPgNodeStore.ts'
import type { PgNodeStore } from '../../src/state/postgres/PgNodeStore.ts'
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts'
import { until } from '../helpers/nodeProcess.ts'

let pg: TestPostgres
beforeAll(async () => {
  pg = await startPostgres()
}, 60_000)
afterAll(() => pg?.stop())

const logger = createSilentLogger()
const metrics = { scrape: async () => '', contentType: 'text/plain' }
const neverAdmits = { submit: async () => ({ ok: false as const, code: 'INVALID_PROOF' as const, message: 'no' }) }

/** What a leader reports: a status as /v1/status shows it. */
const leaderStatus = (block: number): PublicStatus => ({
  root: toHex32(5n),
  leafCount: 64,
  l1: { ok: true, block: String(block), rollup: ROLLUP, syncedToBlock: String(block) },
  operator: { address: `0x${'34'.repeat(20)}`, balance: '1000' },
  queue: { pending: 0, oldestPendingAt: null, batchesInFlight: 0, inclusionRequests: 0 },
  prover: { name: 'local', stage: 'idle', batchesProving: 0 },
  batchSize: 21,
  fees: null,
})

/** A leader as publishToReplicas sees it: its status, and an event source the test drives. */
function fakeLeader(status: () => PublicStatus) {
  const events = new EventEmitter<{ batch: [PublicBatchEvent] }>()
  const node: Pick<NodeService, 'status' | 'onBatchEvent'> = {
    status: async () => status(),
    onBatchEvent(listener) {
      events.on('batch', listener)
      return () => events.off('batch', listener)
    },
  }
  return { node, emit: (e: PublicBatchEvent) => events.emit('batch', e) }
}

const event = (number: number, state: string): PublicBatchEvent => ({ type: 'batch', number, state, at: '2026-01-01T00:00:00.000Z' })

const ROLLUP = `0x${'12'.repeat(20)}` as const

async function replicaOn(url: string, silentAfterMs?: number, fees: PublicStatus['fees'] = null) {
  const store = await openPgNodeStore({ url })
  const replica = createApiReplica({ store, admission: neverAdmits, logger, metrics, fees, rollup: ROLLUP, ...(silentAfterMs === undefined ? {} : { silentAfterMs }) })
  return { store, replica, app: createApp({ node: replica, readiness: [replica.agreesWithLeader] }) }
}

describe('api replica: /v1/status from the leader', () => {
  it('error: before any leader reported, /v1/status is 503 SEQUENCER_SILENT with a sentence', async () => {
    const { store, app } = await replicaOn(await pg.createDatabase())
    try {
      const res = await app.request('/v1/status')
      expect(res.status).toBe(503)
      expect(await res.json()).toEqual({ code: 'SEQUENCER_SILENT', message: expect.stringMatching(/No sequencer has reported/) })
    } finally {
      await store.close()
    }
  })

  it('behavior: the leader reports every interval; a replica shows it with the database’s own figures, and a silent leader as such', async () => {
    const url = await pg.createDatabase()
    const leaderStore = await openPgNodeStore({ url })
    const { store, app } = await replicaOn(url, 400)
    let block = 10
    const leader = fakeLeader(() => leaderStatus(block))
    const stop = publishToReplicas(leader.node, leaderStore, { logger, reportEveryMs: 50 })
    try {
      const first = await until('the first report', async () => {
        const res = await app.request('/v1/status')
        return res.status === 200 ? ((await res.json()) as PublicStatus) : undefined
      })
      // The l1, operator and prover parts are the leader's; the tree and the mempool the database's (empty).
      expect(first).toMatchObject({ l1: { ok: true, block: '10' }, operator: { balance: '1000' }, leafCount: 64, queue: { pending: 0, batchesInFlight: 0 } })
      expect(Date.now() - Date.parse(first.sequencerReportedAt!)).toBeLessThan(5_000)
      block = 11
      await until('a later report', async () => (((await (await app.request('/v1/status')).json()) as PublicStatus).l1.block === '11' ? true : undefined))
      await stop()
      // Silent past the limit: still answered (wallets read fees here), with l1 not ok and why.
      const silent = await until('the leader to count as silent', async () => {
        const s = (await (await app.request('/v1/status')).json()) as PublicStatus
        return s.l1.ok ? undefined : s
      })
      expect(silent.l1).toMatchObject({ ok: false, code: 'SEQUENCER_SILENT', message: expect.stringMatching(/No sequencer has reported for \d+ s/) })
    } finally {
      await stop()
      await store.close()
      await leaderStore.close()
    }
  })

  it('error: with the database gone, reads are 503 STORE_UNAVAILABLE with Retry-After, in a sentence that does not name the database', async () => {
    const { store, app } = await replicaOn(await pg.createDatabase())
    await store.close()
    for (const path of [`/v1/transactions/0x${'1'.repeat(64)}`, '/v1/status', '/v1/notes']) {
      const res = await app.request(path)
      expect([path, res.status, res.headers.get('retry-after')]).toEqual([path, 503, '1'])
      expect(await res.json()).toEqual({ code: 'STORE_UNAVAILABLE', message: "The node's database did not answer: retry in a moment." })
    }
  })

  it('error: a replica whose fees differ from the leader’s shows its own and is not ready (CONFIG_INVALID), so that no wallet builds on a fee another replica refuses', async () => {
    const url = await pg.createDatabase()
    const eth = { asset: `0x${'00'.repeat(20)}` as const, amount: '10', decimals: 18 }
    const tusd = { asset: `0x${'ab'.repeat(20)}` as const, amount: '5', decimals: 6 }
    const ownFees = { address: 'zkpt1fees', prices: [eth, tusd] }
    const { store, app } = await replicaOn(url, undefined, ownFees)
    try {
      await store.reportSequencerStatus(leaderStatus(1)) // the leader charges nothing
      expect(((await (await app.request('/v1/status')).json()) as PublicStatus).fees).toEqual(ownFees)
      const ready = await app.request('/readyz')
      expect(ready.status).toBe(503)
      expect(await ready.json()).toMatchObject({ ready: false, checks: { leader: { ok: false, code: 'CONFIG_INVALID', message: expect.stringMatching(/fees .* differ from the sequencer leader's/) } } })
      // The same policy, its prices listed in another order (as another ZKPAY_FEES may write them): ready.
      await store.reportSequencerStatus({ ...leaderStatus(1), fees: { address: ownFees.address, prices: [tusd, eth] } })
      await new Promise((resolve) => setTimeout(resolve, 1_100)) // readiness answers are reused for a second
      expect((await app.request('/readyz')).status).toBe(200)
    } finally {
      await store.close()
    }
  })

  it('error: a report that does not parse as a status is not shown: 503 SEQUENCER_SILENT', async () => {
    const url = await pg.createDatabase()
    const { store, app } = await replicaOn(url)
    try {
      await store.reportSequencerStatus({ root: 'not a root' })
      expect((await app.request('/v1/status')).status).toBe(503)
    } finally {
      await store.close()
    }
  })
})

describe('api replica: /v1/events relayed over NOTIFY', () => {
  let url: string
  let leaderStore: PgNodeStore
  let replicaStore: PgNodeStore
  let listener: Listener
  let app: ReturnType<typeof createApp>
  const received: PublicBatchEvent[] = []
  beforeAll(async () => {
    url = await pg.createDatabase()
    leaderStore = await openPgNodeStore({ url })
    const r = await replicaOn(url)
    replicaStore = r.store
    app = r.app
    r.replica.onBatchEvent((e) => received.push(e))
    listener = listen(url, BATCH_EVENTS_CHANNEL, (payload) => r.replica.deliver(payload), { logger, retryMs: 200, checkEveryMs: 500, onReconnect: () => r.replica.gap() })
    await listener.ready
  })
  afterAll(async () => {
    await listener?.close()
    await replicaStore?.close()
    await leaderStore?.close()
  })

  it('behavior: the leader’s batch events reach the replica in order; a payload that is not a batch event is dropped', async () => {
    const leader = fakeLeader(() => leaderStatus(1))
    const stop = publishToReplicas(leader.node, leaderStore, { logger, reportEveryMs: 60_000 })
    try {
      for (const state of ['sealed', 'proving', 'proven', 'submitted']) leader.emit(event(1, state))
      await leaderStore.notify(BATCH_EVENTS_CHANNEL, '{"type":"transaction","id":"0xabc"}')
      await leaderStore.notify(BATCH_EVENTS_CHANNEL, 'not json')
      leader.emit(event(1, 'settled'))
      await until('five events', async () => (received.length >= 5 ? true : undefined))
      expect(received.map((e) => e.state)).toEqual(['sealed', 'proving', 'proven', 'submitted', 'settled'])
    } finally {
      await stop()
    }
  })

  it('failure: Postgres restarts; the replica listens again and later events arrive; an open stream ends with `overflow`, so its client reads again what it missed', async () => {
    received.length = 0
    const stream = await app.request('/v1/events')
    expect(stream.status).toBe(200)
    const text = new Response(stream.body).text()
    await pg.restart()
    const leader = fakeLeader(() => leaderStatus(1))
    const stop = publishToReplicas(leader.node, leaderStore, { logger, reportEveryMs: 60_000 })
    try {
      // Events sent while the replica reconnects may be lost (the stream is best effort); keep sending until one arrives.
      await until(
        'an event after the restart',
        async () => {
          leader.emit(event(2, 'sealed'))
          await new Promise((resolve) => setTimeout(resolve, 100))
          return received.length > 0 ? true : undefined
        },
        { timeoutMs: 20_000 },
      )
      expect(received[0]).toMatchObject({ number: 2, state: 'sealed' })
      expect(await text).toMatch(/event: overflow\ndata: \{"code":"EVENT_STREAM_OVERFLOW"/)
    } finally {
      await stop()
    }
  })
})

describe('notifyPayload', () => {
  it('edge: the settlement of a full batch (every commitment and nullifier at the field’s top) fits a NOTIFY payload whole', () => {
    const top = FIELD_SIZE - 1n
    const full: PublicBatchEvent = {
      ...event(2 ** 31, 'settled'),
      l1TxHash: `0x${'f'.repeat(64)}`,
      l1Block: 2 ** 40,
      commitments: Array.from({ length: BATCH_TRANSFERS * TRANSFER_OUTPUTS }, () => toHex32(top)),
      nullifiers: Array.from({ length: BATCH_TRANSFERS * 2 }, () => toHex32(top)),
    }
    const payload = notifyPayload(full)
    expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(MAX_NOTIFY_BYTES)
    expect(JSON.parse(payload)).toEqual(full)
  })

  it('edge: an event too large for NOTIFY goes without its lists, never refused by Postgres', () => {
    const huge: PublicBatchEvent = { ...event(3, 'settled'), commitments: Array.from({ length: 200 }, (_, i) => toHex32(BigInt(i))) }
    expect(JSON.parse(notifyPayload(huge))).toEqual(event(3, 'settled'))
  })
})
