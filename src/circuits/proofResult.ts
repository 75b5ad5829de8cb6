import type { Groth16Proof } from 'snarkjs'
import { ProofGenerationError } from '../errors/index.ts'

// No node: imports: both prove.ts (Node) and the browser's workerProver.ts turn a prover's
// snarkjs-shaped output into a checked ProofResult here.

/** A Groth16 proof as field elements, in the order the Solidity verifier takes them. */
export type Proof = {
  a: [bigint, bigint]
  /** G2 point with each coordinate's two limbs swapped, as the EVM pairing precompile wants */
  b: [[bigint, bigint], [bigint, bigint]]
  c: [bigint, bigint]
}

export type ProofResult = { proof: Proof; publicSignals: bigint[] }

/** What a Groth16 prover returns: snarkjs's proof JSON and the public signals as decimal strings. */
export type SnarkjsProofOutput = { proof: Groth16Proof; publicSignals: readonly string[] }

/**
 * A proof in snarkjs's JSON shape (decimal strings, projective points) as the `Proof` the
 * verifier contract takes: affine coordinates, and B's limbs swapped for the pairing precompile.
 *
 * @example
 * const proof = fromSnarkjs((await snarkjs.groth16.fullProve(input, wasm, zkey)).proof)
 */
export function fromSnarkjs(p: Groth16Proof): Proof {
  const n = (s: string | undefined) => BigInt(s!)
  return {
    a: [n(p.pi_a[0]), n(p.pi_a[1])],
    b: [
      [n(p.pi_b[0]![1]), n(p.pi_b[0]![0])],
      [n(p.pi_b[1]![1]), n(p.pi_b[1]![0])],
    ],
    c: [n(p.pi_c[0]), n(p.pi_c[1])],
  }
}

/**
 * A prover's output as a `ProofResult`, once its public signals are the witness builder's
 * (`expected`): a prover that computed other signals (a corrupted witness generator, a worker
 * answering for another request) must not hand out a proof of something else. Throws
 * `ProofGenerationError` naming the circuit otherwise, or when the output is malformed.
 *
 * @example
 * return proofResult('transfer', await groth16Prove(circuit, witness.input), witness.publicSignals)
 */
export function proofResult(circuit: string, out: SnarkjsProofOutput, expected: readonly bigint[]): ProofResult {
  let result: ProofResult
  try {
    result = { proof: fromSnarkjs(out.proof), publicSignals: out.publicSignals.map((s) => BigInt(s)) }
  } catch (cause) {
    throw new ProofGenerationError(`The ${circuit} prover returned a malformed proof.`, { cause })
  }
  const { publicSignals } = result
  if (publicSignals.length !== expected.length || publicSignals.some((s, i) => s !== expected[i])) {
    throw new ProofGenerationError(`The ${circuit} proof's public signals differ from the witness builder's.`)
  }
  return result
}
