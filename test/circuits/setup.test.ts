import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import * as snarkjs from 'snarkjs'
import { afterAll, describe, expect, it } from 'vitest'
import { sha256File } from '../../src/circuits/artifacts.ts'
import { ceremonyBeacon, ceremonyContribute, ceremonyInit, ceremonyInstall, ceremonyVerify } from '../../src/circuits/ceremony.ts'
import { makePtau, phase2 } from '../../src/circuits/setup.ts'
import { terminateProver } from '../../src/circuits/index.ts'
import { compileTestCircuit } from '../helpers/circuit.ts'

// The dev setup must be reproducible: the same sources give the same keys on any machine.
// Checked on a one-level tree circuit (one Poseidon, ~300 constraints) and a 2^9 phase-1 file
// (the production run takes minutes).
const dirs: string[] = []
const PTAU_9_SHA256 = 'e2468b234a93fdd223a40a2e7db3b9d8b62c34a57bfb72e36106c7a4e6c45322'
afterAll(async () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
  await terminateProver()
})

describe('dev trusted setup', () => {
  it('behavior: phase 1 and phase 2 are deterministic, and their key proves', async () => {
    const circuit = await compileTestCircuit({ name: 'merkle4-l1', include: 'circuits/test/merkle4.circom', main: 'MerkleRoot4FromIndex(1)', publics: [] })
    const [a, b] = [0, 1].map(() => {
      const d = mkdtempSync(path.join(tmpdir(), 'zkpay-setup-'))
      dirs.push(d)
      return d
    }) as [string, string]
    // Phase 1 is checked against its known hash (a second run would cost another half minute).
    const ptau = await makePtau(9, a)
    expect(sha256File(ptau)).toBe(PTAU_9_SHA256)
    await phase2(circuit.r1csPath, ptau, path.join(a, 'k.zkey'), 'test')
    await phase2(circuit.r1csPath, ptau, path.join(b, 'k.zkey'), 'test')
    const [vkA, vkB] = await Promise.all([a, b].map((d) => snarkjs.zKey.exportVerificationKey!(path.join(d, 'k.zkey'))))
    expect(vkA).toEqual(vkB)
    const input = { leaf: 5n, leafIndex: 2n, pathElements: [[1n, 2n, 3n]] }
    const { proof, publicSignals } = await snarkjs.groth16.fullProve(input, circuit.wasmPath, path.join(a, 'k.zkey'))
    expect(await snarkjs.groth16.verify(vkA, publicSignals, proof)).toBe(true)

    // A ceremony on the same small key: two contributions and a beacon keep a verifiable chain.
    const k0 = path.join(a, 'k0.zkey')
    await snarkjs.zKey.newZKey!(circuit.r1csPath, ptau, k0)
    const h1 = await ceremonyContribute(k0, path.join(a, 'k1.zkey'), { name: 'alice' })
    const h2 = await ceremonyContribute(path.join(a, 'k1.zkey'), path.join(a, 'k2.zkey'), { name: 'bob', entropy: 'dice rolls' })
    expect(h1).toMatch(/^[0-9a-f]{128}$/)
    expect(h2).not.toBe(h1)
    await ceremonyBeacon(path.join(a, 'k2.zkey'), path.join(a, 'k3.zkey'), 'ab'.repeat(32), { iterationsExp: 10 })
    expect(await snarkjs.zKey.verifyFromR1cs!(circuit.r1csPath, ptau, path.join(a, 'k3.zkey'))).toBe(true)
    const vk3 = await snarkjs.zKey.exportVerificationKey!(path.join(a, 'k3.zkey'))
    expect(vk3).not.toEqual(vkA) // contributions change the key
  }, 300_000)

  it('error: ceremony commands name a bad circuit, a missing file or a malformed beacon', async () => {
    const missing = path.join(tmpdir(), 'zkpay-no-such.zkey')
    await expect(ceremonyVerify('mint', missing, { ptau: missing })).rejects.toThrow(expect.objectContaining({ parameter: 'circuit' }))
    await expect(ceremonyVerify('transfer', missing, { ptau: missing })).rejects.toThrow(expect.objectContaining({ parameter: 'zkey' }))
    await expect(ceremonyInit('mint', missing, { ptau: missing })).rejects.toThrow(expect.objectContaining({ parameter: 'circuit' }))
    await expect(ceremonyContribute(missing, missing)).rejects.toThrow(expect.objectContaining({ parameter: 'input' }))
    const existing = path.resolve('circuits/manifest.json')
    await expect(ceremonyBeacon(existing, missing, 'xyz')).rejects.toThrow(expect.objectContaining({ parameter: 'beacon' }))
    await expect(ceremonyBeacon(existing, missing, 'abc')).rejects.toThrow(expect.objectContaining({ parameter: 'beacon' }))
    await expect(ceremonyBeacon(existing, missing, 'abcd', { iterationsExp: 9 })).rejects.toThrow(expect.objectContaining({ parameter: 'iterationsExp' }))
    await expect(ceremonyContribute(existing, missing)).rejects.toThrow() // not a zkey
    await expect(ceremonyInstall('batch', missing, { ptau: missing })).rejects.toThrow(expect.objectContaining({ parameter: 'zkey' }))
  })
})
