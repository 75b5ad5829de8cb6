import type { Address, PublicClient } from 'viem'
import { rollupAbi } from './generated/contracts.ts'

export type RollupState = {
  currentRoot: bigint
  nextLeafIndex: bigint
  batchCount: bigint
  /** the block of the sequencer's last batch (others' batches do not move it) */
  lastSequencerBatchBlock: bigint
  /** from this block anyone may submit a batch (sequencer silence, or an overdue inclusion request) */
  escapeOpenFromBlock: bigint
  /** the forced-inclusion queue: requests `[head, length)` wait to be served */
  inclusionQueue: { head: bigint; length: bigint }
  sequencer: Address
  escapeDelay: bigint
  depositTimeout: bigint
  /** the block the state was read at */
  blockNumber: bigint
}

/**
 * Reads the rollup's state at one block (the latest by default), so that every field is
 * consistent with the others.
 *
 * @example
 * const { currentRoot, nextLeafIndex } = await readRollupState(publicClient, { rollup })
 */
export async function readRollupState(publicClient: PublicClient, p: { rollup: Address; blockNumber?: bigint }): Promise<RollupState> {
  const blockNumber = p.blockNumber ?? (await publicClient.getBlockNumber({ cacheTime: 0 }))
  const read = (functionName: 'currentRoot' | 'nextLeafIndex' | 'batchCount' | 'lastSequencerBatchBlock' | 'escapeOpenFromBlock' | 'sequencer' | 'escapeDelay' | 'depositTimeout' | 'inclusionQueue') =>
    publicClient.readContract({ address: p.rollup, abi: rollupAbi, functionName, blockNumber }) as Promise<unknown>
  const [currentRoot, nextLeafIndex, batchCount, lastSequencerBatchBlock, escapeOpenFromBlock, sequencer, escapeDelay, depositTimeout, queue] = await Promise.all([
    read('currentRoot'),
    read('nextLeafIndex'),
    read('batchCount'),
    read('lastSequencerBatchBlock'),
    read('escapeOpenFromBlock'),
    read('sequencer'),
    read('escapeDelay'),
    read('depositTimeout'),
    read('inclusionQueue'),
  ])
  const [head, length] = queue as readonly [bigint, bigint]
  const big = (x: unknown) => BigInt(x as bigint | number)
  return {
    currentRoot: currentRoot as bigint,
    nextLeafIndex: big(nextLeafIndex),
    batchCount: big(batchCount),
    lastSequencerBatchBlock: big(lastSequencerBatchBlock),
    escapeOpenFromBlock: big(escapeOpenFromBlock),
    inclusionQueue: { head, length },
    sequencer: sequencer as Address,
    escapeDelay: big(escapeDelay),
    depositTimeout: big(depositTimeout),
    blockNumber,
  }
}
