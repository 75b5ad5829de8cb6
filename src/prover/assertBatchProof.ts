import { type BatchWitness, type Proof, verifyBatch } from '../circuits/index.ts'
import { ProverError } from '../errors/index.ts'

const isCoordinate = (x: unknown) => typeof x === 'bigint'
const isPair = (p: unknown): p is [bigint, bigint] => Array.isArray(p) && p.length === 2 && p.every(isCoordinate)

/**
 * The proof a prover returned, once it is a proof (two G1 points and a G2 point of field
 * elements) that verifies against the batch's public signals (old root, new root, start index,
 * leaves). A prover is not trusted: a reply without a proof, a proof of another batch or
 * garbage would otherwise be posted and refused by the contract, again and again.
 *
 * @example
 * const proof = await assertBatchProof(reply.proof, witness) // throws BATCH_PROOF_INVALID
 */
export async function assertBatchProof(proof: unknown, witness: BatchWitness): Promise<Proof> {
  const p = proof as Partial<Proof> | undefined
  if (!p || !isPair(p.a) || !isPair(p.c) || !Array.isArray(p.b) || p.b.length !== 2 || !p.b.every(isPair)) {
    throw new ProverError('BATCH_PROOF_INVALID', 'The prover answered without a batch proof.')
  }
  if (!(await verifyBatch(p as Proof, witness.publicSignals))) {
    throw new ProverError('BATCH_PROOF_INVALID', "The prover's proof does not verify against the batch.")
  }
  return p as Proof
}
