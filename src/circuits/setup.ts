import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import * as snarkjs from 'snarkjs'
import { ARTIFACTS_DIR, artifactPaths, CIRCUITS, type CircuitName, MANIFEST_PATH, type Manifest, type ManifestEntry, projectRoot, sha256File } from './artifacts.ts'
import { compileCircuit } from './compile.ts'
import { VERIFYING_KEYS_SOL, writeVerifyingKeys } from './solidityKeys.ts'

/**
 * The dev trusted setup, reproducible bit for bit: phase 1 is a fresh powers of tau finished
 * by a beacon, phase 2 is `zkey new` finished by a beacon, and both beacons are public
 * constants. Anyone can rerun it and get the same keys, which is exactly why it is not
 * secure: whoever knows the beacon knows the toxic waste. Production keys come from
 * `zkpay ceremony` (contributions by many parties, then a beacon).
 */
export const PTAU_POWER = 15
export const BEACON = '7a6b7061792d6465762d7365747570' // "zkpay-dev-setup"
export const BEACON_ITERATIONS_EXP = 10

const CACHE = path.join(projectRoot, '.cache')

export type SetupProgress = (stage: string, detail?: string) => void
/** snarkjs's logger: receives its step-by-step messages (progress counters). */
export type SnarkjsLogger = { info(m: string): void; debug(m: string): void; warn(m: string): void; error(m: string): void }

/**
 * Phase 1 (cached in .cache/ptau): `powersoftau new` → `beacon` → `prepare phase2`. The last
 * step is the slow one (about 10 minutes for 2^15 on two cores); it runs once per machine.
 */
export async function ensurePtau(progress: SetupProgress = () => {}, logger?: SnarkjsLogger): Promise<string> {
  return makePtau(PTAU_POWER, path.join(CACHE, 'ptau'), progress, logger)
}

/** A deterministic phase-1 file of 2^power in `dir` (kept: made only when missing). */
export async function makePtau(power: number, dir: string, progress: SetupProgress = () => {}, logger?: SnarkjsLogger): Promise<string> {
  const final = path.join(dir, `pot${power}_final.ptau`)
  if (existsSync(final)) return final
  mkdirSync(dir, { recursive: true })
  const p0 = path.join(dir, `pot${power}_0000.ptau`)
  const p1 = path.join(dir, `pot${power}_beacon.ptau`)
  progress('ptau', `powers of tau 2^${power}: new`)
  await snarkjs.powersOfTau.newAccumulator!(await curve(), power, p0, logger)
  progress('ptau', 'beacon')
  await snarkjs.powersOfTau.beacon!(p0, p1, 'zkpay dev beacon', BEACON, BEACON_ITERATIONS_EXP, logger)
  progress('ptau', 'prepare phase 2 (the slow step: minutes)')
  await snarkjs.powersOfTau.preparePhase2!(p1, `${final}.tmp`, logger)
  renameSync(`${final}.tmp`, final)
  rmSync(p0)
  return final
}

/** Phase 2 of one circuit: `zkey new`, then the beacon. Deterministic for a given r1cs and ptau. */
export async function phase2(r1cs: string, ptau: string, out: string, name: string, logger?: SnarkjsLogger): Promise<void> {
  const zkey0 = `${out}.0000`
  await snarkjs.zKey.newZKey!(r1cs, ptau, zkey0, logger)
  await snarkjs.zKey.beacon!(zkey0, out, `zkpay dev ${name}`, BEACON, BEACON_ITERATIONS_EXP, logger)
  rmSync(zkey0)
}

async function curve() {
  const { bn128 } = await import('./curve.ts')
  return bn128()
}

/**
 * Builds one production circuit: compile, phase 2 with the beacon, export the verification key,
 * copy the artifacts the runtime needs into circuits/artifacts/.
 */
export async function setupCircuit(name: CircuitName, ptau: string, progress: SetupProgress = () => {}, logger?: SnarkjsLogger): Promise<ManifestEntry> {
  const spec = CIRCUITS[name]
  progress(name, 'compiling with circom2 --O2')
  const compiled = await compileCircuit({ source: spec.source, outDir: path.join(CACHE, 'circuits', name), name })
  const out = artifactPaths(name)
  mkdirSync(ARTIFACTS_DIR, { recursive: true })
  progress(name, `phase 2: zkey new and beacon (${compiled.constraints} constraints)`)
  await phase2(compiled.r1csPath, ptau, out.zkey, name, logger)
  const vkey = await snarkjs.zKey.exportVerificationKey!(out.zkey)
  writeFileSync(out.vkey, `${JSON.stringify(vkey, null, 1)}\n`)
  copyFileSync(compiled.wasmPath, out.wasm)
  return {
    name,
    ...('n' in spec ? { n: spec.n } : {}),
    constraints: compiled.constraints,
    publicInputs: compiled.publicInputs,
    sourceHash: compiled.sourceHash,
    r1csSha256: sha256File(compiled.r1csPath),
    wasmSha256: sha256File(out.wasm),
    zkeySha256: sha256File(out.zkey),
    vkeySha256: sha256File(out.vkey),
  }
}

/** `npm run setup`: phase 1 if not cached, then every production circuit, then the manifest. */
export async function setup(progress: SetupProgress = () => {}, logger?: SnarkjsLogger): Promise<Manifest> {
  const ptau = await ensurePtau(progress, logger)
  const circuits: ManifestEntry[] = []
  for (const name of Object.keys(CIRCUITS) as CircuitName[]) circuits.push(await setupCircuit(name, ptau, progress, logger))
  const manifest: Manifest = {
    setup: { ptauPower: PTAU_POWER, ptauSha256: sha256File(ptau), beacon: BEACON, beaconIterationsExp: BEACON_ITERATIONS_EXP },
    circuits,
  }
  writeFileSync(MANIFEST_PATH, `${JSON.stringify(manifest, null, 2)}\n`)
  progress('contracts', `writing ${VERIFYING_KEYS_SOL}`)
  await writeVerifyingKeys()
  const c = (await curve()) as { terminate?: () => Promise<void> }
  await c.terminate?.()
  return manifest
}
