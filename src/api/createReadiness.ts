import type { z } from 'zod'
import { BaseError } from '../errors/index.ts'
import type { Logger } from '../log/index.ts'
import type { readinessSchema } from './schemas.ts'

/**
 * One thing the node needs to serve: resolves when it is usable, throws a zkpay error (a stable
 * code and one sentence) when it is not. The node's are its database, L1 and its prover
 * (`nodeReadinessChecks`); another store or a job queue adds its own.
 *
 * @example
 * const queue: ReadinessCheck = { name: 'queue', check: async () => void (await boss.getQueue('prove')) }
 */
export type ReadinessCheck = { name: string; check(): Promise<void> }

/** What `/readyz` answers: ready when every check passed. */
export type ReadinessReport = z.infer<typeof readinessSchema>

export type ReadinessOptions = {
  /** how long a check may take before it counts as failed (default 2 s) */
  timeoutMs?: number
  /** how long a report is reused (default 1 s): a flood of probes costs the database, L1 and the provers one round each */
  cacheMs?: number
  /** told why a check failed with something other than a zkpay error */
  logger?: Logger
}

/**
 * Runs readiness checks at once, each bounded by a timeout, and reports every one: a failed
 * check is `{ ok: false, code, message }` with its error's code and sentence (a check that timed
 * out is READINESS_TIMEOUT; one that threw anything but a zkpay error is CHECK_FAILED, logged).
 * Reports are shared for `cacheMs`, so that probing the node often cannot make it hammer what
 * it probes.
 *
 * @example
 * const readiness = createReadiness(nodeReadinessChecks(sequencer))
 * const report = await readiness() // { ready: false, checks: { database: { ok: true }, l1: { ok: false, code: 'L1_UNREACHABLE', message: '…' }, … } }
 */
export function createReadiness(checks: readonly ReadinessCheck[], options: ReadinessOptions = {}): () => Promise<ReadinessReport> {
  const timeoutMs = options.timeoutMs ?? 2_000
  const cacheMs = options.cacheMs ?? 1_000
  let last: { at: number; report: Promise<ReadinessReport> } | undefined
  const run = async (): Promise<ReadinessReport> => {
    const results = await Promise.all(checks.map(async (c) => [c.name, await runCheck(c, timeoutMs, options.logger)] as const))
    return { ready: results.every(([, r]) => r.ok), checks: Object.fromEntries(results) }
  }
  return () => {
    const now = Date.now()
    if (!last || now - last.at >= cacheMs) last = { at: now, report: run() }
    return last.report
  }
}

async function runCheck(c: ReadinessCheck, timeoutMs: number, logger: Logger | undefined): Promise<ReadinessReport['checks'][string]> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)))
  try {
    const outcome = await Promise.race([c.check().then(() => 'ok' as const), timeout])
    if (outcome === 'ok') return { ok: true }
    return { ok: false, code: 'READINESS_TIMEOUT', message: `The ${c.name} check got no answer within ${timeoutMs / 1000} s.` }
  } catch (error) {
    if (error instanceof BaseError) return { ok: false, code: error.code, message: error.shortMessage }
    logger?.error({ err: error, check: c.name }, 'readiness check failed')
    return { ok: false, code: 'CHECK_FAILED', message: `The ${c.name} check failed; the node logged why.` }
  } finally {
    clearTimeout(timer)
  }
}
