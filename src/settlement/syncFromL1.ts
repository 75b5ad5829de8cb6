import { type Address, type Hash, type Hex, type PublicClient } from 'viem'
import type { MerkleTree } from '../crypto/merkleTree.ts'
import { SettlementError } from '../errors/index.ts'
import { rollupAbi } from './generated/contracts.ts'

/** Leaves per batch: every batch takes a whole height-3 subtree, zero-padded. */
export const BATCH_LEAVES = 64

export type SyncedTransaction = {
  /** leaf of the first output; the second is at leafIndex + 1 */
  leafIndex: number
  nullifiers: [bigint, bigint]
  commitments: [bigint, bigint]
  epk: Hex
  ciphertexts: [Hex, Hex]
  batchNumber: number
  blockNumber: bigint
  transactionHash: Hash
}

export type SyncedBatch = {
  batchNumber: number
  oldRoot: bigint
  newRoot: bigint
  startIndex: number
  transfers: number
  submitter: Address
  blockNumber: bigint
  transactionHash: Hash
  transactions: SyncedTransaction[]
}

export type SyncFromL1Parameters = {
  rollup: Address
  /** first block to read (the rollup's deployment block, or a saved cursor) */
  fromBlock: bigint
  /** last block to read (default: the latest) */
  toBlock?: bigint
  /** blocks per eth_getLogs request (default 5,000; public RPCs cap ranges) */
  chunkSize?: bigint
  /**
   * When given, each batch's leaves are appended to this tree and its root is checked against
   * the batch's `newRoot`; the tree must hold exactly the leaves before `fromBlock`.
   */
  tree?: MerkleTree
  onProgress?: (progress: { block: bigint; toBlock: bigint; batches: number }) => void
}

export type SyncFromL1Result = {
  batches: SyncedBatch[]
  /** the block to resume from next time (`toBlock + 1`) */
  nextBlock: bigint
}

/**
 * Rebuilds the rollup's history from its events alone: every batch with its roots and, per
 * transaction, the nullifiers it spent and the commitments and ciphertexts it created. This is
 * how a wallet finds its money and a new operator its state without trusting anyone; it is
 * resumable from `nextBlock`.
 *
 * @example
 * const tree = new MerkleTree()
 * const { batches, nextBlock } = await syncFromL1(publicClient, { rollup, fromBlock: deployBlock, tree })
 */
export async function syncFromL1(publicClient: PublicClient, p: SyncFromL1Parameters): Promise<SyncFromL1Result> {
  const toBlock = p.toBlock ?? (await publicClient.getBlockNumber({ cacheTime: 0 }))
  const chunk = p.chunkSize ?? 5_000n
  const batches: SyncedBatch[] = []
  for (let from = p.fromBlock; from <= toBlock; from += chunk) {
    const to = from + chunk - 1n < toBlock ? from + chunk - 1n : toBlock
    const logs = await publicClient.getContractEvents({ address: p.rollup, abi: rollupAbi, fromBlock: from, toBlock: to, strict: true })
    // A batch's events all come from one L1 transaction: BatchSubmitted, then one
    // TransactionSettled per transaction, so a block range never splits a batch.
    let current: SyncedBatch | undefined
    for (const log of logs) {
      if (log.eventName === 'BatchSubmitted') {
        const a = log.args
        current = {
          batchNumber: Number(a.batchNumber),
          oldRoot: a.oldRoot,
          newRoot: a.newRoot,
          startIndex: Number(a.startIndex),
          transfers: Number(a.transfers),
          submitter: a.submitter,
          blockNumber: log.blockNumber,
          transactionHash: log.transactionHash,
          transactions: [],
        }
        batches.push(current)
      } else if (log.eventName === 'TransactionSettled') {
        if (!current || current.transactionHash !== log.transactionHash) {
          throw new SettlementError('The rollup emitted a settled transaction outside a batch: the events are not the expected contract.')
        }
        const a = log.args
        current.transactions.push({
          leafIndex: Number(a.leafIndex),
          nullifiers: [a.nullifiers[0], a.nullifiers[1]],
          commitments: [a.commitments[0], a.commitments[1]],
          epk: a.epk,
          ciphertexts: [a.ciphertext0, a.ciphertext1],
          batchNumber: current.batchNumber,
          blockNumber: log.blockNumber,
          transactionHash: log.transactionHash,
        })
      }
    }
    p.onProgress?.({ block: to, toBlock, batches: batches.length })
  }
  if (p.tree) for (const batch of batches) appendBatch(p.tree, batch)
  return { batches, nextBlock: toBlock + 1n }
}

function appendBatch(tree: MerkleTree, batch: SyncedBatch): void {
  if (tree.size !== batch.startIndex || tree.root !== batch.oldRoot) {
    throw new SettlementError(`Batch ${batch.batchNumber} starts at leaf ${batch.startIndex} but the local tree has ${tree.size} leaves: sync from where the tree ends.`)
  }
  const leaves = new Array<bigint>(BATCH_LEAVES).fill(0n)
  for (const t of batch.transactions) {
    leaves[t.leafIndex - batch.startIndex] = t.commitments[0]
    leaves[t.leafIndex - batch.startIndex + 1] = t.commitments[1]
  }
  tree.insertMany(leaves)
  if (tree.root !== batch.newRoot) {
    throw new SettlementError(`Batch ${batch.batchNumber}'s leaves do not give its root: the local tree is corrupt or the contract is not a zkpay rollup.`)
  }
}
