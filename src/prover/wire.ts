import type { ProofJson } from '../circuits/codec.ts'
import type { BatchWitness } from '../circuits/index.ts'
import { toHex32 } from '../crypto/field.ts'

type Wire = string | number | Wire[] | { [key: string]: Wire }

/**
 * bigints as fixed-width `0x` hex (64 digits, as every field element on the wire), recursively: how a witness crosses to a prover.
 *
 * @example
 * const body = JSON.stringify(toWire({ witness })) // every bigint as '0x' and 64 hex digits
 */
export function toWire(value: unknown): Wire {
  if (typeof value === 'bigint') return toHex32(value)
  if (Array.isArray(value)) return value.map(toWire)
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toWire(v)]))
  return value as Wire
}

/**
 * The inverse of {@link toWire}: every `0x` hex string becomes a bigint.
 *
 * @example
 * const request = fromWire<ProveRequest>(await c.req.json())
 */
export function fromWire<T>(value: unknown): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string' && /^0x[0-9a-fA-F]+$/.test(v)) return BigInt(v)
    if (Array.isArray(v)) return v.map(walk)
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]))
    return v
  }
  return walk(value) as T
}

export type ProveRequest = { witness: BatchWitness }
/** The proof in the one wire format of proofs (`proofCodec`). */
export type ProveResponse = { proof: ProofJson; ms: number }
