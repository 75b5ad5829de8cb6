import { InvalidAddressError, InvalidParameterError } from '../errors/index.ts'
import { decodeBech32m, encodeBech32m } from './bech32.ts'
import { bigIntToBytes, bytesToBigInt, FIELD_SIZE, isFieldElement } from './field.ts'

export type Network = 'mainnet' | 'testnet'

/**
 * Address prefixes: `zkp1…` on mainnet, `zkpt1…` on test networks and devnets.
 *
 * @example
 * const isMainnet = address.startsWith(`${ADDRESS_PREFIX.mainnet}1`) // 'zkp1…'
 */
export const ADDRESS_PREFIX: Record<Network, string> = { mainnet: 'zkp', testnet: 'zkpt' }
/**
 * The version byte that starts every address payload (`encodeAddress` writes it, `decodeAddress`
 * rejects any other with `ADDRESS_UNKNOWN_VERSION`).
 *
 * @example
 * if (payload[0] !== ADDRESS_VERSION) throw new InvalidAddressError('UNKNOWN_VERSION') // ADDRESS_VERSION = 1
 */
export const ADDRESS_VERSION = 1
const PAYLOAD_LENGTH = 1 + 32 + 32

/** What a payer needs to pay someone: where notes go (`ownerPk`) and whom to encrypt them to (`vpk`). */
export type PaymentAddress = { ownerPk: bigint; vpk: Uint8Array }

/**
 * bech32m of `version ‖ ownerPk (32 B big-endian) ‖ vpk (32 B)`.
 *
 * @example
 * encodeAddress(keys, 'testnet') // 'zkpt1q…'
 */
export function encodeAddress(address: PaymentAddress, network: Network): string {
  if (!isFieldElement(address?.ownerPk)) throw new InvalidParameterError('ownerPk', 'expected a bigint field element')
  if (!(address.vpk instanceof Uint8Array) || address.vpk.length !== 32) throw new InvalidParameterError('vpk', 'expected 32 bytes')
  const prefix = ADDRESS_PREFIX[network]
  if (!prefix) throw new InvalidParameterError('network', "expected 'mainnet' or 'testnet'")
  const payload = new Uint8Array(PAYLOAD_LENGTH)
  payload[0] = ADDRESS_VERSION
  payload.set(bigIntToBytes(address.ownerPk, 32), 1)
  payload.set(address.vpk, 33)
  return encodeBech32m(prefix, payload)
}

/**
 * Parses a zkpay address; each way it can be wrong has its own error code
 * (`ADDRESS_BAD_ENCODING`, `ADDRESS_BAD_CHECKSUM`, `ADDRESS_UNKNOWN_PREFIX`, `ADDRESS_BAD_LENGTH`,
 * `ADDRESS_UNKNOWN_VERSION`, `ADDRESS_BAD_KEY`).
 *
 * @example
 * const { ownerPk, vpk, network } = decodeAddress('zkpt1q…')
 */
export function decodeAddress(address: string): PaymentAddress & { network: Network } {
  const { prefix, payload } = decodeBech32m(address)
  const network = (Object.keys(ADDRESS_PREFIX) as Network[]).find((n) => ADDRESS_PREFIX[n] === prefix)
  if (!network) throw new InvalidAddressError('UNKNOWN_PREFIX', { details: `Prefix "${prefix}".` })
  if (payload.length !== PAYLOAD_LENGTH) {
    throw new InvalidAddressError('BAD_LENGTH', { details: `${payload.length} bytes of payload, expected ${PAYLOAD_LENGTH}.` })
  }
  if (payload[0] !== ADDRESS_VERSION) throw new InvalidAddressError('UNKNOWN_VERSION', { details: `Version ${payload[0]}.` })
  const ownerPk = bytesToBigInt(payload.subarray(1, 33))
  if (ownerPk >= FIELD_SIZE) throw new InvalidAddressError('BAD_KEY', { details: 'The owner key is not a field element.' })
  return { ownerPk, vpk: payload.slice(33), network }
}
