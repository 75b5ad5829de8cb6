import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/api/index.ts'
import type { TransactionJson } from '../../src/circuits/index.ts'
import { createNodeMetrics, L1_CURSOR } from '../../src/sequencer/index.ts'
import { openNodeStore } from '../../src/state/index.ts'
import { useOfflineSequencer } from '../helpers/node.ts'
import { parseExposition, sample } from '../helpers/prometheus.ts'
import { makeTransaction } from '../helpers/storeFixtures.ts'

// /metrics as Prometheus scrapes it: a registry per node, every series labelled with the
// replica and its role, process metrics, and gauges read at scrape time that never make the
// scrape fail. A real node (SQLite, sequencer) whose L1 is a closed port, and metrics on stores
// of their own where the numbers must be exact. The numbers after real settlement:
// test/e2e/node.test.ts.

const offline = useOfflineSequencer()

describe('/metrics', () => {
  it('behavior: with L1 down the scrape answers, l1_up 0 and the L1 gauges NaN; a rejection is counted and timed; every series is labelled', async () => {
    const app = createApp({ sequencer: offline().sequencer })
    // A well-formed transaction the sequencer itself turns away (not the HTTP edge).
    const submitted = await app.request('/v1/transactions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(makeTransaction(1).payload satisfies TransactionJson) })
    const { code } = (await submitted.json()) as { code: string }
    expect(submitted.status).toBe(400)

    const res = await app.request('/metrics')
    expect([res.status, res.headers.get('content-type')]).toEqual([200, expect.stringMatching(/^text\/plain; version=0\.0\.4/)])
    const samples = parseExposition(await res.text())
    const replica = sample(samples, 'zkpay_l1_up').labels.replica!
    expect(replica).toMatch(/^.+-\d+$/) // <hostname>-<pid>
    expect(samples.filter((s) => s.labels.replica !== replica || s.labels.role !== 'all')).toEqual([])
    // A sequencer's own metrics leave the process's to the composition root (zkpay node collects them).
    expect(samples.filter((s) => /^(process|nodejs)_/.test(s.name))).toEqual([])

    expect(sample(samples, 'zkpay_l1_up').value).toBe(0)
    expect(sample(samples, 'zkpay_l1_healthy').value).toBe(0)
    expect(sample(samples, 'zkpay_l1_head_lag_blocks').value).toBeNaN()
    expect(sample(samples, 'zkpay_operator_balance_wei').value).toBeNaN()
    // The store still answers: its gauges are real.
    expect(sample(samples, 'zkpay_mempool_pending').value).toBe(0)
    expect(sample(samples, 'zkpay_batches', { state: 'sealed' }).value).toBe(0)

    expect(sample(samples, 'zkpay_transactions_rejected_total', { code }).value).toBe(1)
    expect(sample(samples, 'zkpay_admission_duration_seconds_count', { outcome: 'rejected' }).value).toBe(1)
    expect(sample(samples, 'zkpay_admission_duration_seconds_sum', { outcome: 'rejected' }).value).toBeGreaterThan(0)
    expect(sample(samples, 'zkpay_transactions_admitted_total').value).toBe(0)
  })

  it('default: gauges come from the store and L1 at scrape time: batches per state, queue depth and age, head lag, balance', async () => {
    const store = await openNodeStore({ path: ':memory:' })
    try {
      for (let i = 1; i <= 3; i++) expect((await store.insertPendingTransaction(makeTransaction(i, { createdAt: new Date(1_000_000) }))).ok).toBe(true)
      await store.sealBatch({ maxTransactions: 2 })
      await store.setCursor(L1_CURSOR, { block: 101n }) // blocks up to 100 applied
      const l1 = { blockNumber: async () => 107n, operatorBalance: async () => 3n * 10n ** 18n }
      const metrics = createNodeMetrics({ store, l1, fromBlock: 1n, replica: 'api-1', processMetrics: false, now: () => 31_000_000 })
      const samples = parseExposition(await metrics.scrape())
      expect(Object.fromEntries(samples.filter((s) => s.name === 'zkpay_batches').map((s) => [s.labels.state, s.value]))).toEqual({ open: 0, sealed: 1, proving: 0, proven: 0, submitted: 0, settled: 0 })
      expect(sample(samples, 'zkpay_mempool_pending').value).toBe(1)
      expect(sample(samples, 'zkpay_mempool_oldest_pending_seconds').value).toBe(30_000)
      expect(sample(samples, 'zkpay_l1_up').value).toBe(1)
      expect(sample(samples, 'zkpay_l1_head_lag_blocks').value).toBe(7)
      expect(sample(samples, 'zkpay_operator_balance_wei').value).toBe(3e18)
      expect(samples.every((s) => s.labels.replica === 'api-1')).toBe(true)
      expect(samples.some((s) => s.name.startsWith('process_'))).toBe(false)
    } finally {
      await store.close()
    }
  })

  it('default: process metrics (CPU, memory, event loop, GC) carry the labels too', async () => {
    const store = await openNodeStore({ path: ':memory:' })
    try {
      const samples = parseExposition(await createNodeMetrics({ store, l1: { blockNumber: async () => 0n, operatorBalance: async () => 0n }, fromBlock: 0n, replica: 'node-1' }).scrape())
      expect(sample(samples, 'process_cpu_user_seconds_total')).toMatchObject({ labels: { replica: 'node-1', role: 'all' }, value: expect.any(Number) })
      expect(sample(samples, 'process_resident_memory_bytes').value).toBeGreaterThan(0)
      expect(sample(samples, 'nodejs_heap_size_used_bytes').value).toBeGreaterThan(0)
      expect(samples.filter((s) => s.name === 'nodejs_eventloop_lag_seconds')).toHaveLength(1)
    } finally {
      await store.close()
    }
  })

  it('behavior: submit-to-settle time is observed for batches this process posted, not for released ones; two registries never collide', async () => {
    const store = await openNodeStore({ path: ':memory:' })
    let now = 0
    const l1 = { blockNumber: async () => 0n, operatorBalance: async () => 0n }
    const a = createNodeMetrics({ store, l1, fromBlock: 0n, replica: 'a', processMetrics: false, now: () => now })
    const b = createNodeMetrics({ store, l1, fromBlock: 0n, replica: 'b', processMetrics: false, now: () => now })
    try {
      a.batchSubmitted(1)
      now = 12_000
      a.batchSubmitted(1) // posted again (fees bumped): the clock keeps its start
      now = 20_000
      a.batchSettled(1, 3)
      a.batchSubmitted(2)
      a.batchReleased(2)
      a.batchSettled(2, 1) // settled again later, after a release: not timed from the old start
      a.batchSettled(3, 5) // someone else's batch: counted, not timed
      a.batchMined(1_234_567n)
      a.reorg()
      const samples = parseExposition(await a.scrape())
      expect(sample(samples, 'zkpay_batch_settlement_duration_seconds_count').value).toBe(1)
      expect(sample(samples, 'zkpay_batch_settlement_duration_seconds_sum').value).toBe(20)
      expect(sample(samples, 'zkpay_batch_settlement_duration_seconds_bucket', { le: '20' }).value).toBe(1)
      expect(sample(samples, 'zkpay_batch_settlement_duration_seconds_bucket', { le: '10' }).value).toBe(0)
      expect(sample(samples, 'zkpay_batches_settled_total').value).toBe(3)
      expect(sample(samples, 'zkpay_transactions_settled_total').value).toBe(9)
      expect(sample(samples, 'zkpay_l1_gas_used_total').value).toBe(1_234_567)
      expect(sample(samples, 'zkpay_l1_reorgs_total').value).toBe(1)
      // The other node's registry saw none of it.
      const other = parseExposition(await b.scrape())
      expect(sample(other, 'zkpay_batches_settled_total').value).toBe(0)
      expect(sample(other, 'zkpay_batch_settlement_duration_seconds_count').value).toBe(0)
    } finally {
      await store.close()
    }
  })

  it('behavior: with the database down the scrape still answers: its gauges are NaN, batches absent', async () => {
    const store = await openNodeStore({ path: ':memory:' })
    await store.close()
    const metrics = createNodeMetrics({ store, l1: { blockNumber: async () => 5n, operatorBalance: async () => 1n }, fromBlock: 0n, processMetrics: false })
    const samples = parseExposition(await metrics.scrape())
    expect(sample(samples, 'zkpay_mempool_pending').value).toBeNaN()
    expect(sample(samples, 'zkpay_tree_leaves').value).toBeNaN()
    expect(sample(samples, 'zkpay_l1_head_lag_blocks').value).toBeNaN()
    expect(samples.filter((s) => s.name === 'zkpay_batches')).toEqual([])
    expect(sample(samples, 'zkpay_l1_up').value).toBe(1)
  })

  it('error: the exposition parser refuses what Prometheus refuses', () => {
    const ok = '# HELP x_total X.\n# TYPE x_total counter\nx_total{a="b\\"c"} 1\n'
    expect(parseExposition(ok)).toEqual([{ name: 'x_total', labels: { a: 'b"c' }, value: 1 }])
    for (const bad of ['x_total 1\n', '# TYPE x_total counter\nx_total{a=b} 1\n', '# TYPE x_total counter\nx_total one\n', '# TYPE x_total counter\nx_total 1', '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_count 1\n']) {
      expect(() => parseExposition(bad), bad).toThrow()
    }
  })
})
