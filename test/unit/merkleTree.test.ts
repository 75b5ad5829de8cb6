import fc from 'fast-check'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { FIELD_SIZE, initCrypto, MerkleTree, poseidon, TREE_LEVELS, verifyMerklePath, zeroHashes } from '../../src/crypto/index.ts'
import { WorkerPool } from '../../src/crypto/workerPool.ts'
import { naiveRoot } from '../helpers/naiveTree.ts'

beforeAll(() => initCrypto())

const leavesOf = (n: number, salt = 1n) => Array.from({ length: n }, (_, i) => poseidon([BigInt(i), salt]))

describe('MerkleTree', () => {
  it('default: 16 levels, capacity 2^32, the empty root is zeros[16]', () => {
    const tree = new MerkleTree()
    expect(tree.levels).toBe(TREE_LEVELS)
    expect(tree.capacity).toBe(2 ** 32)
    expect(tree.size).toBe(0)
    expect(tree.zeros[0]).toBe(0n)
    expect(tree.zeros[1]).toBe(poseidon([0n, 0n, 0n, 0n]))
    expect(tree.root).toBe(tree.zeros[16])
  })

  it('zero hashes: the written-out table is zeros[i+1] = H(zeros[i] ×4), level by level', () => {
    const zeros = zeroHashes(TREE_LEVELS)
    expect(zeros).toHaveLength(TREE_LEVELS + 1)
    expect(zeros[0]).toBe(0n)
    for (let i = 0; i < TREE_LEVELS; i++) expect(zeros[i + 1]).toBe(poseidon([zeros[i]!, zeros[i]!, zeros[i]!, zeros[i]!]))
    expect(zeroHashes(3)).toEqual(zeros.slice(0, 4))
    expect(() => zeroHashes(TREE_LEVELS + 1)).toThrow(/levels/)
  })

  it.each([0, 1, 2, 3, 4, 5, 1000])('behavior: root equals a naive recomputation for %i leaves', (n) => {
    const leaves = leavesOf(n)
    const one = new MerkleTree({ levels: 6 })
    for (const leaf of leaves.slice(0, 40)) one.insert(leaf)
    one.insertMany(leaves.slice(40))
    const many = new MerkleTree({ levels: 6 })
    many.insertMany(leaves)
    expect(one.root).toBe(naiveRoot(leaves, 6))
    expect(many.root).toBe(one.root)
    expect(many.size).toBe(n)
  })

  it('behavior: the root at full height matches the naive tree extended with zero subtrees', () => {
    const leaves = leavesOf(7)
    const tree = new MerkleTree()
    tree.insertMany(leaves)
    // above level 2 (16 leaves) the naive tree is the 16-leaf root hashed with empty siblings
    let node = naiveRoot(leaves, 2)
    const zeros = zeroHashes(16)
    for (let l = 2; l < 16; l++) node = poseidon([node, zeros[l]!, zeros[l]!, zeros[l]!])
    expect(tree.root).toBe(node)
  })

  it('behavior: every path verifies against the root, and fails with a wrong leaf or position', () => {
    const tree = new MerkleTree({ levels: 5 })
    tree.insertMany(leavesOf(70))
    for (const index of [0, 1, 3, 4, 15, 16, 63, 64, 69]) {
      const path = tree.path(index)
      expect(path.siblings).toHaveLength(5)
      expect(path.positions[0]).toBe(index % 4)
      expect(path.positions[1]).toBe(Math.floor(index / 4) % 4)
      expect(verifyMerklePath(path, tree.root)).toBe(true)
      expect(verifyMerklePath({ ...path, leaf: path.leaf + 1n }, tree.root)).toBe(false)
      expect(verifyMerklePath({ ...path, positions: [(path.positions[0]! + 1) % 4, ...path.positions.slice(1)] }, tree.root)).toBe(false)
    }
  })

  it('behavior: any sequence of inserts and batches gives the naive root, paths verify (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.bigInt({ min: 0n, max: FIELD_SIZE - 1n }), { maxLength: 20 }), { maxLength: 6 }), (batches) => {
        const tree = new MerkleTree({ levels: 4 })
        const all: bigint[] = []
        for (const batch of batches) {
          if (batch.length === 1) tree.insert(batch[0]!)
          else tree.insertMany(batch)
          all.push(...batch)
        }
        expect(tree.root).toBe(naiveRoot(all, 4))
        if (all.length > 0) {
          const index = all.length - 1
          expect(tree.leaf(index)).toBe(all[index])
          expect(verifyMerklePath(tree.path(index), tree.root)).toBe(true)
        }
      }),
      { numRuns: 40 },
    )
  })

  it('behavior: a large parallel append gives the same tree as the serial one', async () => {
    const leaves = leavesOf(6_000, 3n)
    const serial = new MerkleTree({ levels: 8 })
    serial.insertMany(leaves.slice(0, 5))
    serial.insertMany(leaves.slice(5))
    const parallel = new MerkleTree({ levels: 8 })
    await parallel.insertManyParallel(leaves.slice(0, 5))
    expect(await parallel.insertManyParallel(leaves.slice(5), { threads: 2 })).toBe(5)
    expect(parallel.root).toBe(serial.root)
    expect(parallel.size).toBe(6_000)
    expect(parallel.path(5_999)).toEqual(serial.path(5_999))
    await expect(parallel.insertManyParallel(leaves, { threads: 0 })).rejects.toThrow(/`threads`/)
    await expect(parallel.insertManyParallel(Array<bigint>(60_000).fill(1n))).rejects.toThrow(expect.objectContaining({ code: 'TREE_FULL' }))
    await expect(parallel.insertManyParallel([...Array<bigint>(5000).fill(1n), -1n])).rejects.toThrow(/`leaves\[5000\]`/)
    expect(parallel.size).toBe(6_000)
    expect(parallel.root).toBe(serial.root)
  })

  it('error: a parallel append whose worker fails leaves the tree as it was, though the other worker finishes later', async () => {
    const tree = new MerkleTree({ levels: 8 })
    tree.insertMany([1n, 2n, 3n])
    const root = tree.root
    // The first part fails at once; the second, on the real worker, answers after the failure.
    const run = vi.spyOn(WorkerPool.prototype, 'run').mockRejectedValueOnce(new Error('A worker thread stopped (exit code 1).'))
    await expect(tree.insertManyParallel(Array<bigint>(8000).fill(7n), { threads: 2 })).rejects.toThrow(/worker thread stopped/)
    expect(run).toHaveBeenCalledTimes(2)
    await run.mock.results[1]!.value // the late part has arrived: it must not have been written
    run.mockRestore()
    expect(tree.siblingsFrom(1, 1500).siblings[0]).toEqual(Array(3).fill(zeroHashes(8)[1]))
    expect(tree.size).toBe(3)
    expect(tree.root).toBe(root)
    expect(tree.path(2).siblings[0]).toEqual([1n, 2n, 0n])
    tree.insert(4n)
    expect(tree.root).toBe(naiveRoot([1n, 2n, 3n, 4n], 8))
    expect(await tree.insertManyParallel(Array<bigint>(5000).fill(9n), { threads: 2 })).toBe(4) // new workers start
  })

  it('behavior: serialize / restore gives the same tree, which keeps growing alike', () => {
    const tree = new MerkleTree({ levels: 6 })
    tree.insertMany(leavesOf(123))
    const copy = MerkleTree.restore(tree.serialize())
    expect(copy.root).toBe(tree.root)
    expect(copy.size).toBe(123)
    expect(copy.path(77)).toEqual(tree.path(77))
    const more = leavesOf(9, 2n)
    tree.insertMany(more)
    copy.insertMany(more)
    expect(copy.root).toBe(tree.root)
    expect(MerkleTree.restore(new MerkleTree({ levels: 3 }).serialize()).root).toBe(zeroHashes(3)[3])
  })

  it('behavior: nodes / fromNodes rebuild the tree level by level; clone is independent', () => {
    const levelsOf = (t: MerkleTree) => t.levelSizes().map((n, l) => t.nodes(l, 0, n))
    for (const size of [0, 1, 4, 5, 123, 1024]) {
      const tree = new MerkleTree({ levels: 6 })
      tree.insertMany(leavesOf(size))
      const rebuilt = MerkleTree.fromNodes(6, size, levelsOf(tree))
      expect([rebuilt.size, rebuilt.root]).toEqual([size, tree.root])
      if (size > 0) expect(rebuilt.path(size - 1)).toEqual(tree.path(size - 1))
    }
    const tree = new MerkleTree({ levels: 6 })
    tree.insertMany(leavesOf(70))
    expect(tree.levelSizes()).toEqual([70, 18, 5, 2, 1, 1, 1])
    // Pieces concatenate: what a store writes chunk by chunk reads back whole.
    const first = tree.nodes(0, 0, 40)
    const rest = tree.nodes(0, 40, 70)
    expect(Buffer.concat([first, rest]).equals(Buffer.from(tree.nodes(0, 0, 70)))).toBe(true)
    const copy = tree.clone()
    copy.insertMany(leavesOf(3, 5n))
    expect([tree.size, copy.size]).toEqual([70, 73])
    expect(tree.root).toBe(naiveRoot(leavesOf(70), 6))
    expect(copy.root).toBe(naiveRoot([...leavesOf(70), ...leavesOf(3, 5n)], 6))
  })

  it('error: fromNodes refuses a missing or wrong-sized level, a root its last leaf does not hash to, and a wrong empty root', () => {
    const tree = new MerkleTree({ levels: 4 })
    tree.insertMany(leavesOf(30))
    const good = tree.levelSizes().map((n, l) => tree.nodes(l, 0, n))
    // The root of the tree before its last two leaves, as if the top chunk were from an older write.
    const older = new MerkleTree({ levels: 4 })
    older.insertMany(leavesOf(28))
    const stale = good.map((level, l) => (l === 4 ? older.nodes(4, 0, 1) : level))
    const shortLevel = good.map((level, l) => (l === 0 ? level.subarray(0, 29 * 32) : level))
    const empty = new MerkleTree({ levels: 4 })
    const emptyLevels = empty.levelSizes().map((n, l) => empty.nodes(l, 0, n))
    for (const [levels, size, nodes] of [
      [4, 30, good.slice(0, 4)],
      [4, 30, shortLevel],
      [4, 30, stale],
      [4, 31, good],
      [4, 0, good.map((level) => level.subarray(0, 0)).map((level, l) => (l === 4 ? good[4]! : level))],
      [4, 2 ** 8 + 1, good],
    ] as const) {
      expect(() => MerkleTree.fromNodes(levels, size, nodes)).toThrow(expect.objectContaining({ code: 'TREE_BAD_SNAPSHOT' }))
    }
    expect(MerkleTree.fromNodes(4, 0, emptyLevels).root).toBe(zeroHashes(4)[4])
    // A stale node on the path above the last leaf is recomputed from the leaves, so it heals.
    const staleEdge = good.map((level) => level.slice())
    staleEdge[1]!.set(tree.nodes(1, 0, 1), 7 * 32)
    expect(MerkleTree.fromNodes(4, 30, staleEdge).path(29)).toEqual(tree.path(29))
    expect(() => tree.nodes(0, 20, 31)).toThrow(/`nodes`/)
    expect(() => tree.nodes(5, 0, 1)).toThrow(/`nodes`/)
  })

  it('behavior: truncate gives the tree of the first leaves only: root, paths, stored nodes and later appends (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 90 }), fc.integer({ min: 0, max: 90 }), fc.integer({ min: 0, max: 30 }), (total, cut, more) => {
        const size = Math.min(cut, total)
        const leaves = leavesOf(total)
        const tree = new MerkleTree({ levels: 4 })
        tree.insertMany(leaves)
        tree.truncate(size)
        const fresh = new MerkleTree({ levels: 4 })
        fresh.insertMany(leaves.slice(0, size))
        expect(tree.size).toBe(size)
        expect(tree.root).toBe(fresh.root)
        expect(tree.levelSizes()).toEqual(fresh.levelSizes())
        tree.levelSizes().forEach((n, level) => expect(tree.nodes(level, 0, n)).toEqual(fresh.nodes(level, 0, n)))
        if (size > 0) expect(tree.path(size - 1)).toEqual(fresh.path(size - 1))
        // The slot past the end is empty again: its path is the fresh tree's.
        if (size < tree.capacity) expect(tree.siblingsFrom(0, size)).toEqual(fresh.siblingsFrom(0, size))
        const next = leavesOf(more, 7n)
        tree.insertMany(next)
        fresh.insertMany(next)
        expect(tree.root).toBe(fresh.root)
        expect(tree.root).toBe(naiveRoot([...leaves.slice(0, size), ...next], 4))
      }),
      { numRuns: 40 },
    )
  })

  it('error: truncate refuses a size it does not hold and changes nothing', () => {
    const tree = new MerkleTree({ levels: 3 })
    tree.insertMany(leavesOf(5))
    const root = tree.root
    for (const size of [-1, 6, 2.5, Number.NaN]) {
      expect(() => tree.truncate(size)).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER', parameter: 'size' }))
    }
    tree.truncate(5)
    expect(tree.size).toBe(5)
    expect(tree.root).toBe(root)
    tree.truncate(0)
    expect(tree.root).toBe(new MerkleTree({ levels: 3 }).root)
  })

  it('error: a full tree refuses more leaves and keeps its state', () => {
    const tree = new MerkleTree({ levels: 1 })
    tree.insertMany(leavesOf(3))
    const root = tree.root
    expect(() => tree.insertMany(leavesOf(2))).toThrow(expect.objectContaining({ code: 'TREE_FULL' }))
    expect(tree.root).toBe(root)
    tree.insert(5n)
    expect(() => tree.insert(6n)).toThrow(expect.objectContaining({ code: 'TREE_FULL' }))
    expect(tree.size).toBe(4)
  })

  it('error: bad leaves are named and leave the tree unchanged', () => {
    const tree = new MerkleTree({ levels: 3 })
    tree.insert(1n)
    const root = tree.root
    expect(() => tree.insertMany([2n, FIELD_SIZE])).toThrow(/`leaves\[1\]`/)
    expect(tree.size).toBe(1)
    expect(tree.root).toBe(root)
    expect(tree.path(0).leaf).toBe(1n)
    expect(tree.path(0).siblings[0]).toEqual([0n, 0n, 0n]) // nothing of the refused batch was written
    tree.insert(3n)
    expect(tree.root).toBe(naiveRoot([1n, 3n], 3))
  })

  it('error: out-of-range paths, bad levels and damaged snapshots', () => {
    const tree = new MerkleTree({ levels: 3 })
    tree.insertMany(leavesOf(5))
    for (const i of [-1, 5, 1.5]) expect(() => tree.path(i)).toThrow(expect.objectContaining({ code: 'TREE_INDEX_OUT_OF_RANGE' }))
    for (const levels of [0, 17, 2.5]) expect(() => new MerkleTree({ levels })).toThrow(/`levels`/)
    const snapshot = tree.serialize()
    const damaged = snapshot.slice()
    damaged[12]! ^= 1
    const badLevels = snapshot.slice()
    badLevels[5] = 4
    for (const bad of [damaged, badLevels, snapshot.subarray(0, 40), new Uint8Array([1, 2, 3]), snapshot.slice(0, 10)]) {
      expect(() => MerkleTree.restore(bad)).toThrow(expect.objectContaining({ code: 'TREE_BAD_SNAPSHOT' }))
    }
  })
})
