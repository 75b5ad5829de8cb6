import { z } from 'zod'
import { FIELD_SIZE, toHex32 } from '../crypto/field.ts'
import type { Outputs } from '../crypto/note.ts'
import { NOTE_CIPHERTEXT_SIZE } from '../crypto/noteEncryption.ts'
import type { Proof } from './prove.ts'
import type { ShieldedTransaction } from './proveTransaction.ts'

// The one wire format of zkpay's transactions and proofs, as zod codecs: the JSON schema is the
// type (`TransactionJson` is inferred from it), `decode` checks JSON and turns it into the typed
// value, `encode` turns the typed value into JSON (and checks what it made). Field elements and
// proof coordinates are fixed-width `0x` hex, 64 digits (CONVENTIONS); the signed `extAmount`
// and the `fee` are decimal strings (integers, not field elements); bytes are `0x` hex.
// Everything that crosses a process or a disk goes through here: the node's API, its store, the
// prover's HTTP API, the wallet's store.

const HEX = /^[0-9a-fA-F]{64}$/
/**
 * 32 bytes as `0x` and 64 hex digits.
 *
 * @example
 * hex32Schema.safeParse(body.epk).success // false for '0x12'
 */
export const hex32Schema = z.templateLiteral(['0x', z.string().regex(HEX)], { error: 'expected 0x followed by 64 hex digits' })
/** A field element: fixed-width hex below r. zod runs refinements after a failed pattern too. */
const field = hex32Schema.refine((h) => HEX.test(h.slice(2)) && BigInt(h) < FIELD_SIZE, 'expected a field element below r')
const pair = <T extends z.ZodType>(t: T) => z.tuple([t, t])
const integer = z.string().regex(/^-?[0-9]{1,78}$/, 'expected a decimal integer')
const ciphertext = z.templateLiteral(['0x', z.string().regex(new RegExp(`^[0-9a-fA-F]{${2 * NOTE_CIPHERTEXT_SIZE}}$`))], { error: `expected ${NOTE_CIPHERTEXT_SIZE} bytes of hex` })
const address = z.templateLiteral(['0x', z.string().regex(/^[0-9a-fA-F]{40}$/)], { error: 'expected a 20-byte address' })

type Hex32 = `0x${string}`
const hex = (x: bigint) => toHex32(x)
const hexPair = (p: readonly [bigint, bigint]): [Hex32, Hex32] => [hex(p[0]), hex(p[1])]
const bigPair = (p: readonly [string, string]): [bigint, bigint] => [BigInt(p[0]), BigInt(p[1])]
const bigTriple = (t: readonly [string, string, string]): Outputs<bigint> => [BigInt(t[0]), BigInt(t[1]), BigInt(t[2])]

/**
 * A Groth16 proof on the wire: the coordinates of A, B and C (B's limbs as the EVM takes them).
 * Coordinates are checked against 2^256 here and against the base field and the curve where
 * proofs are verified (`proofPoints`), exactly as the contract's precompiles check them.
 *
 * @example
 * const proof = proofJsonSchema.parse(JSON.parse(body)) // { a: [x, y], b: [[…], […]], c: [x, y] }, hex strings
 */
export const proofJsonSchema = z.object({ a: pair(hex32Schema), b: pair(pair(hex32Schema)), c: pair(hex32Schema) }).strict()
export type ProofJson = z.infer<typeof proofJsonSchema>

const decodeProof = (j: ProofJson): Proof => ({ a: bigPair(j.a), b: [bigPair(j.b[0]), bigPair(j.b[1])], c: bigPair(j.c) })
const encodeProof = (p: Proof): ProofJson => ({ a: hexPair(p.a), b: [hexPair(p.b[0]), hexPair(p.b[1])], c: hexPair(p.c) })

/**
 * @example
 * const json = proofCodec.encode(proof) // { a: ['0x…', '0x…'], b: [[…], […]], c: [… ] }
 * const again = proofCodec.decode(json) // throws a ZodError on anything but that shape
 */
export const proofCodec = z.codec(proofJsonSchema, z.custom<Proof>(), { decode: decodeProof, encode: encodeProof })

