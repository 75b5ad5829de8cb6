import PgBoss from 'pg-boss'
import { type BatchWitness, type Proof, proofCodec } from '../circuits/index.ts'
import { redactUrl } from '../config/display.ts'
import { ProverError } from '../errors/index.ts'
import type { Logger } from '../log/index.ts'
import { assertBatchProof } from './assertBatchProof.ts'
import type { BatchProver } from './BatchProver.ts'
import { fromWire, type ProveRequest, type ProveResponse, toWire } from './wire.ts'

/** The pg-boss queue sealed batches wait in for a `zkpay prover --database-url` worker. */
export const PROVE_QUEUE = 'zkpay-prove-batch'
/** pg-boss keeps its tables in this schema of the node's database, apart from the node's own. */
const SCHEMA = 'zkpay_jobs'

export type JobQueueOptions = {
  /** Connections this process's queue client keeps open (default 4). */
  maxConnections?: number
  /** `zkpay-node`, `zkpay-prover`…: shows in `pg_stat_activity`. */
  applicationName?: string
}

/**
 * Opens the prover job queue in the node's Postgres database: pg-boss (10.x, the line that runs on
 * Node 20), in a schema of its own. The node and the workers open it alike; the node sets each
 * job's retry and timeout policy when it sends it (`createQueueProver`).
 *
 * @example
 * const boss = await openJobQueue(config.databaseUrl)
 * const prover = createQueueProver(boss, { jobTimeoutMs: 60_000, attempts: 3 })
 */
export async function openJobQueue(url: string, options: JobQueueOptions = {}): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: url,
    schema: SCHEMA,
    max: options.maxConnections ?? 4,
    application_name: options.applicationName ?? 'zkpay-queue',
    // Expired jobs are found by this sweep: often enough that a dead worker costs its timeout, not minutes more.
    maintenanceIntervalSeconds: 5,
    monitorStateIntervalSeconds: 30,
  })
  // pg-boss reports a lost connection here and reconnects; unheard, the event would end the process.
  boss.on('error', () => {})
  try {
    await boss.start()
    if (!(await boss.getQueue(PROVE_QUEUE))) {
      await boss.createQueue(PROVE_QUEUE, { name: PROVE_QUEUE }).catch(async (error: unknown) => {
        // Another process created it between our look and our create.
        if (!(await boss.getQueue(PROVE_QUEUE))) throw error
      })
    }
  } catch (cause) {
    await boss.stop({ graceful: false, wait: false }).catch(() => {})
    throw new ProverError('PROVER_UNAVAILABLE', `Could not open the prover job queue at ${redactUrl(url)}: ${cause instanceof Error ? cause.message.split('\n')[0] : String(cause)}.`, { cause })
  }
  return boss
}

export type QueueProverOptions = {
  /**
   * A job a worker has held this long is failed and retried (default 60 s). pg-boss 10 has no
   * worker heartbeat: this is how a worker that died mid-proof is noticed.
   */
  jobTimeoutMs?: number
  /** Tries per batch before it fails (default 3). */
  attempts?: number
  /** How often the node looks at its job (default 250 ms). */
  pollMs?: number
  logger?: Logger
}

/**
 * A prover that puts each batch on the job queue and waits for a worker's answer. Workers are
 * not trusted more than HTTP provers are: a proof that does not verify against the batch fails
 * it like a crash would. A job that failed every attempt throws `PROVER_JOB_FAILED`: the
 * sequencer then fails the batch and its transactions go back to the mempool.
 *
 * @example
 * const sequencer = await Sequencer.start({ ...options, prover: createQueueProver(boss) })
 */
