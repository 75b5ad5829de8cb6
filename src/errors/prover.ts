import { BaseError } from './BaseError.ts'

/**
 * A batch could not be proven: no prover service answered with a proof that verifies
 * (`PROVER_UNAVAILABLE`), or a prover's proof does not verify against the batch
 * (`BATCH_PROOF_INVALID`): the sequencer's loop retries the batch. Or its job on the prover
 * queue failed every attempt (`PROVER_JOB_FAILED`): the sequencer fails the batch and puts its
 * transactions back in the mempool.
 */
export class ProverError extends BaseError {
  override name = 'ProverError' as const

  constructor(code: 'PROVER_UNAVAILABLE' | 'BATCH_PROOF_INVALID' | 'PROVER_JOB_FAILED', shortMessage: string, options: { details?: string; cause?: unknown } = {}) {
    super(code, shortMessage, options)
  }
}
