import { sha256 } from '@noble/hashes/sha2.js'
import { InvalidParameterError, MerkleTreeError } from '../errors/index.ts'
import { assertFieldElement } from './field.ts'
import { availableCores } from './nodeBuiltin.ts'
import { fromMontgomery, poseidon, poseidonMontgomery, toMontgomery } from './poseidon.ts'
import { WorkerPool } from './workerPool.ts'

/**
 * Levels of the production note tree: 4^16 = 2^32 leaves.
 *
 * @example
 * const emptyRoot = zeroHashes(TREE_LEVELS)[TREE_LEVELS] // TREE_LEVELS = 16
 */
export const TREE_LEVELS = 16
const ARITY = 4
const NODE = 32

/** A Merkle path: per level (from the leaves up) the three siblings in order, and our position 0..3. */
export type MerklePath = {
  index: number
  leaf: bigint
  siblings: bigint[][]
  positions: number[]
  root: bigint
}

/**
 * `zeroHashes(TREE_LEVELS)`, written out: opening a wallet would otherwise spend 16 Poseidon
 * hashes in JavaScript on them before anything else. A unit test recomputes them.
 */
const ZERO_HASHES: readonly bigint[] = [
  0n,
  0x0532fd436e19c70e51209694d9c215250937921b8b79060488c1206db73e9946n,
  0x1ea8dbbca1ca3a574b1b871aad1e8bc47571c7e11a99a6fb25f3f19d4bfad32cn,
  0x1b98ec5a992cd3688e655aef8674386f4e84f0a442eaab4840427e359c214dd2n,
  0x0fd83a3939005974d559c13c652a31942ffd61cab9a038e04239af96cafaee14n,
  0x11eb54967ae25ce42205223461cda9dbb1a1811db38b71e404d1fd94c9627777n,
  0x1c682a99981cf10a215d2788721e0ca060ddc0932cbb04c903eee3bd899dcfc0n,
  0x2b3de1ae8e72d64a5cb03934061e3fd03789273f370e32d576ae54b4cbeca719n,
  0x1b64ed0dc55f80f1f3da256b451baf16110fc268311a13fe903f87945b734861n,
  0x06efb4c4a55b0225fd1088d357b2432f422b0593015c57980e373ecef9029c72n,
  0x262138dff44f5352d2d7ec48461c771444a6c00c761a3263735d0a99143a51f1n,
  0x07ea118d86ace14a8eaa26fc18b36fefe7d5f5b00e0eb9ebfd1c88f37131c178n,
  0x0c2a4af81a2cd78159ce2f3d7ee05367fc5b3c3e1becea2a86d1e66dd27ffb7fn,
  0x1a953a710c22f79c369c976fc9981ffdbfe236695297fec65886e645e6fa2884n,
  0x16b0c5e286286eb6c4774ad6292b4f0bdc5b36cb7890b27544268892ae255e0dn,
  0x2dd7186449cc82702fb8f2d7fa86e0095263f8afb521e1976f499e67a0d7cbb8n,
  0x151399c724e17408a7a43cdadba2fc000da9339c56e4d49c6cdee6c4356fbc68n,
]

/** Below this many parents on a level, hashing in place beats shipping the level to workers. */
const PARALLEL_MIN_NODES = 1024
const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i])

let pool: WorkerPool<Uint8Array, Uint8Array> | undefined

function hasherPool(threads: number): WorkerPool<Uint8Array, Uint8Array> {
  if (!pool || pool.size !== threads) {
    void pool?.close()
    pool = new WorkerPool(new URL('./treeHasher.worker.ts', import.meta.url), threads)
  }
  return pool
}

/**
 * `zeros[0] = 0`, `zeros[i+1] = H(zeros[i] ×4)`: the root of an empty subtree of height i.
 *
 * @example
 * const zeros = zeroHashes(TREE_LEVELS) // 17 values; zeros[TREE_LEVELS] is the root of the empty tree
 */
export function zeroHashes(levels: number): bigint[] {
  if (!Number.isInteger(levels) || levels < 0 || levels > TREE_LEVELS) throw new InvalidParameterError('levels', `expected an integer from 0 to ${TREE_LEVELS}`)
  return ZERO_HASHES.slice(0, levels + 1)
}