export function createQueueProver(boss: PgBoss, options: QueueProverOptions = {}): BatchProver {
  const pollMs = options.pollMs ?? 250
  const attempts = options.attempts ?? 3
  // Kept a week: a job waits in the queue as long as no worker is there to take it.
  const policy = { retryLimit: attempts - 1, retryDelay: 0, expireInSeconds: Math.max(1, Math.ceil((options.jobTimeoutMs ?? 60_000) / 1000)), retentionDays: 7 }
  /** The proof job `id` ended with, or undefined when it failed every try pg-boss gives it. */
  async function outcome(id: string): Promise<unknown> {
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, pollMs))
      const job = await boss.getJobById<unknown>(PROVE_QUEUE, id, { includeArchive: true })
      if (job === null) return undefined
      if (job.state === 'completed') return (job.output as Partial<ProveResponse> | null)?.proof
      if (job.state === 'failed' || job.state === 'cancelled') {
        // The worker's words are the worker's: logged, bounded, never shown to the public.
        const reason = (job.output as { message?: unknown } | null)?.message
        options.logger?.warn({ job: id, tries: job.retryCount + 1, reason: typeof reason === 'string' ? reason.slice(0, 200) : undefined }, 'proving job failed')
        return undefined
      }
    }
  }
  return {
    name: 'queue',
    // The queue answers (its table is there): workers come and go, and a batch waits for one.
    async ready() {
      try {
        await boss.getQueueSize(PROVE_QUEUE)
      } catch (cause) {
        throw new ProverError('PROVER_UNAVAILABLE', 'The prover job queue does not answer.', { cause })
      }
    },
    async prove(witness: BatchWitness): Promise<Proof> {
      const request = toWire({ witness } satisfies ProveRequest) as object
      // A job that fails is retried by pg-boss (a dead worker's too, once it times out); one
      // that completes with a proof that does not verify is sent again, as a new job.
      for (let sent = 1; ; sent++) {
        const id = await boss.send(PROVE_QUEUE, request, policy)
        if (id === null) throw new ProverError('PROVER_UNAVAILABLE', 'The job queue did not take the batch.')
        const answer = await outcome(id)
        if (answer === undefined) throw new ProverError('PROVER_JOB_FAILED', `The batch's proving job failed after ${attempts} attempt${attempts === 1 ? '' : 's'}.`)
        const wire = proofCodec.safeParse(answer)
        const proof = wire.success ? await assertBatchProof(wire.data, witness).catch(() => undefined) : undefined
        if (proof) return proof
        options.logger?.warn({ job: id, sent }, 'a worker answered without a proof that verifies against the batch')
        if (sent >= attempts) throw new ProverError('PROVER_JOB_FAILED', `No worker answered with a proof that verifies against the batch in ${attempts} attempt${attempts === 1 ? '' : 's'}.`)
      }
    },
  }
}

export type QueueWorkerOptions = {
  /** Batches this process proves at once (default 1: a proof uses every core it is given). */
  concurrency?: number
  /** How often an idle worker asks for a job (default and least 500 ms: pg-boss 10's floor). */
  pollMs?: number
  logger?: Logger
}

/**
 * Takes batches off the job queue and proves them with `prover` (the in-process one): what
 * `zkpay prover --database-url` runs. A worker that dies mid-proof leaves its job to expire and
 * be retried elsewhere. Resolves to a function that stops taking jobs.
 *
 * @example
 * const stop = await runQueueWorker(boss, createLocalProver(), { logger })
 */
export async function runQueueWorker(boss: PgBoss, prover: BatchProver, options: QueueWorkerOptions = {}): Promise<() => Promise<void>> {
  const workers: string[] = []
  for (let i = 0; i < (options.concurrency ?? 1); i++) {
    workers.push(
      await boss.work<object>(PROVE_QUEUE, { batchSize: 1, pollingIntervalSeconds: Math.max(0.5, (options.pollMs ?? 500) / 1000) }, async ([job]) => {
        const { witness } = fromWire<ProveRequest>(job!.data)
        const started = Date.now()
        options.logger?.info({ job: job!.id }, 'proving job taken')
        const proof = await prover.prove(witness)
        const ms = Date.now() - started
        options.logger?.info({ job: job!.id, ms }, 'proving job done')
        return { proof: proofCodec.encode(proof), ms } satisfies ProveResponse
      }),
    )
  }
  return async () => {
    for (const id of workers) await boss.offWork({ id })
  }
}
