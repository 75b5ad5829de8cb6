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

/**
 * The keys in use are the dev setup's (forgeable: their α and β are public) and the chain is not
 * the local devnet, and nobody allowed that explicitly.
 */
export class DevKeysRefusedError extends BaseError {
  override name = 'DevKeysRefusedError' as const
  readonly chainId: number
  constructor(action: string, chainId: number) {
    super(
      'DEV_KEYS_REFUSED',
      `Refusing to ${action} with the dev verifying keys on chain ${chainId}: they come from zkpay's public dev setup, so anyone can forge proofs and take every deposit. Install ceremony keys (\`zkpay ceremony\`), or, on a throwaway test chain only, pass --insecure-dev-keys (ZKPAY_INSECURE_DEV_KEYS=1).`,
    )
    this.chainId = chainId
  }
}
