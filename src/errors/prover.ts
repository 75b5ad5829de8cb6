import { BaseError } from './BaseError.ts'

/**
 * A batch could not be proven: no prover service answered with a proof that verifies
 * (`PROVER_UNAVAILABLE`), or a prover's proof does not verify against the batch
 * (`BATCH_PROOF_INVALID`). The sequencer's loop retries the batch.
 */
export class ProverError extends BaseError {
  override name = 'ProverError' as const

  constructor(code: 'PROVER_UNAVAILABLE' | 'BATCH_PROOF_INVALID', shortMessage: string, options: { details?: string; cause?: unknown } = {}) {
    super(code, shortMessage, options)
  }
}
