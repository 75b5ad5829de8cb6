import { type ProofResult, proofResult } from '../circuits/proofResult.ts'
import type { CircuitInput, TransferWitness } from '../circuits/witness.ts'
import { BaseError, CircuitArtifactError, InvalidParameterError, ProofGenerationError } from '../errors/index.ts'
import type { ArtifactManifest, ProverErrorJson, ProverRequest, ProverResponse, WorkerCircuitInput } from './protocol.ts'

// The main thread's side of the prover worker (prover.worker.ts). The page only posts messages
// and waits: the seconds of proving happen off its thread.

/** What is used of a DOM `Worker` (the project's lib has no DOM types). */
export type WorkerLike = {
  postMessage(message: ProverRequest): void
  addEventListener(type: 'message' | 'error' | 'messageerror', listener: (event: { data?: unknown; message?: string }) => void): void
  terminate(): void
}

export type WorkerProver = {
  /** A transfer proof for a witness from `buildTransferWitness`, proved in the worker. */
  proveTransfer(witness: TransferWitness): Promise<ProofResult>
  /** Resolves once the artifacts are fetched, checked and loaded; rejects with the load's error. */
  ready(): Promise<void>
  /** Stops the worker; calls still waiting reject. */
  terminate(): void
}

export type CreateWorkerProverParameters = {
  /** a dedicated worker running dist/web/prover.worker.js (`new Worker(url, { type: 'module' })`) */
  worker: WorkerLike
  /** the folder holding transfer.wasm and transfer.zkey; relative URLs resolve against the page */
  artifactsUrl: string | URL
  /** circuits/manifest.json: the artifact hashes the worker checks the downloads against */
  manifest: ArtifactManifest
  /** the Cache Storage cache for the artifacts (the worker's `zkpay-circuits` by default) */
  cache?: string
}

const SHA256_HEX = /^[0-9a-fA-F]{64}$/

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never

/** Every signal as a decimal string: what crosses to the worker (structured clone keeps bigints, but circom's input format is strings). */
function toWorkerInput(input: CircuitInput): WorkerCircuitInput {
  const convert = (x: unknown): unknown => (Array.isArray(x) ? x.map(convert) : typeof x === 'bigint' ? x.toString(10) : x)
  return Object.fromEntries(Object.entries(input).map(([k, v]) => [k, convert(v)])) as WorkerCircuitInput
}

/** The worker's error as the zkpay error of its code. */
function fromJson(error: ProverErrorJson): BaseError {
  const options = { details: error.details }
  if (error.code === 'CIRCUIT_ARTIFACT_INVALID') return new CircuitArtifactError(error.message, options)
  if (error.code === 'PROOF_GENERATION_FAILED') return new ProofGenerationError(error.message, options)
  return new BaseError(error.code, error.message, options)
}

/**
 * A prover running in a dedicated Web Worker: it loads the transfer circuit at once (from Cache
 * Storage when a checked copy is there, else downloading and checking it against `manifest`),
 * then proves with the same checks as `proveTransfer` in Node: the proof's public signals must
 * be the witness builder's, or the call rejects with `ProofGenerationError`. Load failures
 * (`CircuitArtifactError`: a download failed or did not match its hash) reject `ready()` and
 * every proof.
 *
 * @example
 * const prover = createWorkerProver({
 *   worker: new Worker('/web/prover.worker.js', { type: 'module' }),
 *   artifactsUrl: '/circuits/artifacts/',
 *   manifest: await (await fetch('/circuits/manifest.json')).json(),
 * })
 * const { proof, publicSignals } = await prover.proveTransfer(buildTransferWitness({ … }))
 */
export function createWorkerProver(parameters: CreateWorkerProverParameters): WorkerProver {
  const { worker, manifest, cache } = parameters
  if (typeof worker?.postMessage !== 'function' || typeof worker.addEventListener !== 'function') {
    throw new InvalidParameterError('worker', 'a Worker running prover.worker.js')
  }
  const entry = Array.isArray(manifest?.circuits) ? manifest.circuits.find((c) => c?.name === 'transfer') : undefined
  if (!entry || !SHA256_HEX.test(String(entry.wasmSha256)) || !SHA256_HEX.test(String(entry.zkeySha256))) {
    throw new InvalidParameterError('manifest', 'circuits/manifest.json, with the transfer circuit and its wasmSha256 and zkeySha256')
  }
  let artifactsUrl: string
  try {
    // The worker resolves relative URLs against its own script: resolve against the page here.
    artifactsUrl = new URL(parameters.artifactsUrl, (globalThis as { location?: { href: string } }).location?.href).href
  } catch {
    throw new InvalidParameterError('artifactsUrl', 'a URL, absolute or relative to the page', String(parameters.artifactsUrl))
  }

  let nextId = 0
  let stopped: BaseError | undefined
  const pending = new Map<number, { resolve(response: ProverResponse): void; reject(error: BaseError): void }>()
  const stop = (error: BaseError) => {
    stopped ??= error
    for (const { reject } of pending.values()) reject(stopped)
    pending.clear()
  }
  worker.addEventListener('message', (event) => {
    const response = event.data as ProverResponse
    const waiting = typeof response?.id === 'number' ? pending.get(response.id) : undefined
    if (!waiting) return // not ours, or for a call already rejected
    pending.delete(response.id!)
    if ('error' in response) waiting.reject(fromJson(response.error))
    else waiting.resolve(response)
  })
  // A worker that fails to start or throws outside a request answers nothing again.
  worker.addEventListener('error', (event) => stop(new ProofGenerationError('The prover worker stopped.', { details: event.message })))
  worker.addEventListener('messageerror', () => stop(new ProofGenerationError('The prover worker sent a message that could not be read.')))

  const request = (message: WithoutId<ProverRequest>): Promise<ProverResponse> => {
    if (stopped) return Promise.reject(stopped)
    const id = nextId++
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject })
      worker.postMessage({ ...message, id } as ProverRequest)
    })
  }

  const loading = request({ type: 'load', artifactsUrl, manifest: { circuits: manifest.circuits }, ...(cache === undefined ? {} : { cache }) }).then(() => undefined)
  loading.catch(() => undefined) // a failed load rejects ready() and every proof, when asked; not unhandled before

  return {
    ready: () => loading,
    async proveTransfer(witness) {
      if (typeof witness?.input !== 'object' || !Array.isArray(witness.publicSignals) || witness.publicSignals.some((s) => typeof s !== 'bigint')) {
        throw new InvalidParameterError('witness', 'a transfer witness from buildTransferWitness')
      }
      await loading
      const response = await request({ type: 'prove', circuit: 'transfer', input: toWorkerInput(witness.input) })
      if (!('proof' in response)) throw new ProofGenerationError('The prover worker answered a proof request with no proof.')
      return proofResult('transfer', response, witness.publicSignals)
    },
    terminate() {
      worker.terminate()
      stop(new ProofGenerationError('The prover was terminated.'))
    },
  }
}
