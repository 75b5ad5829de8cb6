import { InvalidParameterError, InvalidViewingKeyError } from '../errors/index.ts'
import { ADDRESS_PREFIX, type Network } from './address.ts'
import { decodeBech32m, encodeBech32m } from './bech32.ts'
import { bigIntToBytes, bytesToBigInt, FIELD_SIZE } from './field.ts'
import { type AccountKeys, deriveInternalKey } from './keys.ts'
import { poseidon } from './poseidon.ts'
import { getPrimitives } from './primitives.ts'

/**
 * Viewing keys let a merchant or an auditor watch an account without being able to spend:
 * - incoming (`…ivk`): `vsk` and `ownerPk`: decrypts the notes others send to the account's
 *   address (payments received) and checks their commitments. It does not read the notes the
 *   account sends itself (change, deposits, merges, a withdrawal's change, zero-value padding):
 *   those are encrypted to the internal key, which comes from `nk`, which it does not hold. So it
 *   cannot tell when notes are spent, nor learn deposits, withdrawals, balances or what the
 *   account paid others;
 * - full (`…fvk`): `vsk`, `ak`, `nk`: also derives the internal key on import (it reads the
 *   account's notes to itself, so its balance after each spend) and computes nullifiers, so it
 *   sees spends and the true balance. The internal key is not in the string (whose format
 *   predates it): any full key, however old, reads internal notes.
 * Neither holds `sk`, without which no spend proof can be made.
 */
export type ViewingKey = {
  kind: 'incoming' | 'full'
  network: Network
  vsk: Uint8Array
  vpk: Uint8Array
  ownerPk: bigint
  /** full viewing keys only */
  ak?: bigint
  /** full viewing keys only */
  nk?: bigint
  /** full viewing keys only: `deriveInternalKey(nk)`, which decrypts the account's notes to itself */
  internalKey?: Uint8Array
}

const VERSION = 1
const SUFFIX = { incoming: 'ivk', full: 'fvk' } as const

/**
 * Exports a viewing key as a bech32m string (`zkptivk1…`, `zkptfvk1…`; `zkpivk1…`/`zkpfvk1…` on mainnet).
 *
 * @example
 * const ivk = exportViewingKey(keys, 'incoming', 'testnet')
 */
export function exportViewingKey(keys: Pick<AccountKeys, 'vsk' | 'ak' | 'nk' | 'ownerPk'>, kind: 'incoming' | 'full', network: Network): string {
  const prefix = ADDRESS_PREFIX[network]
  if (!prefix) throw new InvalidParameterError('network', "expected 'mainnet' or 'testnet'")
  if (kind !== 'incoming' && kind !== 'full') throw new InvalidParameterError('kind', "expected 'incoming' or 'full'")
  const fields = kind === 'incoming' ? [keys.ownerPk] : [keys.ak, keys.nk]
  const payload = new Uint8Array(1 + 32 + 32 * fields.length)
  payload[0] = VERSION
  payload.set(keys.vsk, 1)
  fields.forEach((f, i) => payload.set(bigIntToBytes(f, 32), 33 + 32 * i))
  return encodeBech32m(prefix + SUFFIX[kind], payload)
}

/**
 * Parses a viewing key string exported by `exportViewingKey`.
 *
 * @example
 * const vk = importViewingKey('zkptivk1…') // { kind: 'incoming', vsk, vpk, ownerPk, network }
 * const fvk = importViewingKey('zkptfvk1…') // also ak, nk and internalKey
 */
export function importViewingKey(s: string): ViewingKey {
  let decoded: { prefix: string; payload: Uint8Array }
  try {
    decoded = decodeBech32m(s)
  } catch (cause) {
    throw new InvalidViewingKeyError('The viewing key is not a valid bech32m string (mistyped or truncated).', { cause })
  }
  const { prefix, payload } = decoded
  let match: { network: Network; kind: 'incoming' | 'full' } | undefined
  for (const network of Object.keys(ADDRESS_PREFIX) as Network[]) {
    for (const kind of ['incoming', 'full'] as const) {
      if (prefix === ADDRESS_PREFIX[network] + SUFFIX[kind]) match = { network, kind }
    }
  }
  if (!match) throw new InvalidViewingKeyError(`Unknown viewing key prefix "${prefix}": expected zkpivk, zkpfvk, zkptivk or zkptfvk.`)
  const expected = match.kind === 'incoming' ? 65 : 97
  if (payload.length !== expected) throw new InvalidViewingKeyError(`The viewing key has ${payload.length} bytes of payload, expected ${expected}.`)
  if (payload[0] !== VERSION) throw new InvalidViewingKeyError(`Unsupported viewing key version ${payload[0]}.`)
  const vsk = payload.slice(1, 33)
  const vpk = getPrimitives().x25519Base(vsk)
  const fields = [bytesToBigInt(payload.subarray(33, 65)), bytesToBigInt(payload.subarray(65, 97))]
  if (fields.some((f) => f >= FIELD_SIZE)) throw new InvalidViewingKeyError('The viewing key holds a value that is not a field element.')
  if (match.kind === 'incoming') return { kind: 'incoming', network: match.network, vsk, vpk, ownerPk: fields[0]! }
  const [ak, nk] = fields as [bigint, bigint]
  return { kind: 'full', network: match.network, vsk, vpk, ak, nk, ownerPk: poseidon([ak, nk]), internalKey: deriveInternalKey(nk) }
}
