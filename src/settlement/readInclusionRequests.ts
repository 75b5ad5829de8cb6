import { type Address, decodeEventLog, getAbiItem, type Hash, type PublicClient, toEventSelector } from 'viem'
import type { ShieldedTransaction } from '../circuits/index.ts'
import { SettlementError } from '../errors/index.ts'
import { rollupAbi } from './generated/contracts.ts'
import { fromRollupTransfer } from './rollupTransfer.ts'

const INCLUSION_REQUESTED = toEventSelector(getAbiItem({ abi: rollupAbi, name: 'InclusionRequested' }))

/** One queued forced-inclusion request, as its event recorded it. */
export type InclusionRequest = {
  index: bigint
  /** `keccak256(abi.encode(transfer))` */
  txHash: Hash
  /** from this block on, batches must serve it before anything else */
  dueBlock: bigint
  transaction: ShieldedTransaction
  blockNumber: bigint
}

/**
 * The inclusion requests made between two blocks, in queue order, decoded from their
 * `InclusionRequested` events: what a sequencer (or anyone posting through the escape hatch)
 * must include. Compare with `inclusionQueue()` to know which are still waiting.
 *
 * @example
 * const requests = await readInclusionRequests(publicClient, { rollup, fromBlock: deployBlock })
 */
export async function readInclusionRequests(
  publicClient: PublicClient,
  p: { rollup: Address; fromBlock: bigint; toBlock?: bigint; chunkSize?: bigint },
): Promise<InclusionRequest[]> {
  const toBlock = p.toBlock ?? (await publicClient.getBlockNumber({ cacheTime: 0 }))
  const chunk = p.chunkSize ?? 5_000n
  const requests: InclusionRequest[] = []
  for (let from = p.fromBlock; from <= toBlock; from += chunk) {
    const to = from + chunk - 1n < toBlock ? from + chunk - 1n : toBlock
    const logs = await publicClient.getLogs({ address: p.rollup, fromBlock: from, toBlock: to, event: getAbiItem({ abi: rollupAbi, name: 'InclusionRequested' }), strict: true })
    for (const log of logs) {
      if (log.topics[0] !== INCLUSION_REQUESTED) continue
      const { args } = decodeEventLog({ abi: rollupAbi, eventName: 'InclusionRequested', data: log.data, topics: log.topics })
      requests.push({ index: args.index, txHash: args.txHash, dueBlock: args.dueBlock, transaction: fromRollupTransfer(args.transfer), blockNumber: log.blockNumber })
    }
  }
  requests.sort((a, b) => (a.index < b.index ? -1 : 1))
  requests.forEach((r, i) => {
    if (i > 0 && r.index !== requests[i - 1]!.index + 1n) throw new SettlementError('The inclusion requests read from L1 are not consecutive: read from the rollup\'s deployment block.')
  })
  return requests
}
