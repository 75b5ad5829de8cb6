import { z } from 'zod'
import { redactUrl } from './display.ts'
import { integer, setting } from './setting.ts'

/**
 * The Postgres database a multi-machine node shares: the node's processes keep their state
 * there, and prover workers take their jobs from it. `zkpay node` and `zkpay prover` both read it.
 */
export const databaseUrl = setting({
  env: 'ZKPAY_DATABASE_URL',
  description:
    'A postgres:// URL. The node keeps its state in that database (shared by every process of a multi-machine node) instead of SQLite in dataDir; `zkpay prover` takes batches from its job queue.',
  parser: z
    .string()
    .regex(/^postgres(ql)?:\/\/\S+$/i, { error: 'expected a postgres:// or postgresql:// URL' })
    .optional(),
  // It holds the database password: logs and errors show its host only.
  redact: (v) => (v ? redactUrl(v) : 'none'),
})

/** How long a prover worker may hold a job: a job held longer is failed and retried elsewhere. */
export const jobTimeoutMs = setting({
  env: 'ZKPAY_PROVER_JOB_TIMEOUT_MS',
  description: 'How long a prover worker may hold a batch before the job is failed and retried on another worker: how soon a dead worker is noticed. Far above one proof\'s time.',
  parser: integer(1_000, 3_600_000, 'expected milliseconds from 1000 to 3600000'),
  default: 60_000,
})
