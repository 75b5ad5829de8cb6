import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { compileCircuit } from '../../src/circuits/compile.ts'

// The production mains (16 levels; batch subtrees of height 3). Compiling them takes a
// while on first run; compileCircuit caches the artifacts under .cache/circuits/ by a hash
// of the sources, so later runs only read the manifests.
const COMPILE_TIMEOUT = 20 * 60_000

/** Names of the public signals, wires 1..count, from circom's .sym file (`label,wire,component,name`). */
async function publicSignalNames(symPath: string, count: number): Promise<string[]> {
  const names = new Map<number, string>()
  for (const line of (await readFile(symPath, 'utf8')).split('\n')) {
    const [, wire, , name] = line.split(',')
    const index = Number(wire)
    if (name !== undefined && index >= 1 && index <= count) names.set(index, name)
  }
  return Array.from({ length: count }, (_, i) => names.get(i + 1) ?? `<wire ${i + 1} missing>`)
}

describe('production circuits', () => {
  it(
    'default: transfer (16 levels, 3 outputs) has at most 13,500 constraints and its public signals in protocol order',
    async () => {
      const circuit = await compileCircuit({ source: 'circuits/transfer.circom', outDir: '.cache/circuits/transfer' })
      // 13,000 was the 2-output budget; the fee note's output adds a commitment and a range check (~430).
      expect(circuit.constraints).toBeLessThanOrEqual(13_500)
      expect(circuit.publicOutputs).toBe(0)
      expect(circuit.publicInputs).toBe(9)
      expect(await publicSignalNames(circuit.symPath, 9)).toEqual([
        'main.root',
        'main.publicAmount',
        'main.publicAsset',
        'main.extDataHash',
        'main.inputNullifier[0]',
        'main.inputNullifier[1]',
        'main.outputCommitment[0]',
        'main.outputCommitment[1]',
        'main.outputCommitment[2]',
      ])
    },
    COMPILE_TIMEOUT,
  )

  it(
    'default: batch (16 levels, 64-leaf subtrees) has at most 20,000 constraints and its public signals in protocol order',
    async () => {
      const circuit = await compileCircuit({ source: 'circuits/batch.circom', outDir: '.cache/circuits/batch' })
      expect(circuit.constraints).toBeLessThanOrEqual(20_000)
      expect(circuit.publicOutputs).toBe(0)
      expect(circuit.publicInputs).toBe(3 + 64)
      expect(await publicSignalNames(circuit.symPath, 67)).toEqual([
        'main.oldRoot',
        'main.newRoot',
        'main.startIndex',
        ...Array.from({ length: 64 }, (_, i) => `main.leaves[${i}]`),
      ])
    },
    COMPILE_TIMEOUT,
  )
})

describe('circuits/manifest.json', () => {
  it(
    'default: the circuit sources, the committed artifacts and the Solidity verifying keys agree with the manifest',
    async () => {
      const { readManifest, artifactPaths, sha256File, CIRCUITS } = await import('../../src/circuits/artifacts.ts')
      const manifest = readManifest()
      expect(manifest.circuits.map((c) => c.name).sort()).toEqual(Object.keys(CIRCUITS).sort())
      for (const entry of manifest.circuits) {
        const spec = CIRCUITS[entry.name]
        // Recompiling the sources must give the r1cs the keys were made for: a changed circuit
        // with stale keys would prove nothing the verifier accepts.
        const compiled = await compileCircuit({ source: spec.source, outDir: `.cache/circuits/${entry.name}`, name: entry.name })
        expect(compiled.sourceHash, `${entry.name} sources changed: run npm run setup`).toBe(entry.sourceHash)
        expect(sha256File(compiled.r1csPath)).toBe(entry.r1csSha256)
        expect(compiled.constraints).toBe(entry.constraints)
        const paths = artifactPaths(entry.name)
        expect(sha256File(paths.wasm)).toBe(entry.wasmSha256)
        expect(sha256File(paths.zkey)).toBe(entry.zkeySha256)
        expect(sha256File(paths.vkey)).toBe(entry.vkeySha256)
        const vkey = JSON.parse(await readFile(paths.vkey, 'utf8')) as { nPublic: number }
        expect(vkey.nPublic).toBe(entry.publicInputs)
      }
      // The keys Rollup.sol verifies with are generated from the same verification keys.
      const { renderVerifyingKeys, VERIFYING_KEYS_SOL } = await import('../../src/circuits/solidityKeys.ts')
      expect(await readFile(VERIFYING_KEYS_SOL, 'utf8'), 'run npm run setup').toBe(await renderVerifyingKeys())
    },
    COMPILE_TIMEOUT,
  )
})
