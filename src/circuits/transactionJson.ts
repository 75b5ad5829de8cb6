import type { Address, Hex } from 'viem'
import { fromHex32, toHex32 } from '../crypto/field.ts'
import type { Outputs } from '../crypto/note.ts'
import type { ShieldedTransaction } from './proveTransaction.ts'

type Hex32 = `0x${string}`

/**
 * A shielded transaction as it travels over HTTP: field elements as fixed-width `0x` hex (64
 * digits), the signed `extAmount` and the `fee` as decimal strings (they are integers, not field
 * elements), bytes as `0x` hex. The sequencer's API validates it with a zod schema.
 */
export type TransactionJson = {
  proof: { a: [Hex32, Hex32]; b: [[Hex32, Hex32], [Hex32, Hex32]]; c: [Hex32, Hex32] }
  root: Hex32
  publicAmount: Hex32
  publicAsset: Hex32
  extDataHash: Hex32
  nullifiers: [Hex32, Hex32]
  commitments: Outputs<Hex32>
  extData: { recipient: Address; extAmount: string; fee: string; epk: Hex; ciphertexts: Outputs<Hex> }
}

const pair = (p: readonly [bigint, bigint]): [Hex32, Hex32] => [toHex32(p[0]), toHex32(p[1])]

/**
 * @example
 * await fetch(`${sequencerUrl}/v1/transactions`, { method: 'POST', body: JSON.stringify(toTransactionJson(tx)) })
 */
export function toTransactionJson(tx: ShieldedTransaction): TransactionJson {
  return {
    proof: { a: pair(tx.proof.a), b: [pair(tx.proof.b[0]), pair(tx.proof.b[1])], c: pair(tx.proof.c) },
    root: toHex32(tx.root),
    publicAmount: toHex32(tx.publicAmount),
    publicAsset: toHex32(tx.publicAsset),
    extDataHash: toHex32(tx.extDataHash),
    nullifiers: pair(tx.nullifiers),
    commitments: tx.commitments.map(toHex32) as Outputs<Hex32>,
    extData: {
      recipient: tx.extData.recipient,
      extAmount: tx.extData.extAmount.toString(),
      fee: tx.extData.fee.toString(),
      epk: tx.extData.epk,
      ciphertexts: [...tx.extData.ciphertexts],
    },
  }
}

const big = (h: string) => fromHex32(h)
const bigPair = (p: readonly [string, string]): [bigint, bigint] => [big(p[0]), big(p[1])]
/** Proof coordinates live in the base field, which is larger than r: only the hex form is checked here. */
const coordinates = (p: readonly [string, string]): [bigint, bigint] => [BigInt(p[0]), BigInt(p[1])]

/** The inverse of {@link toTransactionJson}; its input is assumed schema-checked (fromHex32 still rejects bad hex). */
export function fromTransactionJson(json: TransactionJson): ShieldedTransaction {
  return {
    proof: { a: coordinates(json.proof.a), b: [coordinates(json.proof.b[0]), coordinates(json.proof.b[1])], c: coordinates(json.proof.c) },
    root: big(json.root),
    publicAmount: big(json.publicAmount),
    // Checked against 2^160 by admission (INVALID_ASSET), as the contract does.
    publicAsset: BigInt(json.publicAsset),
    extDataHash: big(json.extDataHash),
    nullifiers: bigPair(json.nullifiers),
    commitments: json.commitments.map(big) as Outputs<bigint>,
    extData: {
      recipient: json.extData.recipient,
      extAmount: BigInt(json.extData.extAmount),
      fee: BigInt(json.extData.fee),
      epk: json.extData.epk,
      ciphertexts: [...json.extData.ciphertexts],
    },
  }
}
