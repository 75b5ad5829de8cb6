import { bech32m } from '@scure/base'
import { InvalidAddressError } from '../errors/index.ts'

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l'
/** zkpay strings are longer than BIP-173's 90 characters; 1023 is bech32m's checksum guarantee. */
const LIMIT = 1023

export function encodeBech32m(prefix: string, payload: Uint8Array): string {
  return bech32m.encode(prefix, bech32m.toWords(payload), LIMIT)
}

/**
 * Splits a bech32m string into prefix and payload bytes, telling apart the ways it can be wrong:
 * not bech32 at all, a checksum that fails (a typo), or a payload that is not whole bytes.
 * Prefix, length and version are for the caller to check.
 */
export function decodeBech32m(input: unknown): { prefix: string; payload: Uint8Array } {
  if (typeof input !== 'string' || input.length === 0) throw new InvalidAddressError('BAD_ENCODING', { details: 'Expected a non-empty string.' })
  if (input.length > LIMIT) throw new InvalidAddressError('BAD_LENGTH', { details: `Longer than ${LIMIT} characters.` })
  if (input !== input.toLowerCase() && input !== input.toUpperCase()) {
    throw new InvalidAddressError('BAD_ENCODING', { details: 'Mixed upper and lower case.' })
  }
  const s = input.toLowerCase()
  const sep = s.lastIndexOf('1')
  if (sep < 1) throw new InvalidAddressError('BAD_ENCODING', { details: 'No prefix separator "1".' })
  const data = s.slice(sep + 1)
  if (data.length < 6) throw new InvalidAddressError('BAD_LENGTH', { details: 'Shorter than a checksum.' })
  const bad = [...data].findIndex((c) => !CHARSET.includes(c))
  if (bad >= 0) throw new InvalidAddressError('BAD_ENCODING', { details: `Character "${data[bad]}" is not in the bech32 alphabet.` })
  let decoded: { prefix: string; words: number[] }
  try {
    decoded = bech32m.decode(s as `${string}1${string}`, LIMIT)
  } catch (cause) {
    throw new InvalidAddressError('BAD_CHECKSUM', { cause })
  }
  let payload: Uint8Array
  try {
    payload = bech32m.fromWords(decoded.words)
  } catch (cause) {
    throw new InvalidAddressError('BAD_LENGTH', { cause, details: 'The data is not a whole number of bytes.' })
  }
  return { prefix: decoded.prefix, payload }
}
