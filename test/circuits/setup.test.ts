import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import * as snarkjs from 'snarkjs'
import { afterAll, describe, expect, it } from 'vitest'
import { sha256File } from '../../src/circuits/artifacts.ts'
import { makePtau, phase2 } from '../../src/circuits/setup.ts'
import { terminateProver } from '../../src/index.ts'
import { compileTestCircuit } from '../helpers/circuit.ts'

// The dev setup must be reproducible: the same sources give the same keys on any machine.
// Checked on a small circuit and a 2^10 phase-1 file (the production run takes minutes).
const dirs: string[] = []
const PTAU_10_SHA256 = '8a8201d56092108c7bab9fe7e3f49cd9461c835273024eef9c41f996c16d4672'
afterAll(async () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
  await terminateProver()
})

describe('dev trusted setup', () => {
  it('behavior: phase 1 and phase 2 are deterministic, and their key proves', async () => {
    const circuit = await compileTestCircuit({ name: 'merkle4-l3', include: 'circuits/test/merkle4.circom', main: 'MerkleRoot4FromIndex(3)', publics: [] })
    const [a, b] = [0, 1].map(() => {
      const d = mkdtempSync(path.join(tmpdir(), 'zkpay-setup-'))
      dirs.push(d)
      return d
    }) as [string, string]
    // Phase 1 is checked against its known hash (a second run would cost another half minute).
    const ptau = await makePtau(10, a)
    expect(sha256File(ptau)).toBe(PTAU_10_SHA256)
    await phase2(circuit.r1csPath, ptau, path.join(a, 'k.zkey'), 'test')
    await phase2(circuit.r1csPath, ptau, path.join(b, 'k.zkey'), 'test')
    const [vkA, vkB] = await Promise.all([a, b].map((d) => snarkjs.zKey.exportVerificationKey!(path.join(d, 'k.zkey'))))
    expect(vkA).toEqual(vkB)
    const input = { leaf: 5n, leafIndex: 9n, pathElements: Array.from({ length: 3 }, () => [1n, 2n, 3n]) }
    const { proof, publicSignals } = await snarkjs.groth16.fullProve(input, circuit.wasmPath, path.join(a, 'k.zkey'))
    expect(await snarkjs.groth16.verify(vkA, publicSignals, proof)).toBe(true)
  }, 300_000)
})
