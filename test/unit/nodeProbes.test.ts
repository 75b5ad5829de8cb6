import { describe, expect, it } from 'vitest'
import { createApp, createReadiness, nodeReadinessChecks, type ReadinessCheck } from '../../src/api/index.ts'
import { errorSchema, livenessSchema, mempoolPageSchema, notesPageSchema, readinessSchema, statusSchema } from '../../src/api/schemas.ts'
import { StoreError } from '../../src/errors/index.ts'
import { createLogger } from '../../src/log/index.ts'
import { createLocalProver, createRemoteProver } from '../../src/prover/index.ts'
import { openNodeStore } from '../../src/state/index.ts'
import { useOfflineSequencer } from '../helpers/node.ts'
import { Actor, MerkleTree } from '../helpers/rollup.ts'
import { toTransactionJson } from '../../src/circuits/index.ts'
import { freePort } from '../helpers/nodeProcess.ts'

// What an operator's probes see on a real node (SQLite store, sequencer, local prover) whose L1
// is a closed loopback port: liveness answers, readiness says which part is down and why, and
// /v1/status still answers for wallets, with the L1 part marked down in one sentence.

const TOKEN = 'sk_live_0123456789abcdef'
let rpcOrigin: string
const offline = useOfflineSequencer(async () => {
  rpcOrigin = `http://127.0.0.1:${await freePort()}`
  // A provider's URL: its token in the user info, the path and the query, none of which may show.
  return { rpcUrl: `http://user:${TOKEN}@${rpcOrigin.slice('http://'.length)}/v3/${TOKEN}?key=${TOKEN}` }
})

describe('/v1/status with L1 down', () => {
  it('behavior: answers 200 with the node’s own fields and the L1 part as a code and one sentence naming the RPC’s origin only', async () => {
    const res = await createApp({ sequencer: offline().sequencer }).request('/v1/status')
    expect(res.status).toBe(200)
    const text = await res.text()
    const status = statusSchema.parse(JSON.parse(text)) // exactly what the document says
    expect(status.l1).toMatchObject({ ok: false, code: 'L1_UNREACHABLE', message: `The L1 RPC at ${rpcOrigin} cannot be reached: check the URL and that the chain runs.` })
    expect(status).toMatchObject({ leafCount: 0, operator: { balance: null }, queue: { pending: 0 }, fees: null })
    // Not viem's dump: no request body, no version line, no path or credentials of the URL.
    expect(text).not.toMatch(/\\n|Request body|Version|viem|\[redacted\]/)
    expect(text).not.toContain(TOKEN)
  })

  it('default: the other answers are those the document describes', async () => {
    const app = createApp({ sequencer: offline().sequencer })
    notesPageSchema.parse(await (await app.request('/v1/notes')).json())
    mempoolPageSchema.parse(await (await app.request('/v1/mempool')).json())
    const missing = await app.request('/v1/transactions/0x12')
    expect([missing.status, errorSchema.parse(await missing.json()).code]).toEqual([404, 'NOT_FOUND'])
  })
})

describe('admission with L1 down', () => {
  it('error: a deposit, whose escrow admission must read on L1, is 503 L1_UNREACHABLE with Retry-After, naming the RPC’s origin only; nothing is admitted', async () => {
    const { tx } = await new Actor(3).transact(new MerkleTree(), { asset: 0n, extAmount: 5n })
    const app = createApp({ sequencer: offline().sequencer })
    const res = await app.request('/v1/transactions', { method: 'POST', body: JSON.stringify(toTransactionJson(tx)), headers: { 'content-type': 'application/json' } })
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('1')
    expect(await res.json()).toEqual({ code: 'L1_UNREACHABLE', message: `The L1 RPC at ${rpcOrigin} cannot be reached: check the URL and that the chain runs.` })
    expect((await offline().sequencer.options.store.getPendingSummary()).count).toBe(0)
  })
})

