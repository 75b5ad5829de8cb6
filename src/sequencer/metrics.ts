import { hostname } from 'node:os'
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { Logger } from '../log/index.ts'
import type { RollupClient } from '../settlement/createRollupClient.ts'
import type { BatchState, NodeStore } from '../state/index.ts'
import { L1_CURSOR } from './l1Cursor.ts'

import type { NodeRole } from '../config/nodeConfig.ts'

export type { NodeRole }

/**
 * What the sequencer's parts record, and all they know of metrics: admission, the batch loop,
 * the L1 publisher and the L1 follower each call a few of these, so that they can be split into
 * processes of their own without taking a metrics registry along.
 */
export interface SequencerMetrics {
  /** admitted to the mempool; `seconds` is how long admission took (none for a forced-inclusion request, which skips it) */
  transactionAdmitted(seconds?: number): void
  /** turned away at admission, with its code */
  transactionRejected(code: string, seconds: number): void
  /** a batch proof came back after `seconds` */
  batchProven(seconds: number): void
  /** a batch is about to be posted: its submit-to-settle clock starts (once) */
  batchSubmitted(batch: number): void
  /** a posting was mined, using `gasUsed` */
  batchMined(gasUsed: bigint): void
  /** a batch was read settled on L1, ours or anyone's */
  batchSettled(batch: number, transactions: number): void
  /** a batch failed and its transactions went back to the queue: its clock stops */
  batchReleased(batch: number): void
  /** a pass of the L1 follower ended, successfully or not */
  l1Synced(ok: boolean): void
  /** an L1 reorg was rolled back */
  reorg(): void
}

/** The metrics of one node: what the sequencer records, and the Prometheus registry `/metrics` scrapes. */
export type NodeMetrics = SequencerMetrics & {
  readonly registry: Registry
  /** the exposition's content type (text format 0.0.4) */
  readonly contentType: string
  /** the Prometheus exposition; never fails for L1 or the database (their gauges are NaN then, and `zkpay_l1_up` 0) */
  scrape(): Promise<string>
}

export type NodeMetricsOptions = {
  store: NodeStore
  /** the operator's balance only where the process holds its account (not on an api replica) */
  l1: Pick<RollupClient, 'blockNumber'> & Partial<Pick<RollupClient, 'operatorBalance'>>
  /** where the L1 follower starts on an empty store (for the head lag before its first pass) */
  fromBlock: bigint
  /** the `replica` label of every series (default `<hostname>-<pid>`) */
  replica?: string
  /** the `role` label of every series (default `all`) */
  role?: NodeRole
  /** how long a scrape waits for L1 (default 2 s) */
  l1TimeoutMs?: number
  /**
   * process metrics (CPU, memory, event loop, GC; default on). Each registry that collects them
   * installs its own event-loop and GC monitors for good: one per process is enough.
   */
  processMetrics?: boolean
  logger?: Logger
  /** milliseconds, for the submit-to-settle clock (tests inject one) */
  now?: () => number
}

/** Batch states that do not last: their counts stay small, so a scrape can list them. */
const LIVE_STATES = ['open', 'sealed', 'proving', 'proven', 'submitted', 'settled'] as const satisfies readonly BatchState[]
/** How long one scrape's reads of the store and L1 are reused by the gauges of the same scrape. */
const SNAPSHOT_MS = 500
/** Batches whose clock runs at most (one or two are in flight; more is a leak). */
const MAX_CLOCKS = 1_000

/**
 * The node's Prometheus metrics on a registry of its own (two nodes in one process do not
 * collide), every series labelled with the replica and its role. Counters and histograms are
 * recorded by the sequencer; gauges are read at scrape time from the store (batches per state,
 * the mempool, the tree) and from L1 (head lag, operator balance), so they are true for any
 * replica that shares the database. Nothing here names a transaction, a nullifier or an amount.
 *
 * @example
 * const metrics = createNodeMetrics({ store, l1, fromBlock, replica: 'api-1' })
 * app.get('/metrics', async (c) => c.text(await metrics.scrape(), 200, { 'content-type': metrics.contentType }))
 */
