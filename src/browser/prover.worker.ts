import { groth16Prove, type LoadedCircuit, loadCircuitFromBytes, startProver } from '../circuits/groth16.ts'
import { MsmPoolError } from '../circuits/msmPool.ts'
import { BaseError, CircuitArtifactError, InvalidParameterError, ProofGenerationError } from '../errors/index.ts'
import { ARTIFACT_CACHE, fetchArtifact } from './artifacts.ts'
import type { ProverErrorJson, ProverRequest, ProverResponse } from './protocol.ts'

// The prover as a dedicated Web Worker (bundled by scripts/buildWeb.mjs into
// dist/web/prover.worker.js): proving takes seconds of CPU that must not freeze the page. The
// witness generator runs here; FFTs run on ffjavascript's own workers and multi-exponentiations
// on msmPool.ts's, which hold the proving key's points (each starts one worker per core from here).
//
// Protocol (protocol.ts): `load` fetches, checks and keeps the transfer circuit; `prove` answers
// `{ id, proof, publicSignals }` in snarkjs's shape, or `{ id, error: { code, message } }`.
// The main thread (workerProver.ts) checks the public signals; this side trusts nothing either:
// the artifacts are checked against the manifest's hashes before use.

type WorkerScope = {
  postMessage(message: ProverResponse): void
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
}
const scope = globalThis as unknown as WorkerScope

let circuit: Promise<LoadedCircuit> | undefined

/**
 * Proofs run one after another: the witness generator is one wasm instance, and two witness
 * computations interleaved at an `await` would corrupt each other (as in prove.ts).
 */
let queue: Promise<unknown> = Promise.resolve()
function oneAtATime<T>(job: () => Promise<T>): Promise<T> {
  const run = queue.then(job, job)
  queue = run.catch(() => undefined)
  return run
}

async function load(request: Extract<ProverRequest, { type: 'load' }>): Promise<LoadedCircuit> {
  const entry = request.manifest?.circuits?.find((c) => c.name === 'transfer')
  if (!entry) throw new CircuitArtifactError('The manifest has no transfer circuit.')
  const base = request.artifactsUrl.endsWith('/') ? request.artifactsUrl : `${request.artifactsUrl}/`
  const options = { cache: request.cache ?? ARTIFACT_CACHE }
  // The curve's threads and the multi-exponentiation pool start while the artifacts download.
  // A failure here is met again, and reported, by loadCircuitFromBytes.
  const started = startProver().catch(() => undefined)
  // Both downloads settle before an answer: a good artifact beside a refused one is cached by
  // then, so the next visit fetches only the refused one.
  const settled = await Promise.allSettled([
    fetchArtifact(new URL('transfer.wasm', base).href, entry.wasmSha256, options),
    fetchArtifact(new URL('transfer.zkey', base).href, entry.zkeySha256, options),
  ])
  const refused = settled.find((s) => s.status === 'rejected')
  if (refused) throw refused.reason
  const [wasm, zkey] = settled.map((s) => (s as PromiseFulfilledResult<Uint8Array>).value) as [Uint8Array, Uint8Array]
  await started
  try {
    return await loadCircuitFromBytes(wasm, zkey, { name: 'transfer.zkey' })
  } catch (cause) {
    if (cause instanceof BaseError) throw cause
    throw new CircuitArtifactError('The transfer circuit could not be loaded from its artifacts.', { details: String(cause), cause })
  }
}

function errorJson(error: unknown): ProverErrorJson {
  if (error instanceof BaseError) return { code: error.code, message: error.shortMessage, details: error.details }
  return { code: 'PROOF_GENERATION_FAILED', message: 'The prover worker failed.', details: error instanceof Error ? error.message : String(error) }
}

async function handle(request: ProverRequest): Promise<ProverResponse> {
  if (request?.type === 'load') {
    circuit = load(request)
    await circuit
    return { id: request.id, type: 'loaded' }
  }
  if (request?.type === 'prove') {
    if (request.circuit !== 'transfer') throw new InvalidParameterError('circuit', "'transfer', the one circuit this worker proves", String(request.circuit))
    if (!circuit) throw new CircuitArtifactError('The prover worker has no circuit loaded: send it a load message first.')
    const loaded = await circuit
    try {
      const out = await oneAtATime(() => groth16Prove(loaded, request.input))
      return { id: request.id, proof: out.proof, publicSignals: out.publicSignals }
    } catch (cause) {
      // circom's assertion message names the template whose constraint failed: its first line.
      const reason = cause instanceof Error ? cause.message.split('\n')[0] : String(cause)
      if (cause instanceof MsmPoolError) throw new ProofGenerationError("The prover's worker threads failed: try again.", { details: reason, cause })
      throw new ProofGenerationError('The transfer inputs do not satisfy the circuit.', { details: reason, cause })
    }
  }
  throw new InvalidParameterError('type', "'load' or 'prove'", String((request as { type?: unknown })?.type))
}

scope.addEventListener('message', (event) => {
  const request = event.data as ProverRequest
  handle(request).then(
    (response) => scope.postMessage(response),
    (error: unknown) => scope.postMessage({ id: request?.id, error: errorJson(error) }),
  )
})