describe('/healthz and /readyz', () => {
  it('default: /healthz (and /health) answer { ok: true } while the process serves, never rate limited', async () => {
    const app = createApp({ sequencer: offline().sequencer, rateLimit: { read: 2, submit: 2 } })
    for (let i = 0; i < 20; i++) {
      for (const path of ['/healthz', '/health']) {
        const res = await app.request(path)
        expect([res.status, livenessSchema.parse(await res.json())]).toEqual([200, { ok: true }])
      }
    }
  })

  it('error: /readyz is 503 while L1 does not answer, naming its origin; the database and the prover are ready', async () => {
    const res = await createApp({ sequencer: offline().sequencer }).request('/readyz')
    expect(res.status).toBe(503)
    const body = readinessSchema.parse(await res.json())
    expect(body).toEqual({
      ready: false,
      checks: {
        database: { ok: true },
        l1: { ok: false, code: 'L1_UNREACHABLE', message: `The L1 RPC at ${rpcOrigin} cannot be reached: check the URL and that the chain runs.` },
        prover: { ok: true },
      },
    })
  })

  it('error: a database that does not answer is STORE_UNAVAILABLE, provers that do not answer PROVER_UNAVAILABLE, without their addresses', async () => {
    const store = await openNodeStore({ path: ':memory:' })
    await store.close()
    const proverUrl = `http://127.0.0.1:${await freePort()}`
    const checks = nodeReadinessChecks({ ...offline().sequencer.options, store, prover: createRemoteProver([proverUrl]) })
    const report = await createReadiness(checks)()
    expect(report).toEqual({
      ready: false,
      checks: {
        database: { ok: false, code: 'STORE_UNAVAILABLE', message: "The node's database did not answer a query." },
        l1: { ok: false, code: 'L1_UNREACHABLE', message: expect.stringContaining(rpcOrigin) },
        prover: { ok: false, code: 'PROVER_UNAVAILABLE', message: 'None of the 1 prover services answered its status.' },
      },
    })
    expect(JSON.stringify(report)).not.toContain(proverUrl)
  })

  it('behavior: checks plug in; a check that hangs is READINESS_TIMEOUT, one that throws a foreign error CHECK_FAILED (logged), and all passing is 200', async () => {
    const lines: string[] = []
    const logger = createLogger('node', { level: 'error', destination: { write: (line: string) => void lines.push(line) } })
    const passing: ReadinessCheck = { name: 'queue', check: async () => {} }
    const hanging: ReadinessCheck = { name: 'queue', check: () => new Promise(() => {}) }
    const broken: ReadinessCheck = { name: 'queue', check: async () => Promise.reject(new TypeError('boom at /srv/zkpay/secret/path')) }
    const refusing: ReadinessCheck = { name: 'queue', check: async () => Promise.reject(new StoreError('STORE_UNAVAILABLE', 'The job queue did not answer.')) }

    const ok = await createApp({ sequencer: offline().sequencer, readiness: [passing] }).request('/readyz')
    expect([ok.status, await ok.json()]).toEqual([200, { ready: true, checks: { queue: { ok: true } } }])
    expect(await createReadiness([hanging], { timeoutMs: 50 })()).toEqual({ ready: false, checks: { queue: { ok: false, code: 'READINESS_TIMEOUT', message: 'The queue check got no answer within 0.05 s.' } } })
    const failed = await createReadiness([broken], { logger })()
    expect(failed).toEqual({ ready: false, checks: { queue: { ok: false, code: 'CHECK_FAILED', message: 'The queue check failed; the node logged why.' } } })
    expect(lines.join('')).toContain('boom at /srv/zkpay/secret/path') // in the log, not the answer
    expect(await createReadiness([refusing, { ...passing, name: 'database' }])()).toEqual({
      ready: false,
      checks: { queue: { ok: false, code: 'STORE_UNAVAILABLE', message: 'The job queue did not answer.' }, database: { ok: true } },
    })
  })

  it('behavior: a flood of probes costs one round of checks per second, and counts in the status bucket', async () => {
    let runs = 0
    const counting: ReadinessCheck = { name: 'database', check: async () => void runs++ }
    const readiness = createReadiness([counting], { cacheMs: 60_000 })
    await Promise.all(Array.from({ length: 50 }, () => readiness()))
    await readiness()
    expect(runs).toBe(1)

    const app = createApp({ sequencer: offline().sequencer, rateLimit: { read: 3, submit: 3 }, readiness: [counting] })
    for (let i = 0; i < 3; i++) expect((await app.request('/readyz')).status).toBe(200)
    const limited = await app.request('/readyz')
    expect([limited.status, ((await limited.json()) as { code: string }).code]).toEqual([429, 'RATE_LIMITED'])
    expect((await app.request('/v1/status')).status).toBe(429) // the same bucket
    expect((await app.request('/v1/mempool')).status).toBe(200) // reads have their own
  })

  it('default: the local prover is ready with its proving key installed', async () => {
    await expect(createLocalProver().ready!()).resolves.toBeUndefined()
  })
})
