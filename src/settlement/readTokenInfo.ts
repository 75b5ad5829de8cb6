import { type Address, erc20Abi, getAddress, type PublicClient, zeroAddress } from 'viem'
import { InvalidParameterError } from '../errors/index.ts'

/** An asset as people read it: its decimals and a symbol safe to print. */
export type TokenInfo = { address: Address; decimals: number; symbol: string }

/** ETH, the rollup's asset 0. */
export const ETH_INFO: TokenInfo = { address: zeroAddress, decimals: 18, symbol: 'ETH' }

/**
 * A token's symbol as a terminal or a page may show it: a token contract chooses its own, so
 * only ASCII letters, digits, `.`, `_` and `-` are kept (no escape sequences, no invisible or
 * look-alike characters that would make a token read as ETH), cut to 12; none left, the address
 * stands for it.
 */
export function printableSymbol(symbol: string, address: Address): string {
  const clean = symbol.replace(/[^A-Za-z0-9._-]/g, '').slice(0, 12)
  return clean === '' ? `${address.slice(0, 6)}…${address.slice(-4)}` : clean
}

/**
 * Reads an ERC-20's `decimals` and `symbol` (ETH for the zero address). A contract without
 * `decimals` is not a token zkpay can show amounts of: INVALID_PARAMETER naming `asset`.
 *
 * @example
 * const { decimals, symbol } = await readTokenInfo(publicClient, '0xe7f1…0512')
 */
export async function readTokenInfo(publicClient: PublicClient, asset: Address): Promise<TokenInfo> {
  const address = getAddress(asset)
  if (address === zeroAddress) return ETH_INFO
  const [decimals, symbol] = await Promise.all([
    publicClient.readContract({ address, abi: erc20Abi, functionName: 'decimals' }),
    publicClient.readContract({ address, abi: erc20Abi, functionName: 'symbol' }).catch(() => ''),
  ]).catch(() => {
    throw new InvalidParameterError('asset', `${address} is not an ERC-20 token on this chain`)
  })
  if (decimals > 36) throw new InvalidParameterError('asset', `${address} claims ${decimals} decimals; zkpay shows at most 36`)
  return { address, decimals, symbol: printableSymbol(symbol, address) }
}
