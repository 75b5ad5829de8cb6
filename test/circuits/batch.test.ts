import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  FIELD_SIZE,
  type CircuitInput,
  type CompiledCircuit,
  calculateWitness,
  compileTestCircuit,
  failureAt,
  initCrypto,
  lineOf,
  MerkleTree,
  projectRoot,
  publicSignals,
  satisfiesR1cs,
  zeroHashes,
} from '../helpers/circuit.ts'
import { naiveRoot } from '../helpers/naiveTree.ts'

// Small instances of the production template (BatchAppend(16, 3)): a 4-level tree (256
// leaves) with subtrees of height 1 (4 leaves) and 2 (16 leaves).
const LEVELS = 4
const SOURCE = 'circuits/lib/batch.circom'
const PUBLICS = ['oldRoot', 'newRoot', 'startIndex', 'leaves'] as const

const circuits: Record<1 | 2, CompiledCircuit> = {} as Record<1 | 2, CompiledCircuit>
let at: Record<'alignment' | 'range' | 'empty' | 'newRoot', RegExp>

function treeOf(leaves: readonly bigint[]): MerkleTree {
  const tree = new MerkleTree({ levels: LEVELS })
  tree.insertMany(leaves)
  return tree
}

/** Distinct non-zero leaves, as commitments would be. */
function commitments(count: number, seed: number): bigint[] {
  return Array.from({ length: count }, (_, i) => BigInt(seed) * 1_000_003n + BigInt(i) + 1n)
}

/**
 * An honest batch: `existing` leaves are in the tree, `batch` (already zero-padded to the
 * subtree width) is written at `startIndex`; the path is the subtree root's path.
 */
function batchInput(height: 1 | 2, existing: readonly bigint[], startIndex: number, batch: readonly bigint[]): CircuitInput {
  const width = 4 ** height
  if (batch.length !== width) throw new Error('pad the batch to the subtree width')
  const after = [...existing]
  for (let i = 0; i < width; i++) after[startIndex + i] = batch[i] as bigint
  for (let i = 0; i < startIndex; i++) after[i] ??= 0n // empty leaves are 0
  const afterTree = treeOf(after)
  return {
    oldRoot: treeOf(existing).root,
    newRoot: afterTree.root,
    startIndex,
    leaves: batch,
    // Above the subtree the path is the same before and after: nothing outside it changes.
    pathElements: afterTree.path(startIndex).siblings.slice(height),
  }
}

function padded(leaves: readonly bigint[], width: number): bigint[] {
  return [...leaves, ...Array<bigint>(width - leaves.length).fill(0n)]
}

beforeAll(async () => {
  await initCrypto()
  for (const height of [1, 2] as const) {
    circuits[height] = await compileTestCircuit({ name: `batch-l${LEVELS}-h${height}`, include: SOURCE, main: `BatchAppend(${LEVELS}, ${height})`, publics: PUBLICS })
  }
  const frame = async (text: string) => failureAt('BatchAppend', await lineOf(SOURCE, text))
  at = {
    alignment: await frame('startIndex === subtreeIndex * width;'),
    range: await frame('subtreeIndexBits.in <== subtreeIndex;'),
    empty: await frame('before.root === oldRoot;'),
    newRoot: await frame('after.root === newRoot;'),
  }
})

/**
 * The circuit accepts `input`, and its public signals are the old root of the leaves before
 * the batch and the new root of `after`, both from the naive recursive tree (not the
 * MerkleTree the input was built with), then the start index and the batch's leaves.
 */
async function expectAccepted(height: 1 | 2, input: CircuitInput, after: readonly bigint[]): Promise<void> {
  const start = Number(input.startIndex)
  const witness = await calculateWitness(circuits[height], input)
  expect(publicSignals(circuits[height], witness)).toEqual([naiveRoot(after.slice(0, start), LEVELS), naiveRoot(after, LEVELS), BigInt(start), ...(input.leaves as bigint[])])
}

describe('zeroNode4', () => {
  it('default: the constant table equals H over empty subtrees for all 16 levels', async () => {
    const source = await readFile(path.join(projectRoot, 'circuits/lib/merkle4.circom'), 'utf8')
    const table = /var zeros\[17\] = \[([^\]]*)\];/.exec(source)?.[1]
    expect(table).toBeDefined()
    const constants = (table as string).split(',').map((x) => BigInt(x.trim()))
    expect(constants).toEqual(zeroHashes(16))
  })
})