/**
 * The note tree of DESIGN.md: an append-only 4-ary Merkle tree (node `H(c0, c1, c2, c3)`,
 * empty leaf 0) of `levels` levels; a leaf's position at level i is digit i of its index in
 * base 4. 4-ary because circomlib Poseidon costs 297 constraints for 4 inputs and 240 for 2:
 * 16 four-way levels are ~40% cheaper to prove than 32 binary ones for the same capacity.
 *
 * Every level is kept, as 32-byte Montgomery-form field elements in one growing buffer, so a
 * wallet can build the path of any of its notes locally (asking a server would tell it which
 * note is ours) and appending k leaves rehashes only the k/4 + k/16 + … nodes above them.
 * Slots past the end of a level hold that level's zero hash, so a partly filled group of four
 * is hashed like any other.
 *
 * @example
 * await initCrypto()
 * const tree = new MerkleTree()
 * const index = tree.insert(commitment)
 * const path = tree.path(index) // siblings + positions for the transfer circuit
 */
export class MerkleTree {
  readonly levels: number
  readonly capacity: number
  /** `layers[l]`: the nodes of level l (0 = leaves), Montgomery form */
  private layers: Uint8Array[]
  private zeroMont: Uint8Array[]
  private count = 0

  constructor(options: { levels?: number } = {}) {
    const levels = options.levels ?? TREE_LEVELS
    if (!Number.isInteger(levels) || levels < 1 || levels > TREE_LEVELS) {
      throw new InvalidParameterError('levels', `expected an integer from 1 to ${TREE_LEVELS}`)
    }
    this.levels = levels
    this.capacity = ARITY ** levels
    this.zeroMont = zeroHashes(levels).map((z) => {
      const b = new Uint8Array(NODE)
      toMontgomery(z, b, 0)
      return b
    })
    this.layers = Array.from({ length: levels + 1 }, (_, l) => this.allocate(l, ARITY))
  }

  /** Number of leaves appended so far; the next leaf goes at this index. */
  get size(): number {
    return this.count
  }

  /** `zeros[i]`: the root of an empty subtree of height i, for i = 0..levels. */
  get zeros(): readonly bigint[] {
    return zeroHashes(this.levels)
  }

  get root(): bigint {
    return fromMontgomery(this.layers[this.levels]!, 0)
  }

  /** The leaf at `index` (0 for an index not yet filled). */
  leaf(index: number): bigint {
    this.checkIndex(index, this.capacity)
    return index < this.count ? fromMontgomery(this.layers[0]!, index * NODE) : 0n
  }

  /** Appends one leaf; returns its index. O(levels) hashes. */
  insert(leaf: bigint): number {
    return this.insertMany([leaf])
  }

  /**
   * Appends leaves in order; returns the index of the first. Hashes each affected node once,
   * level by level, so a batch of k leaves costs about k/3 + levels hashes.
   */
  insertMany(leaves: readonly bigint[]): number {
    const start = this.count
    const end = start + leaves.length
    if (end > this.capacity) throw new MerkleTreeError('TREE_FULL', `The tree is full: it holds at most ${this.capacity} leaves.`)
    if (leaves.length === 0) return start
    leaves.forEach((leaf, i) => assertFieldElement(leaf, `leaves[${i}]`)) // all checked before any is written
    this.ensureCapacity(0, end)
    const layer0 = this.layers[0]!
    leaves.forEach((leaf, i) => toMontgomery(leaf, layer0, (start + i) * NODE))
    this.count = end
    this.rehash(start, end)
    return start
  }

  /** Stops the worker threads of parallel appends (they start again when needed). */
  static closeWorkers(): Promise<void> {
    return pool?.close() ?? Promise.resolve()
  }

