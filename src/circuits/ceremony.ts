import { randomBytes } from 'node:crypto'
import { copyFileSync, existsSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import * as snarkjs from 'snarkjs'
import { CircuitArtifactError, InvalidParameterError } from '../errors/index.ts'
import { artifactPaths, CIRCUITS, type CircuitName, MANIFEST_PATH, projectRoot, readManifest, sha256File } from './artifacts.ts'
import { compileCircuit } from './compile.ts'
import { checkPtau, type PtauReport } from './ptau.ts'
import type { SnarkjsLogger } from './setup.ts'
import { writeVerifyingKeys } from './solidityKeys.ts'

/**
 * A multi-party phase-2 ceremony around snarkjs, to replace the dev keys in production:
 * `init` makes the first proving key from the circuit and the phase-1 file; each participant
 * `contribute`s (their entropy is destroyed with their process: one honest participant makes
 * the keys safe); anyone can `verify` the chain of contributions against the circuit; a final
 * `beacon` (a public random value chosen in advance) closes it; `install` puts the result in
 * place of the committed artifacts. The phase-1 file is required and must come from a public
 * ceremony (for example the Perpetual Powers of Tau): a phase-2 contribution changes only δ, so
 * keys made on a phase 1 whose secrets are known (the dev one, finished by a public beacon only)
 * stay forgeable whoever contributes. `init`, `verify` and `install` therefore check it first
 * (`checkPtau`: a participant's contribution, `powersoftau verify`) and return its hashes, for the
 * operator to compare with the published ones.
 */

export type CeremonyPtauOptions = {
  /** the phase-1 (powers of tau) file of a public ceremony; required */
  ptau: string
  logger?: SnarkjsLogger
}


function checkCircuit(circuit: string): CircuitName {
  if (!(circuit in CIRCUITS)) throw new InvalidParameterError('circuit', `expected one of ${Object.keys(CIRCUITS).join(', ')}`)
  return circuit as CircuitName
}

function checkFile(file: string, parameter: string): void {
  if (!existsSync(file)) throw new InvalidParameterError(parameter, `no such file: ${file}`)
}

async function compiled(name: CircuitName) {
  return compileCircuit({ source: CIRCUITS[name].source, outDir: path.join(projectRoot, '.cache/circuits', name), name })
}

/** The first (contribution-free) proving key of a circuit, on a checked phase-1 file. */
export async function ceremonyInit(circuit: string, out: string, options: CeremonyPtauOptions): Promise<{ ptau: PtauReport }> {
  const name = checkCircuit(circuit)
  const ptau = await checkPtau(options?.ptau, options?.logger)
  await snarkjs.zKey.newZKey!((await compiled(name)).r1csPath, ptau.file, out, options?.logger)
  return { ptau }
}

/** Adds one participant's contribution; returns its hash, which the participant publishes. */
export async function ceremonyContribute(input: string, out: string, options: { name?: string; entropy?: string; logger?: SnarkjsLogger } = {}): Promise<string> {
  checkFile(input, 'input')
  const entropy = options.entropy ?? randomBytes(64).toString('hex')
  const hash: Uint8Array | false = await snarkjs.zKey.contribute!(input, out, options.name ?? 'zkpay participant', entropy, options.logger)
  if (!hash) throw new CircuitArtifactError('The contribution could not be made: the input is not a valid proving key.', { details: input })
  return Buffer.from(hash).toString('hex')
}

/** Applies the closing beacon (a public value fixed before the ceremony, e.g. a future block hash). */
export async function ceremonyBeacon(input: string, out: string, beaconHex: string, options: { iterationsExp?: number; name?: string; logger?: SnarkjsLogger } = {}): Promise<void> {
  checkFile(input, 'input')
  if (!/^[0-9a-fA-F]{2,}$/.test(beaconHex) || beaconHex.length % 2 !== 0) throw new InvalidParameterError('beacon', 'expected an even number of hex digits')
  const exp = options.iterationsExp ?? 10
  if (!Number.isInteger(exp) || exp < 10 || exp > 63) throw new InvalidParameterError('iterationsExp', 'expected an integer from 10 to 63')
  // snarkjs reports some failures by returning false instead of throwing
  const ok = await snarkjs.zKey.beacon!(input, out, options.name ?? 'zkpay final beacon', beaconHex, exp, options.logger)
  if (ok === false) throw new CircuitArtifactError('The beacon could not be applied to this proving key.', { details: input })
}

/**
 * Checks the phase-1 file, then that a proving key belongs to the circuit and that phase-1 file,
 * and every contribution in it.
 */
export async function ceremonyVerify(circuit: string, zkey: string, options: CeremonyPtauOptions): Promise<{ valid: boolean; ptau: PtauReport }> {
  const name = checkCircuit(circuit)
  checkFile(zkey, 'zkey')
  const ptau = await checkPtau(options?.ptau, options?.logger)
  const valid: boolean = await snarkjs.zKey.verifyFromR1cs!((await compiled(name)).r1csPath, ptau.file, zkey, options?.logger)
  return { valid, ptau }
}

/**
 * Installs a verified ceremony result as the circuit's proving key: copies it over the committed
 * artifact, exports the verification key, updates the manifest and regenerates the Solidity
 * verifying keys (contracts/verifiers/VerifyingKeys.sol): Rollup.sol must then be redeployed.
 */
export async function ceremonyInstall(circuit: string, zkey: string, options: CeremonyPtauOptions): Promise<{ ptau: PtauReport }> {
  const name = checkCircuit(circuit)
  const { valid, ptau } = await ceremonyVerify(name, zkey, options)
  if (!valid) throw new CircuitArtifactError('The proving key does not verify against the circuit: not installed.')
  const paths = artifactPaths(name)
  copyFileSync(zkey, paths.zkey)
  writeFileSync(paths.vkey, `${JSON.stringify(await snarkjs.zKey.exportVerificationKey!(paths.zkey), null, 1)}\n`)
  const manifest = readManifest()
  const entry = manifest.circuits.find((c) => c.name === name)
  if (entry) {
    entry.zkeySha256 = sha256File(paths.zkey)
    entry.vkeySha256 = sha256File(paths.vkey)
  }
  writeFileSync(MANIFEST_PATH, `${JSON.stringify(manifest, null, 2)}\n`)
  await writeVerifyingKeys()
  return { ptau }
}
