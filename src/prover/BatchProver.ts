import type { BatchWitness, Proof } from '../circuits/index.ts'

/**
 * Proves batches (the tree update of a sealed batch). The sequencer builds the witness from its
 * tree and hands it over; where the proof is made is the prover's business: in this process
 * (the default) or in `zkpay prover` processes over HTTP.
 */
export interface BatchProver {
  /** e.g. `local` or the remote prover's URL, for status and logs */
  readonly name: string
  prove(witness: BatchWitness): Promise<Proof>
  /**
   * Resolves when the prover could take a batch now (its proving key is there, a remote service
   * answers); throws a zkpay error saying why not. What `/readyz` asks; absent: always ready.
   */
  ready?(): Promise<void>
}
