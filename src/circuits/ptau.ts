import { createHash } from 'node:crypto'
import { createReadStream, existsSync } from 'node:fs'
import * as snarkjs from 'snarkjs'
import { PtauError } from '../errors/index.ts'
import { readBinSections, readU32 } from './binFile.ts'
import type { SnarkjsLogger } from './setup.ts'

/** One entry of a phase-1 file's contribution list. */
export type PtauContribution = { name: string | undefined; kind: 'contribution' | 'beacon' }

/** What an operator compares with a ceremony's published record before trusting its phase-1 file. */
export type PtauReport = {
  file: string
  /** the file's SHA-256 and BLAKE2b-512 (the hash the snarkjs README publishes for its files), hex */
  sha256: string
  blake2b512: string
  power: number
  contributions: PtauContribution[]
}

// snarkjs's .ptau layout (powersoftau_utils.js): section 1 is the header, section 7 the list of
// contributions, each tauG1, tauG2, alphaG1, betaG1, betaG2 (G1 points of 2·n8 bytes, G2 of 4·n8),
// the contributor's public key (6 G1 + 3 G2), a 216-byte partial hash, the 64-byte next challenge,
// then `type` (0: a participant's contribution, 1: a beacon) and a list of tagged parameters.
const HEADER = 1
const CONTRIBUTIONS = 7
const POINTS_N8 = 2 + 4 + 2 + 2 + 4 + (6 * 2 + 3 * 4)
const TYPE_BEACON = 1

function invalid(file: string, cause: unknown): PtauError {
  const reason = cause instanceof Error ? cause.message : String(cause)
  return new PtauError('PTAU_INVALID', `The phase-1 file is not a valid snarkjs powers of tau file: ${reason.replace(/\.$/, '')}.`, { details: file, cause })
}

function hashFile(file: string, algorithm: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash(algorithm)
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')))
  })
}

/**
 * Reads a phase-1 file's header and contribution list, and hashes it. Cheap (no curve
 * arithmetic): `checkPtau` runs it before the full verification.
 */
export async function inspectPtau(file: string): Promise<PtauReport> {
  if (typeof file !== 'string' || file === '') throw new PtauError('PTAU_REQUIRED', 'A phase-1 (powers of tau) file is required (--ptau): pass the file of a public ceremony, never the dev one.')
  if (!existsSync(file)) throw new PtauError('PTAU_INVALID', `The phase-1 file ${file} does not exist.`)
  let power: number
  const contributions: PtauContribution[] = []
  try {
    const sections = await readBinSections(file, 'ptau', 1, [HEADER, CONTRIBUTIONS])
    const header = sections.get(HEADER)!
    const n8 = readU32(header, 0)
    power = readU32(header, 4 + n8)
    const list = sections.get(CONTRIBUTIONS)!
    let o = 4
    for (let i = 0, n = readU32(list, 0); i < n; i++) {
      o += POINTS_N8 * n8 + 216 + 64
      const type = readU32(list, o)
      const paramsLength = readU32(list, o + 4)
      o += 8
      const end = o + paramsLength
      let name: string | undefined
      // Parameters are (tag, value): 1 the name (length byte, UTF-8), 2 the beacon's iteration
      // exponent (one byte), 3 the beacon hash (length byte, bytes).
      while (o < end) {
        const tag = list[o++]
        if (tag === 2) o += 1
        else if (tag === 1 || tag === 3) {
          const len = list[o++]!
          if (tag === 1) name = new TextDecoder().decode(list.subarray(o, o + len))
          o += len
        } else throw new Error(`unknown contribution parameter ${tag}`)
      }
      if (o !== end) throw new Error('contribution parameters do not match their length')
      contributions.push({ name, kind: type === TYPE_BEACON ? 'beacon' : 'contribution' })
    }
    if (o !== list.byteLength) throw new Error('the contributions section has trailing bytes')
  } catch (cause) {
    throw invalid(file, cause)
  }
  const [sha256, blake2b512] = await Promise.all([hashFile(file, 'sha256'), hashFile(file, 'blake2b512')])
  return { file, sha256, blake2b512, power, contributions }
}

/**
 * Checks a phase-1 file before a ceremony builds on it: it must hold at least one participant's
 * contribution (a file made only of beacons, like zkpay's dev phase 1, has public secrets τ, α, β,
 * and every key made on it can be forged), and snarkjs's `powersoftau verify` must accept it.
 * Returns its hashes, for the operator to compare with the ones the ceremony published.
 *
 * @example
 * const { sha256 } = await checkPtau('powersOfTau28_hez_final_15.ptau')
 */
export async function checkPtau(file: string, logger?: SnarkjsLogger): Promise<PtauReport> {
  const report = await inspectPtau(file)
  if (!report.contributions.some((c) => c.kind === 'contribution')) {
    const what = report.contributions.length === 0 ? 'no contribution' : "only public beacons, no participant's contribution"
    throw new PtauError(
      'PTAU_BEACON_ONLY',
      `The phase-1 file has ${what}: anyone can recompute its secrets and forge proofs for every key made on it. Use the file of a public ceremony (e.g. the Perpetual Powers of Tau).`,
      { details: file },
    )
  }
  let ok: boolean
  try {
    ok = await snarkjs.powersOfTau.verify!(file, logger)
  } catch (cause) {
    throw invalid(file, cause)
  }
  if (!ok) throw new PtauError('PTAU_INVALID', 'The phase-1 file does not verify (snarkjs powersoftau verify): its contribution chain is broken or it was altered.', { details: file })
  return report
}
