import { type Address, getAddress, isAddress } from 'viem'
import { z } from 'zod'
import { decodeAddress, type Network } from '../../crypto/address.ts'
import { AMOUNT_LIMIT } from '../../crypto/note.ts'
import { FeeAssetUnsupportedError, FeeTooHighError, NodeUnreachableError, WrongNetworkError } from '../../errors/index.ts'

/** What `GET /v1/status` says about fees: the operator's shielded fee address and its price per asset. */
export type NodeFees = {
  /** where fee notes go (`zkp1…`/`zkpt1…`) */
  address: string
  /** the fee per transaction, in base units of each asset the node takes fees in */
  prices: { asset: Address; amount: string; decimals: number }[]
} | null

/** The fee one transaction of an asset pays: `amount` to `to` (null when the node charges none). */
export type FeeQuote = { asset: Address; amount: bigint; to: { ownerPk: bigint; vpk: Uint8Array } | null }

/**
 * The most a wallet pays without being told to: 1% of what the transaction moves. A node (or
 * whoever sits between it and the wallet on a plain-http link) chooses the price it publishes,
 * so a wallet must never take it on trust; above this, the call needs an explicit `maxFee`.
 */
export const DEFAULT_MAX_FEE_PERCENT = 1n

const feesSchema = z
  .object({
    address: z.string(),
    prices: z
      .array(
        z.object({
          asset: z.string().refine((a) => isAddress(a, { strict: false }), 'expected an address'),
          amount: z.string().regex(/^\d{1,39}$/, 'expected a base-unit amount'),
          decimals: z.number().int().min(0).max(255),
        }),
      )
      .max(1_000),
  })
  .nullable()

/**
 * The fee for one transaction of `asset` from the node's published prices. A node without fees
 * quotes 0 (the wallet then fills the fee output with a zero note to itself); a node with fees
 * that does not list the asset admits no transaction of it (`FEE_ASSET_UNSUPPORTED`).
 *
 * @example
 * const quote = quoteFee(status.fees, zeroAddress, 'testnet') // { asset, amount: 10000000000000n, to: { ownerPk, vpk } }
 */
export function quoteFee(fees: NodeFees, asset: Address, network: Network): FeeQuote {
  if (fees === null) return { asset, amount: 0n, to: null }
  const price = fees.prices.find((p) => getAddress(p.asset) === getAddress(asset))
  if (!price) throw new FeeAssetUnsupportedError(asset, fees.prices.map((p) => p.asset))
  const amount = BigInt(price.amount)
  if (amount >= AMOUNT_LIMIT) throw new FeeTooHighError(`The node asks a fee of ${amount}, beyond any amount a note can hold.`)
  const fee = decodeAddress(fees.address)
  if (fee.network !== network) throw new WrongNetworkError(`The node's fee address is for ${fee.network}, but this wallet is on ${network}.`)
  return { asset, amount, to: { ownerPk: fee.ownerPk, vpk: fee.vpk } }
}

/**
 * Refuses a fee above `maxFee`, or, without one, above DEFAULT_MAX_FEE_PERCENT of `amount`:
 * checked before anything is proven or escrowed.
 */
export function assertFeeAcceptable(quote: FeeQuote, amount: bigint, maxFee: bigint | undefined): void {
  const cap = maxFee ?? (amount * DEFAULT_MAX_FEE_PERCENT) / 100n
  if (quote.amount > cap) {
    const why = maxFee === undefined ? `more than ${DEFAULT_MAX_FEE_PERCENT}% of the ${amount} it moves` : `more than maxFee (${maxFee})`
    throw new FeeTooHighError(`The node asks a fee of ${quote.amount}, ${why}: pass maxFee (--max-fee) to pay it.`)
  }
}

/** Reads the node's fees from `/v1/status`; an answer that is not the node's API is NODE_UNREACHABLE. */
export async function fetchNodeFees(url: string, fetchStatus: () => Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>): Promise<NodeFees> {
  let body: unknown
  try {
    const res = await fetchStatus()
    if (!res.ok) throw new Error(`HTTP ${res.status}`)
    body = await res.json()
  } catch (cause) {
    throw new NodeUnreachableError(url, { cause })
  }
  const parsed = feesSchema.safeParse((body as { fees?: unknown } | null)?.fees)
  if (!parsed.success) throw new NodeUnreachableError(url, { cause: new Error(`/v1/status has no valid fees: ${parsed.error.issues[0]?.message}`) })
  return parsed.data as NodeFees
}
