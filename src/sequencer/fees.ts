import { type Address, formatUnits, getAddress } from 'viem'
import type { ShieldedTransaction } from '../circuits/index.ts'
import { TRANSFER_OUTPUTS } from '../crypto/note.ts'
import { decryptNotes } from '../crypto/noteEncryption.ts'
import { type Rejection, reject } from './rejections.ts'

/**
 * The fee output's position: payment, change, fee note.
 *
 * @example
 * const feeCiphertext = tx.extData.ciphertexts[FEE_OUTPUT] // FEE_OUTPUT = 2, the last output
 */
export const FEE_OUTPUT = TRANSFER_OUTPUTS - 1

/** The node's price for one transaction of an asset, in its base units. */
export type FeePrice = { amount: bigint; decimals: number }

/**
 * What the node charges and how it checks it: the fee is a note to the operator's shielded
 * address (the transaction's last output), which only the operator decrypts, with the incoming
 * viewing key of that address. A transfer that pays a fee shows the chain nothing more than one
 * that does not: no amount, no asset.
 */
export type FeePolicy = {
  /** the operator's fee address (`zkp1…`/`zkpt1…`), published in `/v1/status` */
  address: string
  /** its incoming viewing key's parts */
  vsk: Uint8Array
  ownerPk: bigint
  /** per asset (0 for ETH, else the token's address as an integer) */
  prices: ReadonlyMap<bigint, FeePrice>
}

/**
 * What `/v1/status` publishes of a policy: where fee notes go and the price per asset; null without fees.
 *
 * @example
 * publicFees(policy) // { address: 'zkpt1…', prices: [{ asset: '0x0000…0000', amount: '10000000000000', decimals: 18 }] }
 */
export function publicFees(policy: FeePolicy | undefined): { address: string; prices: { asset: Address; amount: string; decimals: number }[] } | null {
  if (!policy) return null
  return {
    address: policy.address,
    prices: [...policy.prices].map(([asset, price]) => ({ asset: assetAddress(asset), amount: price.amount.toString(), decimals: price.decimals })),
  }
}

/** Priority is the fee in thousandths of the price, capped so that it stays an exact integer. */
const PRIORITY_CAP = 1n << 50n

const assetAddress = (asset: bigint): Address => getAddress(`0x${asset.toString(16).padStart(40, '0')}`)
const assetName = (asset: bigint) => (asset === 0n ? 'ETH' : assetAddress(asset))
const priceText = (asset: bigint, price: FeePrice) => `${price.amount} base units (${formatUnits(price.amount, price.decimals)}) of ${assetName(asset)}`

/**
 * Checks the fee note of an admitted transaction: it must decrypt under the operator's key, open
 * its on-chain commitment (the circuit bound it to the transaction's asset) and pay at least the
 * asset's price. Returns the transaction's priority: the fee per the price, in thousandths.
 *
 * @example
 * const verdict = checkFee(tx, policy) // { ok: true, priority: 1000 } for a fee of exactly the price
 */
export function checkFee(tx: ShieldedTransaction, policy: FeePolicy | undefined): { ok: true; priority: number } | Rejection {
  if (!policy) return { ok: true, priority: 0 }
  const found = decryptNotes({
    vsk: policy.vsk,
    ownerPk: policy.ownerPk,
    epk: Buffer.from(tx.extData.epk.slice(2), 'hex'),
    ciphertexts: tx.extData.ciphertexts.map((c) => Buffer.from(c.slice(2), 'hex')),
    commitments: tx.commitments,
  })[FEE_OUTPUT]
  if (!found) {
    // Without the note the asset of a pure transfer is unknown: name the public one, or all prices.
    const listed = tx.publicAsset !== 0n && policy.prices.has(tx.publicAsset) ? [tx.publicAsset] : [...policy.prices.keys()]
    const prices = listed.map((a) => priceText(a, policy.prices.get(a)!)).join(', ')
    return reject('FEE_TOO_LOW', `Its last output is not a fee note to ${policy.address}; a transaction pays at least ${prices || 'the price in /v1/status'} there.`)
  }
  const { asset, amount } = found.note
  const price = policy.prices.get(asset)
  if (!price) return reject('FEE_ASSET_UNSUPPORTED', `It pays in ${assetName(asset)}; this node takes ${[...policy.prices.keys()].map(assetName).join(', ')}.`)
  if (amount < price.amount) return reject('FEE_TOO_LOW', `It pays ${amount}; a transaction of ${assetName(asset)} pays at least ${priceText(asset, price)}.`)
  const ratio = price.amount === 0n ? PRIORITY_CAP : (amount * 1000n) / price.amount
  return { ok: true, priority: Number(ratio < PRIORITY_CAP ? ratio : PRIORITY_CAP) }
}
