import { InvalidParameterError } from '../errors/index.ts'

/**
 * `confirmations` means one thing throughout zkpay (the node, the wallet, the merchant): the
 * number of blocks that carry a batch, **the including block counted**, as Ethereum tools count
 * them. 1 trusts a batch as soon as it is mined; 3 waits for two more blocks on top of it. A
 * batch whose block has that many is `final`: a reorg deeper than that is not expected (and is
 * handled, never ignored, when it happens).
 *
 * Returns the newest block whose contents have `confirmations` at head `head`: batches at or
 * below it are final.
 *
 * @example
 * lastConfirmedBlock(100n, 1) // 100n: the head's own batches are final
 * lastConfirmedBlock(100n, 3) // 98n: batches in blocks 99 and 100 wait
 */
export function lastConfirmedBlock(head: bigint, confirmations: number): bigint {
  return head - BigInt(confirmations) + 1n
}

/**
 * What a wallet and a merchant wait for by default before calling a payment final: the
 * including block and two on top. The node's own default is 1 (`ZKPAY_CONFIRMATIONS`): it
 * handles a deeper reorg itself, while a shop may already have shipped the goods.
 */
export const DEFAULT_CLIENT_CONFIRMATIONS = 3

/** The most confirmations any part accepts: beyond this a setting is a mistake, not caution. */
export const MAX_CONFIRMATIONS = 10_000

/**
 * Checks a `confirmations` option: an integer from 1 (final once mined) to 10,000.
 *
 * @example
 * assertConfirmations(options.confirmations ?? 3)
 */
export function assertConfirmations(value: number, parameter = 'confirmations'): number {
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_CONFIRMATIONS) {
    throw new InvalidParameterError(parameter, `expected a number of blocks from 1 to ${MAX_CONFIRMATIONS}, the including block counted (1: final once mined)`)
  }
  return value
}
