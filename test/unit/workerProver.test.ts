import { describe, expect, it } from 'vitest'
import type { ProverRequest, ProverResponse } from '../../src/browser/protocol.ts'
import { createWorkerProver, type WorkerLike } from '../../src/browser/workerProver.ts'
import type { TransferWitness } from '../../src/circuits/witness.ts'

// The main thread's side of the prover worker against a scripted worker: what it sends, and how
// it turns answers into results and errors. Real proofs in a real worker:
// test/e2e/browserProver.test.ts.

const manifest = { circuits: [{ name: 'transfer' as const, wasmSha256: 'a'.repeat(64), zkeySha256: 'b'.repeat(64) }] }
const witness = { input: { root: 5n, inPathElements: [[1n, 2n]] }, publicSignals: [5n, 7n], nullifiers: [0n, 0n], commitments: [] } as unknown as TransferWitness
const snarkProof = { pi_a: ['1', '2', '1'], pi_b: [['3', '4'], ['5', '6'], ['1', '0']], pi_c: ['7', '8', '1'], protocol: 'groth16', curve: 'bn128' }

/** A worker whose answers `answer` decides (undefined: no answer yet). */
function scriptedWorker(answer: (request: ProverRequest) => ProverResponse | undefined) {
  const listeners = new Map<string, ((event: { data?: unknown; message?: string }) => void)[]>()
  const sent: ProverRequest[] = []
  let terminated = false
  const emit = (type: string, event: { data?: unknown; message?: string }) => listeners.get(type)?.forEach((l) => l(event))
  const worker: WorkerLike = {
    postMessage(message) {
      sent.push(structuredClone(message))
      const response = answer(message)
      if (response) queueMicrotask(() => emit('message', { data: response }))
    },
    addEventListener(type, listener) {
      listeners.set(type, [...(listeners.get(type) ?? []), listener])
    },
    terminate: () => void (terminated = true),
  }
  return { worker, sent, emit, terminated: () => terminated }
}

const loads = (r: ProverRequest): ProverResponse | undefined => (r.type === 'load' ? { id: r.id, type: 'loaded' } : undefined)

describe('createWorkerProver', () => {
  it('default: loads with an absolute artifacts URL, sends the input as decimal strings, converts the proof (B limbs swapped for the EVM)', async () => {
    const w = scriptedWorker((r) => loads(r) ?? { id: r.id!, proof: snarkProof, publicSignals: ['5', '7'] })
    const prover = createWorkerProver({ worker: w.worker, artifactsUrl: 'https://app.example/circuits/', manifest })
    await prover.ready()
    expect(w.sent[0]).toEqual({ id: 0, type: 'load', artifactsUrl: 'https://app.example/circuits/', manifest })
    const result = await prover.proveTransfer(witness)
    expect(w.sent[1]).toEqual({ id: 1, type: 'prove', circuit: 'transfer', input: { root: '5', inPathElements: [['1', '2']] } })
    expect(result).toEqual({ proof: { a: [1n, 2n], b: [[4n, 3n], [6n, 5n]], c: [7n, 8n] }, publicSignals: [5n, 7n] })
  })

  it("error: public signals other than the witness builder's are PROOF_GENERATION_FAILED", async () => {
    const w = scriptedWorker((r) => loads(r) ?? { id: r.id!, proof: snarkProof, publicSignals: ['5', '8'] })
    const prover = createWorkerProver({ worker: w.worker, artifactsUrl: 'https://app.example/c/', manifest })
    await expect(prover.proveTransfer(witness)).rejects.toMatchObject({ name: 'ProofGenerationError', code: 'PROOF_GENERATION_FAILED', shortMessage: "The transfer proof's public signals differ from the witness builder's." })
  })

  it('error: a failed load rejects ready() and every proof with its own error (CIRCUIT_ARTIFACT_INVALID), and no proof is asked for', async () => {
    const w = scriptedWorker((r) => ({ id: r.id, error: { code: 'CIRCUIT_ARTIFACT_INVALID', message: 'The circuit artifact transfer.zkey does not match the manifest: refusing to use it.' } }))
    const prover = createWorkerProver({ worker: w.worker, artifactsUrl: 'https://app.example/c/', manifest })
    await expect(prover.ready()).rejects.toMatchObject({ name: 'CircuitArtifactError', code: 'CIRCUIT_ARTIFACT_INVALID' })
    await expect(prover.proveTransfer(witness)).rejects.toMatchObject({ code: 'CIRCUIT_ARTIFACT_INVALID' })
    expect(w.sent.map((r) => r.type)).toEqual(['load'])
  })

  it('error: the worker failing or being terminated rejects the calls waiting on it', async () => {
    const w = scriptedWorker(loads) // loads, never answers a proof
    const prover = createWorkerProver({ worker: w.worker, artifactsUrl: 'https://app.example/c/', manifest })
    await prover.ready()
    const waiting = prover.proveTransfer(witness)
    await new Promise((resolve) => setTimeout(resolve, 0))
    w.emit('error', { message: 'Uncaught RangeError: out of memory' })
    await expect(waiting).rejects.toMatchObject({ code: 'PROOF_GENERATION_FAILED', shortMessage: 'The prover worker stopped.', details: 'Uncaught RangeError: out of memory' })
    await expect(prover.proveTransfer(witness)).rejects.toMatchObject({ shortMessage: 'The prover worker stopped.' })

    const w2 = scriptedWorker(loads)
    const prover2 = createWorkerProver({ worker: w2.worker, artifactsUrl: 'https://app.example/c/', manifest })
    await prover2.ready()
    const pending = prover2.proveTransfer(witness)
    await new Promise((resolve) => setTimeout(resolve, 0))
    prover2.terminate()
    expect(w2.terminated()).toBe(true)
    await expect(pending).rejects.toMatchObject({ code: 'PROOF_GENERATION_FAILED', shortMessage: 'The prover was terminated.' })
  })

  it('args: a worker, a manifest with the transfer hashes, a URL and a witness are required, each named', async () => {
    const { worker } = scriptedWorker(loads)
    expect(() => createWorkerProver({ worker: {} as WorkerLike, artifactsUrl: 'https://a/', manifest })).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER', parameter: 'worker' }))
    expect(() => createWorkerProver({ worker, artifactsUrl: 'https://a/', manifest: { circuits: [] } })).toThrow(expect.objectContaining({ parameter: 'manifest' }))
    expect(() => createWorkerProver({ worker, artifactsUrl: 'https://a/', manifest: { circuits: [{ ...manifest.circuits[0]!, zkeySha256: 'zz' }] } })).toThrow(expect.objectContaining({ parameter: 'manifest' }))
    // No page to resolve against (Node): a relative URL is refused.
    expect(() => createWorkerProver({ worker, artifactsUrl: '/circuits/', manifest })).toThrow(expect.objectContaining({ parameter: 'artifactsUrl' }))
    const prover = createWorkerProver({ worker, artifactsUrl: 'https://a/', manifest })
    await expect(prover.proveTransfer({ input: {}, publicSignals: ['5'] } as unknown as TransferWitness)).rejects.toMatchObject({ parameter: 'witness' })
  })
})
