import { bytesToHex, hexToBytes, randomBytes } from '@noble/hashes/utils.js'
import { InvalidParameterError } from '../errors/index.ts'

/**
 * The BN254 scalar field modulus r: every circuit signal and Poseidon input lives below it.
 *
 * @example
 * const reduced = BigInt(keccak256(encoded)) % FIELD_SIZE
 */
export const FIELD_SIZE = 21888242871839275222246405745257275088548364400416034343698204186575808495617n

/** A field element as the fixed-width hex string used in JSON, SQL and logs (Tornado's `toFixedHex`). */
export type Hex32 = `0x${string}`

const HEX32 = /^0x[0-9a-fA-F]{64}$/

/**
 * `x mod r`, always non-negative: how signed amounts (withdrawals) enter the field.
 *
 * @example
 * const publicAmount = toField(extAmount - fee) // toField(-1n) === FIELD_SIZE - 1n
 */
export function toField(x: bigint): bigint {
  const m = x % FIELD_SIZE
  return m < 0n ? m + FIELD_SIZE : m
}

/**
 * Whether `x` is a field element: a bigint in [0, r).
 *
 * @example
 * if (!isFieldElement(address.ownerPk)) throw new InvalidParameterError('ownerPk', 'expected a bigint field element')
 */
export function isFieldElement(x: unknown): x is bigint {
  return typeof x === 'bigint' && x >= 0n && x < FIELD_SIZE
}

/**
 * Throws an error naming `parameter` unless `x` is a field element.
 *
 * @example
 * assertFieldElement(note.blinding, 'note.blinding') // throws InvalidParameterError unless 0 <= blinding < r
 */
export function assertFieldElement(x: unknown, parameter: string): asserts x is bigint {
  if (!isFieldElement(x)) throw new InvalidParameterError(parameter, 'expected a bigint field element in [0, r)')
}

/**
 * Fixed-width 0x hex (64 digits) of a field element or any value below 2^256.
 *
 * @example
 * toHex32(1n) // '0x0000000000000000000000000000000000000000000000000000000000000001'
 */
export function toHex32(x: bigint): Hex32 {
  if (x < 0n || x >= 1n << 256n) throw new InvalidParameterError('value', 'expected a non-negative integer below 2^256')
  return `0x${x.toString(16).padStart(64, '0')}`
}

/**
 * Parses a fixed-width 0x hex field element; `parameter` names it in the error.
 *
 * @example
 * const root = fromHex32(body.root, 'root') // the inverse of toHex32
 */
export function fromHex32(s: string, parameter = 'value'): bigint {
  if (!HEX32.test(s)) throw new InvalidParameterError(parameter, 'expected 0x followed by 64 hex digits')
  const x = BigInt(s)
  if (x >= FIELD_SIZE) throw new InvalidParameterError(parameter, 'expected a field element below r')
  return x
}

/**
 * Big-endian bytes → bigint.
 *
 * @example
 * const ownerPk = bytesToBigInt(payload.subarray(1, 33))
 */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n
  return BigInt(`0x${bytesToHex(bytes)}`)
}

/**
 * bigint → big-endian bytes of fixed `length`; throws if it does not fit.
 *
 * @example
 * bigIntToBytes(note.amount, 16) // 16 bytes, big-endian
 */
export function bigIntToBytes(x: bigint, length: number): Uint8Array {
  if (x < 0n || x >= 1n << BigInt(8 * length)) throw new InvalidParameterError('value', `expected a non-negative integer that fits in ${length} bytes`)
  return hexToBytes(x.toString(16).padStart(2 * length, '0'))
}

/**
 * A uniformly random field element: 64 random bytes reduced mod r (bias below 2^-250), used
 * for note blindings so that a commitment reveals nothing about its note.
 *
 * @example
 * const note = { asset: 0n, amount: 10n ** 18n, ownerPk: keys.ownerPk, blinding: randomFieldElement() }
 */
export function randomFieldElement(): bigint {
  return bytesToBigInt(randomBytes(64)) % FIELD_SIZE
}
