import type { MerkleTree } from '../../crypto/merkleTree.ts'

// How a wallet store persists its note tree, whatever the engine: each level in chunks of
// TREE_CHUNK_NODES nodes (`MerkleTree.nodes`), keyed by (level, chunk), the leaf count beside
// them. Both stores write what `treeChunkWrites` says and read back with `MerkleTree.fromNodes`.

/**
 * Nodes per stored chunk of a tree level: 16 KB, so an append rewrites a few small records.
 *
 * @example
 * const chunk = Math.floor(leafIndex / TREE_CHUNK_NODES) // the level-0 chunk holding a leaf
 */
export const TREE_CHUNK_NODES = 512

/** One level's part of a tree write: how many chunks it now has, and those to (re)write. */
export type TreeLevelWrite = {
  level: number
  /** chunks the level holds at the tree's size: a store drops those from this index on */
  chunks: number
  writes: { chunk: number; nodes: Uint8Array }[]
}

/**
 * What a store writes to hold `tree` when it holds the same tree up to leaf `from` (its stored
 * size after an append; the new size after a truncation; 0 to write everything): on each level,
 * the chunks from the one holding the first node that changed to the level's end (the root
 * always changes). An append of a batch rewrites one or two chunks per level, not the tree.
 *
 * @example
 * for (const { level, chunks, writes } of treeChunkWrites(tree, storedSize)) {
 *   deleteChunksFrom(level, chunks)
 *   for (const { chunk, nodes } of writes) putChunk(level, chunk, nodes)
 * }
 */
export function treeChunkWrites(tree: MerkleTree, from: number): TreeLevelWrite[] {
  return tree.levelSizes().map((size, level) => {
    const changed = level === tree.levels ? 0 : Math.floor(from / 4 ** level)
    const writes: TreeLevelWrite['writes'] = []
    for (let chunk = Math.floor(changed / TREE_CHUNK_NODES); chunk * TREE_CHUNK_NODES < size; chunk++) {
      writes.push({ chunk, nodes: tree.nodes(level, chunk * TREE_CHUNK_NODES, Math.min(size, (chunk + 1) * TREE_CHUNK_NODES)) })
    }
    return { level, chunks: Math.ceil(size / TREE_CHUNK_NODES), writes }
  })
}
