import type { Groth16Proof } from 'snarkjs'
import type { ManifestEntry } from '../circuits/artifacts.ts'

// The messages between the main thread (workerProver.ts) and the prover worker
// (prover.worker.ts). Types only: both sides are bundled for the browser, and this file is
// shared by them.

/** The part of circuits/manifest.json the worker reads: each circuit's artifact hashes. */
export type ArtifactManifest = { circuits: readonly Pick<ManifestEntry, 'name' | 'wasmSha256' | 'zkeySha256'>[] }

/** A circuit input as it crosses to the worker: every signal a decimal string. */
export type WorkerCircuitInput = Record<string, string | readonly unknown[]>

export type ProverRequest =
  | {
      /** echoed in the answer; the main thread numbers its requests */
      id?: number
      type: 'load'
      /** the folder holding `transfer.wasm` and `transfer.zkey`, as an absolute URL */
      artifactsUrl: string
      manifest: ArtifactManifest
      /** the Cache Storage cache the artifacts are kept in (`zkpay-circuits` by default) */
      cache?: string
    }
  | { id: number; type: 'prove'; circuit: 'transfer'; input: WorkerCircuitInput }

/** An error as it crosses back: a stable code from src/errors and its message. */
export type ProverErrorJson = { code: string; message: string; details?: string | undefined }

export type ProverResponse =
  | { id?: number | undefined; type: 'loaded' }
  | { id: number; proof: Groth16Proof; publicSignals: string[] }
  | { id?: number | undefined; error: ProverErrorJson }
