// Tiny phase-1 (powers of tau) files for ceremony and dev-key tests: seconds to make, at 2^3.
import { randomBytes } from 'node:crypto'
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import * as snarkjs from 'snarkjs'
import { bn128 } from '../../src/circuits/curve.ts'
import { BEACON, BEACON_ITERATIONS_EXP } from '../../src/circuits/setup.ts'

export type TestPtaus = Record<'empty' | 'devRecipe' | 'contributed' | 'contributedBeacon' | 'tampered', string>

/** Byte offset of section `id` in an iden3 binary file (magic, version, section count, then per section: id u32, size u64, data). */
function sectionOffset(bytes: Buffer, id: number): number {
  let o = 12
  for (let i = 0, n = bytes.readUInt32LE(8); i < n; i++) {
    if (bytes.readUInt32LE(o) === id) return o + 12
    o += 12 + Number(bytes.readBigUInt64LE(o + 4))
  }
  throw new Error(`no section ${id}`)
}

/**
 * In `dir`: `empty` (`powersoftau new` only), `devRecipe` (the dev phase 1's recipe of
 * src/circuits/setup.ts: `new`, then the public beacon only), `contributed` (one participant),
 * `contributedBeacon` (a participant, then a beacon: a real ceremony's shape) and `tampered`
 * (that one with τ·G1 replaced by τ²·G1, its contribution list intact).
 */
export async function makeTestPtaus(dir: string): Promise<TestPtaus> {
  const curve = await bn128()
  const f = (name: string) => path.join(dir, `${name}.ptau`)
  const p: TestPtaus = { empty: f('empty'), devRecipe: f('dev-recipe'), contributed: f('contributed'), contributedBeacon: f('contributed-beacon'), tampered: f('tampered') }
  await snarkjs.powersOfTau.newAccumulator!(curve, 3, p.empty)
  await snarkjs.powersOfTau.beacon!(p.empty, p.devRecipe, 'zkpay dev beacon', BEACON, BEACON_ITERATIONS_EXP)
  await snarkjs.powersOfTau.contribute!(p.empty, p.contributed, 'alice', randomBytes(32).toString('hex'))
  await snarkjs.powersOfTau.beacon!(p.contributed, p.contributedBeacon, 'final beacon', 'ab'.repeat(32), 10)
  copyFileSync(p.contributedBeacon, p.tampered)
  const bytes = readFileSync(p.tampered)
  const tauG1 = sectionOffset(bytes, 2)
  bytes.copy(bytes, tauG1 + 64, tauG1 + 2 * 64, tauG1 + 3 * 64)
  writeFileSync(p.tampered, bytes)
  return p
}
