import { BaseError } from './BaseError.ts'

/** A circuit could not be compiled: a bad source, a missing include, or circom2 itself failed. */
export class CircuitCompileError extends BaseError {
  override name = 'CircuitCompileError' as const
  constructor(shortMessage: string, options: { details?: string; cause?: unknown } = {}) {
    super('CIRCUIT_COMPILE_FAILED', shortMessage, options)
  }
}

/** Circuit artifacts (proving key, witness generator, verification key) are missing or do not match. */
export class CircuitArtifactError extends BaseError {
  override name = 'CircuitArtifactError' as const
  constructor(shortMessage: string, options: { details?: string; cause?: unknown } = {}) {
    super('CIRCUIT_ARTIFACT_INVALID', shortMessage, options)
  }
}

/** A witness could not be built or proved: the inputs violate the circuit (a constraint fails). */
export class ProofGenerationError extends BaseError {
  override name = 'ProofGenerationError' as const
  constructor(shortMessage: string, options: { details?: string; cause?: unknown } = {}) {
    super('PROOF_GENERATION_FAILED', shortMessage, options)
  }
}

export type PtauErrorCode = 'PTAU_REQUIRED' | 'PTAU_INVALID' | 'PTAU_BEACON_ONLY'

/**
 * A ceremony was asked to build on a phase-1 (powers of tau) file it must not trust: none
 * given (`PTAU_REQUIRED`), one that does not verify (`PTAU_INVALID`), or one with no
 * participant's contribution (`PTAU_BEACON_ONLY`), whose secrets anyone can recompute.
 */
export class PtauError extends BaseError {
  override name = 'PtauError' as const
  constructor(code: PtauErrorCode, shortMessage: string, options: { details?: string; cause?: unknown } = {}) {
    super(code, shortMessage, options)
  }
}
