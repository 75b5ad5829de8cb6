import type { Address, PublicClient } from 'viem'
import { InvalidParameterError } from '../../errors/index.ts'
import { readTokenInfo } from '../../settlement/readTokenInfo.ts'

const ETH: Address = '0x0000000000000000000000000000000000000000'

/**
 * A reader of assets' decimals (for invoices' payment URIs): 18 for ETH (the zero address), else
 * the token's `decimals()`, read once per token and remembered: a token's decimals never change.
 * Throws `InvalidParameterError` naming `asset` when the address is no ERC-20 on the chain.
 *
 * @example
 * const decimalsOf = tokenDecimals(publicClient)
 * await decimalsOf('0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512') // 6
 */
export function tokenDecimals(publicClient: PublicClient): (asset: Address) => Promise<number> {
  const known = new Map<string, number>()
  return async (asset) => {
    if (asset === ETH) return 18
    const remembered = known.get(asset)
    if (remembered !== undefined) return remembered
    // The wallet's reader: the same ERC-20 check and the same bound on decimals.
    const { decimals } = await readTokenInfo(publicClient, asset).catch((cause: unknown) => {
      throw new InvalidParameterError('asset', 'expected an ERC-20 contract with decimals() on the settlement chain, or pass `decimals`', cause instanceof Error ? cause.message : undefined)
    })
    known.set(asset, decimals)
    return decimals
  }
}
