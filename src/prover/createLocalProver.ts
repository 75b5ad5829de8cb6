import { assertProvingArtifacts, type BatchWitness, proveBatch } from '../circuits/index.ts'
import type { BatchProver } from './BatchProver.ts'

/**
 * The in-process prover: snarkjs-compatible Groth16 on ffjavascript's worker threads (about 3 s
 * for a batch of 32 on two cores).
 *
 * @example
 * const sequencer = new Sequencer({ prover: createLocalProver(), ... })
 */
export function createLocalProver(): BatchProver {
  return {
    name: 'local',
    prove: async (witness: BatchWitness) => (await proveBatch(witness)).proof,
    ready: async () => assertProvingArtifacts('batch'),
  }
}
