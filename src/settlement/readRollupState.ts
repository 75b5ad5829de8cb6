import type { Address } from 'viem'
import type { PublicClient } from 'viem'
import { rollupAbi } from './generated/contracts.ts'

export type RollupState = {
  currentRoot: bigint
  nextLeafIndex: bigint
  batchCount: bigint
  lastBatchBlock: bigint
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
  const read = <F extends 'currentRoot' | 'nextLeafIndex' | 'batchCount' | 'lastBatchBlock' | 'sequencer' | 'escapeDelay' | 'depositTimeout'>(functionName: F) =>
    publicClient.readContract({ address: p.rollup, abi: rollupAbi, functionName, blockNumber })
  const [currentRoot, nextLeafIndex, batchCount, lastBatchBlock, sequencer, escapeDelay, depositTimeout] = await Promise.all([
    read('currentRoot'),
    read('nextLeafIndex'),
    read('batchCount'),
    read('lastBatchBlock'),
    read('sequencer'),
    read('escapeDelay'),
    read('depositTimeout'),
  ])
  return {
    currentRoot: currentRoot as bigint,
    nextLeafIndex: BigInt(nextLeafIndex as bigint | number),
    batchCount: BigInt(batchCount as bigint | number),
    lastBatchBlock: BigInt(lastBatchBlock as bigint | number),
    sequencer: sequencer as Address,
    escapeDelay: BigInt(escapeDelay as bigint | number),
    depositTimeout: BigInt(depositTimeout as bigint | number),
    blockNumber,
  }
}
