import { formatAmount } from '../sdk/merchant/amount.ts'

/**
 * An entry's amount in its asset: ETH in ether; any other asset in its base units with its
 * address, never a symbol (a token may call itself ETH) nor decimals it chose.
 *
 * @example
 * amountText({ asset: 0n, amount: 10n ** 17n }) // '0.1 ETH'
 */
export function amountText(entry: { amount: bigint; asset: bigint }): string {
  if (entry.asset === 0n) return `${formatAmount(entry.amount)} ETH`
  const address = `0x${entry.asset.toString(16).padStart(40, '0')}`
  return `${entry.amount} units of token ${address.slice(0, 8)}…${address.slice(-6)}`
}

