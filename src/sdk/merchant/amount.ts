import { AMOUNT_LIMIT } from '../../crypto/note.ts'
import { InvalidParameterError } from '../../errors/index.ts'

// Amounts as people write them (`0.25` ETH) and as the rollup counts them (base units). Kept
// apart from payment URIs so that the CLI can read and print amounts without loading viem.

const AMOUNT = /^([0-9]+)(?:\.([0-9]+))?$/

/** Throws INVALID_PARAMETER unless `decimals` is an integer from 0 to 36. */
export function assertDecimals(decimals: number): void {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 36) throw new InvalidParameterError('decimals', 'expected an integer from 0 to 36')
}

/**
 * `amount` base units as a decimal in whole units, without trailing zeros.
 *
 * @example
 * formatAmount(250000000000000000n) // '0.25'
 * formatAmount(1_500_000n, 6) // '1.5'
 */
export function formatAmount(amount: bigint, decimals = 18): string {
  assertDecimals(decimals)
  const unit = 10n ** BigInt(decimals)
  const whole = amount / unit
  const fraction = (amount % unit).toString().padStart(decimals, '0').replace(/0+$/, '')
  return fraction ? `${whole}.${fraction}` : whole.toString()
}

/**
 * A decimal amount in whole units (`0.25`) as base units, or undefined when it is not plain digits
 * with an optional fraction of at most `decimals` digits, or is zero, or is 2^128 or more.
 *
 * @example
 * parseAmount('0.25', 18) // 250000000000000000n
 */
export function parseAmount(value: string, decimals = 18): bigint | undefined {
  assertDecimals(decimals)
  const m = AMOUNT.exec(value)
  if (!m || (m[2] ?? '').length > decimals) return undefined
  const amount = BigInt(m[1]!) * 10n ** BigInt(decimals) + BigInt((m[2] ?? '').padEnd(decimals, '0') || '0')
  return amount > 0n && amount < AMOUNT_LIMIT ? amount : undefined
}
