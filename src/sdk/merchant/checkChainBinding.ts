import * as Address from 'ox/Address'
import type { PublicClient } from 'viem'
import { getBlock, getChainId } from 'viem/actions'
import { WrongNetworkError } from '../../errors/index.ts'
import type { MerchantStore } from './openMerchantStore.ts'

/**
 * Binds the store to the L1 chain, the rollup and its deployment at the first call, and checks
 * them at every later one. The chain must be the one the rollup address was given for, and the
 * same deployment: a restarted devnet deploys the rollup at the same address on the same chain
 * id, and its payments would look like ours. The hash of the deployment block (`fromBlock`) tells
 * them apart. Throws `WrongNetworkError` with what to check.
 *
 * @example
 * await checkChainBinding(publicClient, store, { rollupAddress, fromBlock })
 */
export async function checkChainBinding(
  publicClient: PublicClient,
  store: Pick<MerchantStore, 'getMeta' | 'setMeta' | 'transaction'>,
  p: { rollupAddress: string; fromBlock: bigint },
): Promise<void> {
  const { fromBlock } = p
  const rollup = Address.checksum(p.rollupAddress)
  // As viem actions over `request`: the merchant needs of its client only what a JSON-RPC transport does.
  const chainId = String(await getChainId(publicClient))
  const block = await getBlock(publicClient, { blockNumber: fromBlock }).catch(() => undefined)
  const bound = { chainId: store.getMeta('chainId'), rollup: store.getMeta('rollupAddress'), deployment: store.getMeta('deploymentBlockHash') }
  const useNew = 'use a new merchant store (--store)'
  if (bound.chainId !== undefined && bound.chainId !== chainId) throw new WrongNetworkError(`This merchant store belongs to chain ${bound.chainId}, but the RPC serves chain ${chainId}: check the RPC URL, or ${useNew}.`)
  if (bound.rollup !== undefined && bound.rollup !== rollup) throw new WrongNetworkError(`This merchant store belongs to the rollup at ${bound.rollup}, not ${rollup}: check the rollup address, or ${useNew}.`)
  if (!block?.hash) {
    if (bound.deployment === undefined) throw new WrongNetworkError(`The chain has no block ${fromBlock}, where the rollup was deployed: check the RPC URL and --from-block.`)
    throw new WrongNetworkError(`This merchant store belongs to a deployment of the rollup whose block ${fromBlock} this chain does not have (a restarted devnet?): ${useNew}.`)
  }
  if (bound.deployment !== undefined && bound.deployment !== block.hash) {
    throw new WrongNetworkError(`This merchant store belongs to another deployment of the rollup at ${rollup} (a restarted devnet deploys at the same address): ${useNew}.`)
  }
  if (bound.deployment === undefined) {
    store.transaction(() => {
      store.setMeta('chainId', chainId)
      store.setMeta('rollupAddress', rollup)
      store.setMeta('deploymentBlockHash', block.hash)
    })
  }
}
