import type { BatchWitness, Proof } from '../circuits/index.ts'
import { assertBatchProof } from './assertBatchProof.ts'
import type { BatchProver } from './BatchProver.ts'

/**
 * Any batch prover, with every proof it returns checked against the batch before the node uses
 * it; a proof that does not verify is a BATCH_PROOF_INVALID error, which the sequencer's loop
 * retries. A wrong proving key (a ceremony key installed without its verifier) is caught here,
 * not by the contract after a failed submission.
 *
 * @example
 * const prover = verifiedProver(createLocalProver())
 */
export function verifiedProver(prover: BatchProver): BatchProver {
  return {
    name: prover.name,
    prove: async (witness: BatchWitness): Promise<Proof> => assertBatchProof(await prover.prove(witness), witness),
    ...(prover.ready ? { ready: () => prover.ready!() } : {}),
  }
}