  /**
   * `insertMany` for large appends (a wallet's first sync, an operator rebuilding from L1): the
   * levels where thousands of nodes change are hashed on worker threads, one per core unless
   * `threads` says otherwise. Poseidon dominates, and it scales linearly with threads.
   */
  async insertManyParallel(leaves: readonly bigint[], options: { threads?: number } = {}): Promise<number> {
    const threads = options.threads ?? availableCores()
    if (!Number.isInteger(threads) || threads < 1) throw new InvalidParameterError('threads', 'expected a positive integer')
    if (leaves.length < PARALLEL_MIN_NODES || threads === 1) return this.insertMany(leaves)
    const start = this.count
    const end = start + leaves.length
    if (end > this.capacity) throw new MerkleTreeError('TREE_FULL', `The tree is full: it holds at most ${this.capacity} leaves.`)
    leaves.forEach((leaf, i) => assertFieldElement(leaf, `leaves[${i}]`))
    const pool = hasherPool(threads)
    // Appends must not interleave: the tree is consistent again only when this one is done.
    this.count = end
    this.ensureCapacity(0, end)
    const layer0 = this.layers[0]!
    leaves.forEach((leaf, i) => toMontgomery(leaf, layer0, (start + i) * NODE))
    try {
      let lo = start
      let hi = end
      for (let l = 0; l < this.levels; l++) {
        const [parentLo, parentHi] = this.parentRange(l, lo, hi)
        if (parentHi - parentLo < PARALLEL_MIN_NODES) {
          this.rehashLevels(l, lo, hi)
          break
        }
        const child = this.layers[l]!
        const parent = this.layers[l + 1]!
        const per = Math.ceil((parentHi - parentLo) / threads)
        // Wait for every part, failed or not, before writing any: a part that arrives after
        // another failed must not write into the tree being rolled back.
        const parts = await Promise.allSettled(
          Array.from({ length: threads }, async (_, t) => {
            const a = parentLo + t * per
            const b = Math.min(parentHi, a + per)
            return { a, parents: a < b ? await pool.run(child.slice(a * ARITY * NODE, b * ARITY * NODE)) : undefined }
          }),
        )
        for (const part of parts) if (part.status === 'rejected') throw part.reason
        for (const part of parts) {
          const { a, parents } = (part as PromiseFulfilledResult<{ a: number; parents: Uint8Array | undefined }>).value
          if (parents) parent.set(parents, a * NODE)
        }
        lo = parentLo
        hi = parentHi
      }
    } catch (e) {
      // A worker failed: put the tree back as it was (empty leaves hash to the old ancestors).
      this.count = start
      layer0.fill(0, start * NODE, end * NODE)
      this.rehashLevels(0, start, end)
      throw e
    }
    return start
  }

  /**
   * Drops every leaf from index `size` on, as if they had never been appended: what a follower
   * does when an L1 reorg takes back the batches that brought them. The cleared leaves become
   * empty and their ancestors are rehashed (about (removed / 3) + levels hashes), so the root,
   * the paths and later appends are those of a tree that only ever held the first `size` leaves.
   *
   * @example
   * const before = tree.size
   * tree.insertMany(batchLeaves)
   * tree.truncate(before) // the batch was orphaned: the root is the old one again
   */
  truncate(size: number): void {
    if (!Number.isSafeInteger(size) || size < 0 || size > this.count) {
      throw new InvalidParameterError('size', `expected an integer from 0 to the tree's ${this.count} leaves`)
    }
    if (size === this.count) return
    const end = this.count
    this.layers[0]!.fill(0, size * NODE, end * NODE) // the empty leaf is 0, also in Montgomery form
    this.count = size
    // Parents past the new end hash four empty children: they become that level's zero hash.
    this.rehashLevels(0, size, end)
  }

  /** Recomputes the ancestors of leaves [start, end) up to the root. */
  private rehash(start: number, end: number): void {
    this.rehashLevels(0, start, end)
  }

  /** Recomputes, from level `from` up, the ancestors of nodes [lo, hi) of that level. */
  private rehashLevels(from: number, lo: number, hi: number): void {
    for (let l = from; l < this.levels; l++) {
      const [parentLo, parentHi] = this.parentRange(l, lo, hi)
      const child = this.layers[l]!
      const parent = this.layers[l + 1]!
      for (let p = parentLo; p < parentHi; p++) poseidonMontgomery(child, p * ARITY * NODE, ARITY, parent, p * NODE)
      lo = parentLo
      hi = parentHi
    }
  }

  /** The parents of nodes [lo, hi) of level l, with room for them in level l + 1. */
  private parentRange(l: number, lo: number, hi: number): [number, number] {
    const parentLo = Math.floor(lo / ARITY)
    const parentHi = Math.floor((hi - 1) / ARITY) + 1
    this.ensureCapacity(l + 1, parentHi)
    return [parentLo, parentHi]
  }

  /**
   * The Merkle path of the leaf at `index` (< size): what the transfer circuit takes as
   * `inPathElements` and what `verifyMerklePath` checks.
   */
  path(index: number): MerklePath {
    this.checkIndex(index, this.count)
    return { index, leaf: this.leaf(index), ...this.siblingsFrom(0, index), root: this.root }
  }

