import { existsSync } from 'node:fs'
import { CircuitArtifactError, ProofGenerationError } from '../errors/index.ts'
import { type CircuitName, artifactPaths } from './artifacts.ts'
import { terminateCurve } from './curve.ts'
import { groth16Prove, type LoadedCircuit, loadCircuit } from './groth16Prover.ts'
import { type Proof, type ProofResult, proofResult, type SnarkjsProofOutput } from './proofResult.ts'
import { MsmPoolError } from './msmPool.ts'
import { verifyProofs } from './verifyProofs.ts'
import type { BatchWitness, CircuitInput, TransferWitness } from './witness.ts'

export type { Proof, ProofResult } from './proofResult.ts'

/**
 * Proves with the in-memory Groth16 prover (groth16Prover.ts): witness generation (the
 * circuit's wasm) on the calling thread, FFTs and multi-exponentiations on ffjavascript's
 * worker threads (one per core). Rejects with PROOF_GENERATION_FAILED when the inputs
 * violate a constraint.
 */
const loaded = new Map<CircuitName, Promise<LoadedCircuit>>()

/**
 * Throws CIRCUIT_ARTIFACT_INVALID unless the circuit's witness generator and proving key are
 * installed: what a prover needs before it can take a job.
 *
 * @example
 * assertProvingArtifacts('batch') // throws 'The batch proving artifacts are missing: run `npm run setup`.'
 */
export function assertProvingArtifacts(name: CircuitName): void {
  const paths = artifactPaths(name)
  for (const file of [paths.wasm, paths.zkey]) {
    if (!existsSync(file)) throw new CircuitArtifactError(`The ${name} proving artifacts are missing: run \`npm run setup\`.`, { details: file })
  }
}

/** The circuit's witness generator and proving key, read once per process. */
function circuit(name: CircuitName): Promise<LoadedCircuit> {
  let c = loaded.get(name)
  if (!c) {
    assertProvingArtifacts(name)
    const paths = artifactPaths(name)
    c = loadCircuit(paths.wasm, paths.zkey)
    c.catch(() => loaded.delete(name))
    loaded.set(name, c)
  }
  return c
}

/**
 * Proofs of one circuit run one at a time: its witness generator is one wasm instance whose
 * memory two interleaved witness computations would corrupt (seen as wrong public signals when
 * a wallet proved three deposits at once). Parallel proofs would not be faster anyway: each
 * already uses every core for its multi-exponentiations.
 */
const queues = new Map<CircuitName, Promise<unknown>>()

function oneAtATime<T>(name: CircuitName, job: () => Promise<T>): Promise<T> {
  const run = (queues.get(name) ?? Promise.resolve()).then(job, job)
  queues.set(
    name,
    run.catch(() => undefined),
  )
  return run
}

async function prove(name: CircuitName, input: CircuitInput, expected: bigint[]): Promise<ProofResult> {
  const c = await circuit(name)
  let out: SnarkjsProofOutput
  try {
    out = await oneAtATime(name, () => groth16Prove(c, input))
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message.split('\n')[0] : String(cause)
    if (cause instanceof MsmPoolError) throw new ProofGenerationError(`The ${name} prover's worker threads failed: try again.`, { details: reason, cause })
    throw new ProofGenerationError(`The ${name} inputs do not satisfy the circuit.`, { details: reason, cause })
  }
  return proofResult(name, out, expected)
}

/**
 * A transfer proof for a witness from `buildTransferWitness`.
 *
 * @example
 * const { proof, publicSignals } = await proveTransfer(buildTransferWitness({ … }))
 */
export function proveTransfer(witness: TransferWitness): Promise<ProofResult> {
  return prove('transfer', witness.input, witness.publicSignals)
}

/**
 * A batch (tree append) proof for a witness from `buildBatchWitness`.
 *
 * @example
 * const { proof } = await proveBatch(buildBatchWitness(tree, commitments))
 */
export function proveBatch(witness: BatchWitness): Promise<ProofResult> {
  return prove('batch', witness.input, witness.publicSignals)
}

/**
 * Checks a transfer proof against its public signals (root, publicAmount, publicAsset,
 * extDataHash, nf[2], cm[2]), accepting exactly what Rollup.sol accepts (see `verifyProofs`).
 *
 * @example
 * const valid = await verifyTransfer(tx.proof, transferPublicSignals(tx))
 */
export function verifyTransfer(proof: Proof, publicSignals: readonly bigint[]): Promise<boolean> {
  return verifyProofs('transfer', [{ proof, publicSignals }])
}

/**
 * Checks a batch proof against its public signals (oldRoot, newRoot, startIndex, leaves), as Rollup.sol does.
 *
 * @example
 * if (!(await verifyBatch(proof, witness.publicSignals))) throw new Error('the batch proof does not verify')
 */
export function verifyBatch(proof: Proof, publicSignals: readonly bigint[]): Promise<boolean> {
  return verifyProofs('batch', [{ proof, publicSignals }])
}

/**
 * Stops snarkjs's worker threads (its shared bn128 curve) so that Node can exit. Proving after
 * this starts them again.
 *
 * @example
 * afterAll(() => terminateProver())
 */
export async function terminateProver(): Promise<void> {
  loaded.clear() // the loaded keys hold points of the terminated curve
  await terminateCurve()
}
