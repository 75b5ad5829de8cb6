import { BATCH_LEAVES } from '../crypto/batch.ts'
import { type Address, getAbiItem, getAddress, type Hash, type Hex, numberToHex, type PublicClient, toEventSelector } from 'viem'
import type { MerkleTree } from '../crypto/merkleTree.ts'
import type { Outputs } from '../crypto/note.ts'
import { initCrypto } from '../crypto/poseidon.ts'
import { SettlementError } from '../errors/index.ts'
import { rollupAbi } from './generated/contracts.ts'

const BATCH_SUBMITTED = toEventSelector(getAbiItem({ abi: rollupAbi, name: 'BatchSubmitted' }))
const TRANSACTION_SETTLED = toEventSelector(getAbiItem({ abi: rollupAbi, name: 'TransactionSettled' }))
type RawLog = { topics: Hex[]; data: Hex; blockNumber: Hex; blockHash: Hash; blockTimestamp?: Hex; transactionHash: Hash }


export type SyncedTransaction = {
  /** leaf of the first output; the others follow it */
  leafIndex: number
  nullifiers: [bigint, bigint]
  commitments: Outputs<bigint>
  epk: Hex
  ciphertexts: Outputs<Hex>
  batchNumber: number
  blockNumber: bigint
  /** the L1 transaction that posted the batch */
  l1TxHash: Hash
}

export type SyncedBatch = {
  batchNumber: number
  oldRoot: bigint
  newRoot: bigint
  startIndex: number
  transfers: number
  submitter: Address
  blockNumber: bigint
  /** the hash of the block that holds it: a reorg that drops the batch changes the block at that height */
  blockHash: Hash
  /** the block's time in seconds, when the RPC puts it in logs (anvil and recent geth do) */
  blockTimestamp?: bigint
  /** the L1 transaction that posted the batch */
  l1TxHash: Hash
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
   * When given, the batches' leaves are appended to this tree and the result is checked against
   * the last batch's `newRoot`; the tree must hold exactly the leaves before `fromBlock`. After a
   * failed check it holds the unchecked leaves: keep a copy to carry on.
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
    // Raw logs, decoded here: viem's generic ABI decoding cost 1 s of a 10,000-output restore,
    // for two event layouts that never change.
    const logs = (await publicClient.request({
      method: 'eth_getLogs',
      params: [{ address: p.rollup, fromBlock: numberToHex(from), toBlock: numberToHex(to), topics: [[BATCH_SUBMITTED, TRANSACTION_SETTLED]] }],
    })) as RawLog[]
    // A batch's events all come from one L1 transaction: BatchSubmitted, then one
    // TransactionSettled per transaction, so a block range never splits a batch.
    let current: SyncedBatch | undefined
    for (const log of logs) {
      // The event's ABI data as hex digits: fields are read by slicing (two digits a byte).
      const data = log.data.slice(2)
      const size = data.length / 2
      const hexAt = (from: number, to: number) => data.slice(2 * from, 2 * to)
      const word = (i: number) => {
        if (size < 32 * (i + 1)) throw malformed()
        return BigInt(`0x${hexAt(32 * i, 32 * i + 32)}`)
      }
      const blockNumber = BigInt(log.blockNumber)
      if (log.topics[0] === BATCH_SUBMITTED) {
        current = {
          batchNumber: Number(BigInt(log.topics[1] ?? '0x0')),
          oldRoot: word(0),
          newRoot: word(1),
          startIndex: Number(word(2)),
          transfers: Number(word(3)),
          submitter: getAddress(`0x${hexAt(4 * 32 + 12, 5 * 32)}`),
          blockNumber,
          blockHash: log.blockHash,
          ...(log.blockTimestamp ? { blockTimestamp: BigInt(log.blockTimestamp) } : {}),
          l1TxHash: log.transactionHash,
          transactions: [],
        }
        batches.push(current)
      } else if (log.topics[0] === TRANSACTION_SETTLED) {
        if (!current || current.l1TxHash !== log.transactionHash) {
          throw new SettlementError('The rollup emitted a settled transaction outside a batch: the events are not the expected contract.')
        }
        const bytesAt = (offsetWord: number): Hex => {
          const offset = Number(word(offsetWord))
          const length = offset + 32 <= size ? Number(BigInt(`0x${hexAt(offset, offset + 32)}`)) : -1
          if (length < 0 || offset + 32 + length > size) throw malformed()
          return `0x${hexAt(offset + 32, offset + 32 + length)}`
        }
        current.transactions.push({
          leafIndex: Number(BigInt(log.topics[1] ?? '0x0')),
          nullifiers: [word(0), word(1)],
          commitments: [word(2), word(3), word(4)],
          epk: `0x${hexAt(5 * 32, 6 * 32)}`,
          ciphertexts: [bytesAt(6), bytesAt(7), bytesAt(8)],
          batchNumber: current.batchNumber,
          blockNumber,
          l1TxHash: log.transactionHash,
        })
      }
    }
    p.onProgress?.({ block: to, toBlock, batches: batches.length })
  }
  if (p.tree) await appendBatches(p.tree, batches)
  return { batches, nextBlock: toBlock + 1n }
}

const PARALLEL_APPEND_FROM = 65_536
const malformed = () => new SettlementError('The rollup emitted an event that does not decode: the events are not the expected contract.')

/**
 * Appends the batches' leaves in one pass (in parallel when there are many) and checks the
 * result against the last batch's root: that root commits to every leaf, and the batches must
 * chain (each starts at the previous one's root and end), so one check covers them all.
 * After a failed check the tree holds the unchecked leaves: append to a copy to carry on.
 *
 * @example
 * const { batches } = await syncFromL1(publicClient, { rollup, fromBlock })
 * await appendBatches(tree, batches)
 */
export async function appendBatches(tree: MerkleTree, batches: readonly SyncedBatch[]): Promise<void> {
  if (batches.length === 0) return
  await initCrypto() // bulk hashing: the engine, not the JavaScript fallback
  const leaves = new Array<bigint>(batches.length * BATCH_LEAVES).fill(0n)
  let size = tree.size
  let root = tree.root
  batches.forEach((batch, b) => {
    if (size !== batch.startIndex || root !== batch.oldRoot) {
      throw new SettlementError(`Batch ${batch.batchNumber} starts at leaf ${batch.startIndex} but the local tree has ${size} leaves: sync from where the tree ends.`)
    }
    for (const t of batch.transactions) {
      const at = b * BATCH_LEAVES + t.leafIndex - batch.startIndex
      t.commitments.forEach((c, k) => {
        leaves[at + k] = c
      })
    }
    size += BATCH_LEAVES
    root = batch.newRoot
  })
  // Hashing threads pay for their start only on long syncs (a node or wallet catching up on
  // a busy rollup), not on the 10,000 leaves of a typical restore.
  await tree.insertManyParallel(leaves, leaves.length >= PARALLEL_APPEND_FROM ? {} : { threads: 1 })
  if (tree.root !== root) {
    // The tree now holds leaves that did not check: callers that carry on keep a copy (the wallet does).
    throw new SettlementError(`The leaves of batches ${batches[0]!.batchNumber}–${batches.at(-1)!.batchNumber} do not give their root: the local tree is corrupt or the contract is not a zkpay rollup.`)
  }
}