export function createNodeMetrics(options: NodeMetricsOptions): NodeMetrics {
  const { store, l1, logger } = options
  const now = options.now ?? Date.now
  const registry = new Registry()
  registry.setDefaultLabels({ replica: options.replica ?? `${hostname()}-${process.pid}`, role: options.role ?? 'all' })
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry })
  const registers = [registry]

  const admitted = new Counter({ name: 'zkpay_transactions_admitted_total', help: 'Transactions admitted to the mempool.', registers })
  const rejected = new Counter({ name: 'zkpay_transactions_rejected_total', help: 'Transactions turned away at admission, by code.', labelNames: ['code'] as const, registers })
  const settledTransactions = new Counter({ name: 'zkpay_transactions_settled_total', help: 'Transactions settled on L1 (any submitter).', registers })
  const settledBatches = new Counter({ name: 'zkpay_batches_settled_total', help: 'Batches settled on L1 (any submitter).', registers })
  const gas = new Counter({ name: 'zkpay_l1_gas_used_total', help: 'Gas used by this node’s batch submissions.', registers })
  const reorgs = new Counter({ name: 'zkpay_l1_reorgs_total', help: 'L1 reorgs the node rolled back.', registers })
  const admission = new Histogram({
    name: 'zkpay_admission_duration_seconds',
    help: 'Time to decide on a submitted transaction (checks, proof verification, insertion), by outcome.',
    labelNames: ['outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  })
  const proving = new Histogram({ name: 'zkpay_batch_proving_duration_seconds', help: 'Time to prove a batch.', buckets: [0.5, 1, 2, 4, 8, 15, 30, 60, 120, 300], registers })
  const settlement = new Histogram({
    name: 'zkpay_batch_settlement_duration_seconds',
    help: 'Time from posting a batch to reading it settled on L1 (batches posted since this process started).',
    buckets: [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800],
    registers,
  })
  const l1Healthy = new Gauge({ name: 'zkpay_l1_healthy', help: 'Whether the last L1 sync succeeded.', registers })

  // The gauges below are read when scraped, all from one snapshot of the store and L1.
  const snapshot = shared(SNAPSHOT_MS, async () => {
    const [fromStore, fromL1] = await Promise.all([readStore(store).catch(failed(logger, 'metrics: reading the store failed')), readL1(l1, options.l1TimeoutMs ?? 2_000).catch(() => undefined)])
    return { store: fromStore, l1: fromL1 }
  })
  const gauge = (name: string, help: string, read: (s: Awaited<ReturnType<typeof snapshot>>) => number | undefined) =>
    new Gauge({
      name,
      help,
      registers,
      async collect() {
        this.set(read(await snapshot()) ?? Number.NaN)
      },
    })
  new Gauge({
    name: 'zkpay_batches',
    help: 'Batches per state (the states a batch passes through; final and failed are not counted).',
    labelNames: ['state'] as const,
    registers,
    async collect() {
      const { store } = await snapshot()
      this.reset()
      if (store) for (const state of LIVE_STATES) this.set({ state }, store.batches[state])
    },
  })
  gauge('zkpay_mempool_pending', 'Transactions waiting for a batch.', (s) => s.store?.pending)
  gauge('zkpay_mempool_oldest_pending_seconds', 'How long the oldest pending transaction has waited (0 when none waits).', (s) => s.store && (s.store.oldestPendingAt === null ? 0 : Math.max(0, (now() - s.store.oldestPendingAt) / 1000)))
  gauge('zkpay_tree_leaves', 'Leaves in the note tree (settled notes and their padding).', (s) => s.store?.leafCount)
  gauge('zkpay_l1_up', 'Whether L1 answered this scrape (head block and operator balance).', (s) => (s.l1 ? 1 : 0))
  gauge('zkpay_l1_head_lag_blocks', 'L1 blocks the follower has not applied yet: the head minus the last block applied.', (s) => {
    if (!s.l1 || !s.store) return undefined
    const applied = (s.store.cursor ?? options.fromBlock) - 1n
    return Number(s.l1.head > applied ? s.l1.head - applied : 0n)
  })
  if (l1.operatorBalance) gauge('zkpay_operator_balance_wei', 'The operator account’s L1 balance, which pays for batches.', (s) => (s.l1?.balance === undefined ? undefined : Number(s.l1.balance)))

  const started = new Map<number, number>()
  return {
    registry,
    contentType: registry.contentType,
    scrape: () => registry.metrics(),
    transactionAdmitted(seconds) {
      admitted.inc()
      if (seconds !== undefined) admission.observe({ outcome: 'admitted' }, seconds)
    },
    transactionRejected(code, seconds) {
      rejected.inc({ code })
      admission.observe({ outcome: 'rejected' }, seconds)
    },
    batchProven: (seconds) => proving.observe(seconds),
    batchSubmitted(batch) {
      if (started.has(batch)) return
      if (started.size >= MAX_CLOCKS) started.delete(started.keys().next().value!)
      started.set(batch, now())
    },
    batchMined: (gasUsed) => gas.inc(Number(gasUsed)),
    batchSettled(batch, transactions) {
      settledBatches.inc()
      settledTransactions.inc(transactions)
      const at = started.get(batch)
      if (at === undefined) return
      started.delete(batch)
      settlement.observe(Math.max(0, (now() - at) / 1000))
    },
    batchReleased: (batch) => void started.delete(batch),
    l1Synced: (ok) => l1Healthy.set(ok ? 1 : 0),
    reorg: () => reorgs.inc(),
  }
}

/** What the store gauges show, in one round of cheap reads (the non-terminal batches are few). */
async function readStore(store: NodeStore) {
  const [live, pending, latest, cursor] = await Promise.all([store.listBatches(LIVE_STATES), store.getPendingSummary(), store.latestRoot(), store.getCursor(L1_CURSOR)])
  const batches = Object.fromEntries(LIVE_STATES.map((s) => [s, 0])) as Record<(typeof LIVE_STATES)[number], number>
  for (const b of live) batches[b.state as (typeof LIVE_STATES)[number]]++
  return { batches, pending: pending.count, oldestPendingAt: pending.oldestCreatedAt?.getTime() ?? null, leafCount: latest?.leafCount ?? 0, cursor: cursor?.block }
}

/** The L1 head and the operator's balance, or a rejection after `timeoutMs`: a scrape must not hang on a dead RPC. */
async function readL1(l1: NodeMetricsOptions['l1'], timeoutMs: number): Promise<{ head: bigint; balance: bigint | undefined }> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('L1 did not answer in time')), timeoutMs)))
  try {
    const [head, balance] = await Promise.race([Promise.all([l1.blockNumber(), l1.operatorBalance?.()]), timeout])
    return { head, balance }
  } finally {
    clearTimeout(timer)
  }
}

const failed = (logger: Logger | undefined, message: string) => (error: unknown) => {
  logger?.warn({ err: error }, message)
  return undefined
}

/** `fn`'s result, shared by every call within `ms` of the call that started it. */
function shared<T>(ms: number, fn: () => Promise<T>): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined
  return () => {
    const now = Date.now()
    if (!last || now - last.at >= ms) last = { at: now, value: fn() }
    return last.value
  }
}
