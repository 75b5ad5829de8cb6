import { beforeAll, describe, expect, it } from 'vitest'
import { type CompiledCircuit, calculateWitness, compileTestCircuit, initCrypto, MerkleTree } from '../helpers/circuit.ts'

// MerkleRoot4 driven by a leaf index through Num2Bits, exactly as Transfer drives it
// (circuits/test/merkle4.circom), checked against the TypeScript tree at every index of a
// 3-level tree: every position at every level, in every combination.
const LEVELS = 3

let circuit: CompiledCircuit
let tree: MerkleTree

/** The circuit's single output, `root`: witness[1] (outputs come first). */
async function circuitRoot(leaf: bigint, leafIndex: number, pathElements: bigint[][], checkR1cs = false): Promise<bigint> {
  const witness = await calculateWitness(circuit, { leaf, leafIndex, pathElements }, { checkR1cs })
  return witness[1] as bigint
}

beforeAll(async () => {
  await initCrypto()
  circuit = await compileTestCircuit({
    name: `merkle4-l${LEVELS}`,
    include: 'circuits/test/merkle4.circom',
    main: `MerkleRoot4FromIndex(${LEVELS})`,
    publics: [],
  })
  tree = new MerkleTree({ levels: LEVELS })
  tree.insertMany(Array.from({ length: 4 ** LEVELS }, (_, i) => 0xabcdefn * BigInt(i + 1)))
})

describe('MerkleRoot4', () => {
  it('default: matches the TypeScript tree root for every leaf index', async () => {
    for (let index = 0; index < 4 ** LEVELS; index++) {
      const leaf = 0xabcdefn * BigInt(index + 1)
      const { siblings, positions } = tree.path(index)
      expect(positions).toEqual([index % 4, Math.floor(index / 4) % 4, Math.floor(index / 16) % 4])
      // The full R1CS check is slow; run it on a few indices, compare roots on all.
      expect(await circuitRoot(leaf, index, siblings, index % 21 === 0)).toBe(tree.root)
    }
  })

  it('behavior: siblings are ordered left to right around the position', async () => {
    // Index 9 = digits (1, 2, 0): swapping two siblings at level 0 changes the root.
    const { siblings } = tree.path(9)
    const swapped = siblings.map((level) => [...level])
    ;[swapped[0]![0], swapped[0]![1]] = [swapped[0]![1] as bigint, swapped[0]![0] as bigint]
    expect(await circuitRoot(0xabcdefn * 10n, 9, swapped)).not.toBe(tree.root)
  })

  it('behavior: a leaf at the wrong position gives another root', async () => {
    const { siblings } = tree.path(9)
    for (const index of [8, 10, 11, 13, 41]) expect(await circuitRoot(0xabcdefn * 10n, index, siblings)).not.toBe(tree.root)
  })
})