describe('BatchAppend', () => {
  it('default: a full batch at index 0 of an empty tree', async () => {
    const input = batchInput(1, [], 0, commitments(4, 1))
    const witness = await calculateWitness(circuits[1], input)
    expect(input.newRoot).toBe(treeOf(commitments(4, 1)).root)
    expect(circuits[1].publicInputs).toBe(3 + 4)
    expect(publicSignals(circuits[1], witness)).toEqual([input.oldRoot, input.newRoot, 0n, ...commitments(4, 1)])
  })

  it('behavior: a batch at a later aligned index of a non-empty tree', async () => {
    const existing = commitments(12, 2)
    const input = batchInput(1, existing, 12, commitments(4, 3))
    await expectAccepted(1, input, [...existing, ...commitments(4, 3)])
  })

  it('behavior: a partially filled batch is zero-padded', async () => {
    const existing = commitments(8, 4)
    const input = batchInput(1, existing, 8, padded(commitments(1, 5), 4))
    await expectAccepted(1, input, [...existing, ...commitments(1, 5)])
  })

  it('behavior: the last subtree of the tree', async () => {
    const last = 4 ** LEVELS - 4
    const existing = commitments(8, 6)
    const leaves = [...existing, ...Array<bigint>(last - existing.length).fill(0n), ...commitments(4, 7)]
    await expectAccepted(1, batchInput(1, existing, last, commitments(4, 7)), leaves)
  })

  it('args: subtree height 2, at index 0 and at index 32 after two batches', async () => {
    await expectAccepted(2, batchInput(2, [], 0, commitments(16, 8)), commitments(16, 8))
    const existing = [...commitments(16, 9), ...padded(commitments(3, 10), 16)]
    const input = batchInput(2, existing, 32, padded(commitments(11, 11), 16))
    await expectAccepted(2, input, [...existing, ...commitments(11, 11)])
  })

  it('error: the R1CS binds every public signal (a valid witness with one of them changed)', async () => {
    const witness = await calculateWitness(circuits[1], batchInput(1, commitments(8, 23), 8, padded(commitments(3, 24), 4)))
    expect(await satisfiesR1cs(circuits[1], witness)).toBe(true)
    for (let i = 1; i <= 3 + 4; i++) {
      const tampered = [...witness]
      tampered[i] = ((tampered[i] as bigint) + 1n) % FIELD_SIZE
      expect({ signal: i, satisfied: await satisfiesR1cs(circuits[1], tampered) }).toEqual({ signal: i, satisfied: false })
    }
  })

  it('error: an unaligned startIndex', async () => {
    // Index 5 with the path and roots of subtree 1 (leaves 4..7): everything else holds.
    const existing = commitments(4, 12)
    const input = { ...batchInput(1, existing, 4, commitments(4, 13)), startIndex: 5 }
    await expect(calculateWitness(circuits[1], input)).rejects.toThrow(at.alignment)
  })

  it('error: a startIndex aligned for height 1 but not for height 2', async () => {
    const input = { ...batchInput(2, [], 0, commitments(16, 14)), startIndex: 4 }
    await expect(calculateWitness(circuits[2], input)).rejects.toThrow(at.alignment)
  })

  it('error: a startIndex past the tree capacity (aliasing subtree 0)', async () => {
    // 4^levels has the same position digits as 0: without the range check this would prove
    // an append "at 256" that writes subtree 0.
    const input = { ...batchInput(1, [], 0, commitments(4, 15)), startIndex: 4 ** LEVELS }
    await expect(calculateWitness(circuits[1], input)).rejects.toThrow(at.range)
  })

  it('error: a target subtree that already holds a leaf', async () => {
    // Six leaves: subtree 1 holds leaves 4 and 5. Overwriting it from index 4.
    const existing = commitments(6, 16)
    const input = batchInput(1, existing, 4, commitments(4, 17))
    await expect(calculateWitness(circuits[1], input)).rejects.toThrow(at.empty)
  })

  it('error: a wrong oldRoot', async () => {
    const input = batchInput(1, commitments(4, 18), 4, commitments(4, 19))
    await expect(calculateWitness(circuits[1], { ...input, oldRoot: (input.oldRoot as bigint) + 1n })).rejects.toThrow(at.empty)
  })

  it('error: a wrong newRoot', async () => {
    const input = batchInput(1, commitments(4, 20), 4, commitments(4, 21))
    await expect(calculateWitness(circuits[1], { ...input, newRoot: (input.newRoot as bigint) + 1n })).rejects.toThrow(at.newRoot)
  })

  it('error: leaves in another order than the newRoot commits to', async () => {
    const input = batchInput(2, [], 0, commitments(16, 22))
    const swapped = [...commitments(16, 22)]
    ;[swapped[3], swapped[12]] = [swapped[12] as bigint, swapped[3] as bigint]
    await expect(calculateWitness(circuits[2], { ...input, leaves: swapped })).rejects.toThrow(at.newRoot)
  })
})
