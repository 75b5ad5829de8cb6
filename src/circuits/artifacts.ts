import { BATCH_TRANSFERS } from '../crypto/batch.ts'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { CircuitArtifactError } from '../errors/index.ts'

/** The project root (this file is src/circuits/artifacts.ts). */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/**
 * The production circuits. Their proving keys, witness generators and verification keys are
 * committed under circuits/artifacts/ (with hashes in circuits/manifest.json) so that a fresh
 * clone proves without a trusted-setup run; `npm run setup` regenerates them, identically.
 *
 * @example
 * for (const name of Object.keys(CIRCUITS) as CircuitName[]) console.log(name, CIRCUITS[name].source) // 'transfer', 'batch'
 */
export const CIRCUITS = {
  transfer: { name: 'transfer', source: 'circuits/transfer.circom' },
  // n: transfers per batch (src/crypto/batch.ts)
  batch: { name: 'batch', source: 'circuits/batch.circom', n: BATCH_TRANSFERS },
} as const

export type CircuitName = keyof typeof CIRCUITS

export type ManifestEntry = {
  name: CircuitName
  n?: number
  constraints: number
  publicInputs: number
  sourceHash: string
  r1csSha256: string
  wasmSha256: string
  zkeySha256: string
  vkeySha256: string
}

export type Manifest = {
  /** how the dev keys were made: reproducible, and not secure */
  setup: { ptauPower: number; ptauSha256: string; beacon: string; beaconIterationsExp: number }
  circuits: ManifestEntry[]
}

export const ARTIFACTS_DIR = path.join(projectRoot, 'circuits/artifacts')
export const MANIFEST_PATH = path.join(projectRoot, 'circuits/manifest.json')

/**
 * The files of a circuit in `dir` (circuits/artifacts by default): its witness generator (`wasm`),
 * proving key (`zkey`) and verification key (`vkey`).
 *
 * @example
 * const { wasm, zkey, vkey } = artifactPaths('transfer') // …/circuits/artifacts/transfer.wasm, .zkey, .vkey.json
 */
export function artifactPaths(name: CircuitName, dir = ARTIFACTS_DIR) {
  return {
    wasm: path.join(dir, `${name}.wasm`),
    zkey: path.join(dir, `${name}.zkey`),
    vkey: path.join(dir, `${name}.vkey.json`),
  }
}

export function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex')
}

/**
 * The circuits' manifest (circuits/manifest.json by default): how the dev setup was made, and each
 * circuit's size and artifact hashes. Throws `CircuitArtifactError` when it is missing.
 *
 * @example
 * const transfer = readManifest().circuits.find((c) => c.name === 'transfer') // { constraints, publicInputs, zkeySha256, … }
 */
export function readManifest(file = MANIFEST_PATH): Manifest {
  if (!existsSync(file)) throw new CircuitArtifactError('circuits/manifest.json is missing: run `npm run setup`.', { details: file })
  return JSON.parse(readFileSync(file, 'utf8')) as Manifest
}

const vkeys = new Map<string, unknown>()

/**
 * The verification key of a production circuit (parsed once per folder).
 *
 * @example
 * const vk = loadVerificationKey('batch') as VerificationKey
 */
export function loadVerificationKey(name: CircuitName, dir = ARTIFACTS_DIR): unknown {
  const file = artifactPaths(name, dir).vkey
  let vkey = vkeys.get(file)
  if (!vkey) {
    if (!existsSync(file)) throw new CircuitArtifactError(`The ${name} verification key is missing: run \`npm run setup\`.`, { details: file })
    vkey = JSON.parse(readFileSync(file, 'utf8'))
    vkeys.set(file, vkey)
  }
  return vkey
}