/**
 * A proven shielded transaction on the wire: `POST /v1/transactions`, the node's store, a wallet's pending deposit.
 *
 * @example
 * const parsed = transactionJsonSchema.safeParse(body) // parsed.data: TransactionJson when parsed.success
 */
export const transactionJsonSchema = z
  .object({
    proof: proofJsonSchema,
    root: field,
    publicAmount: field,
    // Not bounded by r here: the contract reads it as an address and answers INVALID_ASSET for
    // anything above 2^160, and admission must say the same.
    publicAsset: hex32Schema,
    extDataHash: field,
    nullifiers: pair(field),
    commitments: z.tuple([field, field, field]),
    extData: z
      .object({
        recipient: address,
        extAmount: integer,
        fee: integer.refine((f) => !f.startsWith('-'), 'expected a non-negative integer'),
        epk: hex32Schema,
        ciphertexts: z.tuple([ciphertext, ciphertext, ciphertext]),
      })
      .strict(),
  })
  .strict()
export type TransactionJson = z.infer<typeof transactionJsonSchema>

const decodeTransaction = (j: TransactionJson): ShieldedTransaction => ({
  proof: decodeProof(j.proof),
  root: BigInt(j.root),
  publicAmount: BigInt(j.publicAmount),
  // Checked against 2^160 by admission (INVALID_ASSET), as the contract does.
  publicAsset: BigInt(j.publicAsset),
  extDataHash: BigInt(j.extDataHash),
  nullifiers: bigPair(j.nullifiers),
  commitments: bigTriple(j.commitments),
  extData: { recipient: j.extData.recipient, extAmount: BigInt(j.extData.extAmount), fee: BigInt(j.extData.fee), epk: j.extData.epk, ciphertexts: [j.extData.ciphertexts[0], j.extData.ciphertexts[1], j.extData.ciphertexts[2]] },
})
/**
 * The JSON of any transaction whose values fit 32 bytes, unchecked: what attack tests send to
 * see the node refuse it. Everything else encodes through `transactionCodec` (checked).
 */
export const encodeTransactionUnchecked = (tx: ShieldedTransaction): TransactionJson => ({
  proof: encodeProof(tx.proof),
  root: hex(tx.root),
  publicAmount: hex(tx.publicAmount),
  publicAsset: hex(tx.publicAsset),
  extDataHash: hex(tx.extDataHash),
  nullifiers: hexPair(tx.nullifiers),
  commitments: [hex(tx.commitments[0]), hex(tx.commitments[1]), hex(tx.commitments[2])],
  extData: {
    recipient: tx.extData.recipient,
    extAmount: tx.extData.extAmount.toString(),
    fee: tx.extData.fee.toString(),
    epk: tx.extData.epk,
    ciphertexts: [tx.extData.ciphertexts[0], tx.extData.ciphertexts[1], tx.extData.ciphertexts[2]],
  },
})

/**
 * @example
 * const json = transactionCodec.encode(tx) // what the wallet POSTs
 * const parsed = transactionCodec.safeDecode(await c.req.json()) // what the node admits
 * if (parsed.success) await sequencer.submit(parsed.data)
 */
export const transactionCodec = z.codec(transactionJsonSchema, z.custom<ShieldedTransaction>(), { decode: decodeTransaction, encode: encodeTransactionUnchecked })

/**
 * The transaction as JSON, checked: a value no node would admit (a field element out of range,
 * a ciphertext of the wrong size) throws here rather than on the node.
 *
 * @example
 * await fetch(`${sequencerUrl}/v1/transactions`, { method: 'POST', body: JSON.stringify(toTransactionJson(tx)) })
 */
export function toTransactionJson(tx: ShieldedTransaction): TransactionJson {
  return transactionCodec.encode(tx)
}

/**
 * The transaction a JSON value stands for, checked against the schema (a `ZodError` otherwise).
 *
 * @example
 * const tx = fromTransactionJson(row.payload)
 */
export function fromTransactionJson(json: TransactionJson): ShieldedTransaction {
  return transactionCodec.decode(json)
}