  /**
   * Siblings and positions from level `level` up for the node at `nodeIndex` of that level,
   * filled or not: the batch circuit proves an empty subtree slot with this path, then fills it.
   */
  siblingsFrom(level: number, nodeIndex: number): { siblings: bigint[][]; positions: number[] } {
    if (!Number.isInteger(level) || level < 0 || level > this.levels) throw new InvalidParameterError('level', `expected an integer from 0 to ${this.levels}`)
    this.checkIndex(nodeIndex, ARITY ** (this.levels - level))
    const siblings: bigint[][] = []
    const positions: number[] = []
    let i = nodeIndex
    for (let l = level; l < this.levels; l++) {
      const position = i % ARITY
      const group = i - position
      const layer = this.layers[l]!
      const row: bigint[] = []
      for (let j = 0; j < ARITY; j++) {
        if (j === position) continue
        const offset = (group + j) * NODE
        row.push(offset < layer.length ? fromMontgomery(layer, offset) : this.zeros[l]!)
      }
      siblings.push(row)
      positions.push(position)
      i = Math.floor(i / ARITY)
    }
    return { siblings, positions }
  }

  /**
   * A compact binary snapshot: header then every level as stored, so `restore` does no Poseidon
   * hashing; a SHA-256 trailer catches a damaged file.
   * Layout: "ZKMT" ‖ version u8 ‖ levels u8 ‖ size u32 (big-endian) ‖ levels' nodes ‖ sha256 (32).
   */
  serialize(): Uint8Array {
    const counts = this.levelSizes()
    const total = counts.reduce((a, c) => a + c, 0)
    const out = new Uint8Array(10 + total * NODE + 32)
    out.set([0x5a, 0x4b, 0x4d, 0x54, 1, this.levels])
    new DataView(out.buffer).setUint32(6, this.count)
    let offset = 10
    counts.forEach((c, l) => {
      out.set(this.layers[l]!.subarray(0, c * NODE), offset)
      offset += c * NODE
    })
    out.set(sha256(out.subarray(0, offset)), offset)
    return out
  }

  /** Rebuilds a tree from `serialize()` output, checking its shape and its root. */
  static restore(bytes: Uint8Array): MerkleTree {
    const bad = (details: string) => new MerkleTreeError('TREE_BAD_SNAPSHOT', 'The Merkle tree snapshot is damaged or not a snapshot.', details)
    if (!(bytes instanceof Uint8Array) || bytes.length < 42) throw bad('Too short.')
    if (bytes[0] !== 0x5a || bytes[1] !== 0x4b || bytes[2] !== 0x4d || bytes[3] !== 0x54 || bytes[4] !== 1) throw bad('Wrong magic or version.')
    const tree = new MerkleTree({ levels: bytes[5]! }) // for its shape
    const size = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(6)
    if (size > tree.capacity) throw bad('More leaves than the tree holds.')
    tree.count = size
    const counts = tree.levelSizes()
    const body = 10 + counts.reduce((a, c) => a + c, 0) * NODE
    if (bytes.length !== body + 32) throw bad('Wrong length for its leaf count.')
    if (!sameBytes(sha256(bytes.subarray(0, body)), bytes.subarray(body))) throw bad('Its checksum does not match.')
    let offset = 10
    const levels = counts.map((c) => bytes.subarray(offset, (offset += c * NODE)))
    return MerkleTree.fromNodes(tree.levels, size, levels)
  }

  /**
   * Nodes [from, to) of level `level` as stored (32 bytes each, Montgomery form), copied: a store
   * persists a tree piecewise with them, rewriting only what an append changed.
   */
  nodes(level: number, from: number, to: number): Uint8Array {
    const size = this.levelSizes()[level]
    if (size === undefined || !Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || from > to || to > size) {
      throw new InvalidParameterError('nodes', `expected a level from 0 to ${this.levels} and a range within its ${size ?? 0} stored nodes`)
    }
    return this.layers[level]!.slice(from * NODE, to * NODE)
  }

  /**
   * Rebuilds a tree of `size` leaves from its levels as `nodes` gave them (`levels[l]` holds
   * `levelSizes()[l]` nodes), without hashing them all: it checks each level's length, then
   * rehashes the path above the last leaf (the nodes each append rewrites) and requires the
   * stored root, so levels from writes of different sizes do not pass for a tree.
   */
  static fromNodes(levels: number, size: number, nodes: readonly Uint8Array[]): MerkleTree {
    const bad = (details: string) => new MerkleTreeError('TREE_BAD_SNAPSHOT', 'The stored Merkle tree is damaged or incomplete.', details)
    const tree = new MerkleTree({ levels })
    if (!Number.isSafeInteger(size) || size < 0 || size > tree.capacity) throw bad(`A size of ${size} leaves does not fit the tree.`)
    tree.count = size
    const sizes = tree.levelSizes()
    if (nodes.length !== sizes.length) throw bad(`Expected ${sizes.length} levels, got ${nodes.length}.`)
    sizes.forEach((c, l) => {
      if (nodes[l]!.length !== c * NODE) throw bad(`Level ${l} holds ${nodes[l]!.length / NODE} nodes, not ${c}.`)
      tree.ensureCapacity(l, c)
      tree.layers[l]!.set(nodes[l]!)
    })
    if (size > 0) {
      const stored = tree.root
      tree.rehashLevels(0, size - 1, size)
      if (tree.root !== stored) throw bad('Its nodes above the last leaf do not hash to its root.')
    } else if (tree.root !== zeroHashes(levels)[levels]) throw bad('An empty tree with a root other than the empty root.')
    return tree
  }

  /** An independent copy, without hashing: appends to it leave this tree as it is. */
  clone(): MerkleTree {
    const copy = new MerkleTree({ levels: this.levels })
    copy.count = this.count
    copy.layers = this.layers.map((layer) => layer.slice())
    return copy
  }

  /** Nodes stored on each level for the current size: ceil(size / 4^l), and 1 for the root. */
  levelSizes(): number[] {
    const counts: number[] = []
    let c = this.count
    for (let l = 0; l <= this.levels; l++) {
      counts.push(l === this.levels ? 1 : c)
      c = Math.ceil(c / ARITY)
    }
    return counts
  }

  /** Grows level l's buffer to hold `nodes` nodes (rounded up to whole groups of four). */
  private ensureCapacity(l: number, nodes: number): void {
    const layer = this.layers[l]!
    const needed = Math.ceil(nodes / ARITY) * ARITY
    if (layer.length >= needed * NODE) return
    const maxNodes = l === this.levels ? ARITY : ARITY ** (this.levels - l)
    const grown = this.allocate(l, Math.min(Math.max(needed, (layer.length / NODE) * 2), Math.max(maxNodes, ARITY)))
    grown.set(layer)
    this.layers[l] = grown
  }

  /** A buffer of `nodes` slots, each filled with level l's zero hash. */
  private allocate(l: number, nodes: number): Uint8Array {
    const buf = new Uint8Array(nodes * NODE)
    const zero = this.zeroMont[l]!
    if (zero.some((b) => b !== 0)) for (let i = 0; i < nodes; i++) buf.set(zero, i * NODE)
    return buf
  }

  private checkIndex(index: number, limit: number): void {
    if (!Number.isSafeInteger(index) || index < 0 || index >= limit) {
      throw new MerkleTreeError('TREE_INDEX_OUT_OF_RANGE', `Leaf index ${index} is out of range: the tree has ${limit} leaves there.`)
    }
  }
}

/**
 * Checks a path against a root: hashes the leaf up through the siblings, placing it at the
 * given position at each level. The same computation the transfer circuit constrains.
 *
 * @example
 * verifyMerklePath(tree.path(index), tree.root) // true
 */
export function verifyMerklePath(path: Pick<MerklePath, 'leaf' | 'siblings' | 'positions'>, root: bigint): boolean {
  return rootFromPath(path.leaf, path) === root
}

/**
 * The root above `node` along a path (null if the path is malformed).
 *
 * @example
 * if (rootFromPath(commitment, { siblings, positions }) !== root) throw new Error('stale path')
 */
export function rootFromPath(node: bigint, path: Pick<MerklePath, 'siblings' | 'positions'>): bigint | null {
  for (let l = 0; l < path.siblings.length; l++) {
    const siblings = path.siblings[l]!
    const position = path.positions[l]!
    if (siblings.length !== 3 || !Number.isInteger(position) || position < 0 || position > 3) return null
    const children = [...siblings]
    children.splice(position, 0, node)
    node = poseidon(children)
  }
  return node
}

/**
 * The root of a full 4-ary subtree over `leaves` (a power of 4 of them).
 *
 * @example
 * const batchRoot = subtreeRoot(leaves) // leaves.length === BATCH_LEAVES (64)
 */
export function subtreeRoot(leaves: readonly bigint[]): bigint {
  let level = [...leaves]
  while (level.length > 1) {
    const next: bigint[] = []
    for (let i = 0; i < level.length; i += ARITY) next.push(poseidon(level.slice(i, i + ARITY)))
    level = next
  }
  return level[0]!
}
