import { base64urlnopad } from '@scure/base'
import * as Address from 'ox/Address'
import { decodeAddress, type Network } from '../../crypto/address.ts'
import { AMOUNT_LIMIT } from '../../crypto/note.ts'
import { MEMO_SIZE } from '../../crypto/noteEncryption.ts'
import { InvalidParameterError, PaymentUriError } from '../../errors/index.ts'
import { assertDecimals, formatAmount, parseAmount } from './amount.ts'

/**
 * The scheme of payment URIs (`zkpay:<address>?…`).
 *
 * @example
 * const isPaymentUri = uri.toLowerCase().startsWith(`${PAYMENT_URI_SCHEME}:`) // 'zkpay:'
 */
export const PAYMENT_URI_SCHEME = 'zkpay'

/** A payment request: what a `zkpay:` URI asks the payer's wallet to send. */
export type PaymentRequest = {
  /** the recipient's shielded address (`zkpt1…` / `zkp1…`) */
  address: string
  /** base units (wei, or the token's smallest unit); absent when the payer chooses */
  amount?: bigint
  /** ERC-20 address; the zero address for ETH */
  asset: Address.Address
  /** the memo to send, as text (the invoice id, then optionally a space and the merchant's text) */
  memo?: string
  /** who is asking, for the payer to read */
  label?: string
  /** what for, for the payer to read */
  message?: string
}

/** The asset of ETH payments: the zero address, as the rollup's contracts name it. */
const ETH_ASSET: Address.Address = '0x0000000000000000000000000000000000000000'
const KNOWN = new Set(['amount', 'asset', 'memo', 'label', 'message'])

/**
 * Builds a payment URI after Zcash ZIP-321:
 * `zkpay:<address>?amount=<decimal whole units>&asset=<0x… ERC-20, omitted for ETH>&memo=<base64url of the memo bytes>&label=…&message=…`.
 *
 * @example
 * buildPaymentUri({ address: 'zkpt1…', amount: parseEther('0.25'), memo: 'inv_k3m9xq2a7bce' })
 * // 'zkpay:zkpt1…?amount=0.25&memo=aW52X2szbTl4cTJhN2JjZQ'
 */
export function buildPaymentUri(request: Omit<PaymentRequest, 'asset'> & { asset?: Address.Address; decimals?: number }): string {
  const { decimals = 18 } = request
  assertDecimals(decimals)
  try {
    decodeAddress(request.address)
  } catch (cause) {
    throw new InvalidParameterError('address', 'expected a zkpay address (zkp1… or zkpt1…)', cause instanceof Error ? cause.message : undefined)
  }
  const params: string[] = []
  if (request.amount !== undefined) {
    if (typeof request.amount !== 'bigint' || request.amount <= 0n || request.amount >= AMOUNT_LIMIT) {
      throw new InvalidParameterError('amount', 'expected a positive bigint below 2^128, in base units')
    }
    params.push(`amount=${formatAmount(request.amount, decimals)}`)
  }
  if (request.asset !== undefined && request.asset !== ETH_ASSET) {
    if (!Address.validate(request.asset, { strict: false })) throw new InvalidParameterError('asset', 'expected an ERC-20 address (0x and 40 hex digits), or omit it for ETH')
    params.push(`asset=${Address.checksum(request.asset)}`)
  }
  if (request.memo !== undefined) {
    const bytes = new TextEncoder().encode(request.memo)
    if (bytes.length > MEMO_SIZE) throw new InvalidParameterError('memo', `at most ${MEMO_SIZE} bytes of UTF-8 (got ${bytes.length})`)
    params.push(`memo=${base64urlnopad.encode(bytes)}`)
  }
  if (request.label !== undefined) params.push(`label=${encodeURIComponent(request.label)}`)
  if (request.message !== undefined) params.push(`message=${encodeURIComponent(request.message)}`)
  return `${PAYMENT_URI_SCHEME}:${request.address}${params.length > 0 ? `?${params.join('&')}` : ''}`
}

/**
 * Parses a `zkpay:` payment URI (see `buildPaymentUri`). Following ZIP-321, unknown parameters are
 * ignored unless their name starts with `req-`, which means "do not pay if you do not understand
 * me". Every way the URI can be wrong throws a `PaymentUriError` with its own code: URI_BAD_SCHEME,
 * URI_BAD_ENCODING, URI_BAD_ADDRESS, URI_BAD_AMOUNT, URI_BAD_ASSET, URI_BAD_MEMO,
 * URI_DUPLICATE_PARAM, URI_UNKNOWN_REQUIRED_PARAM.
 *
 * `decimals` is the asset's (18 for ETH); a wallet paying a token passes the token's.
 *
 * @example
 * const request = parsePaymentUri(invoice.uri)
 * await wallet.transfer({ to: request.address, amount: request.amount!, asset: request.asset, memo: request.memo })
 */
export function parsePaymentUri(uri: string, options: { decimals?: number } = {}): PaymentRequest & { network: Network } {
  const { decimals = 18 } = options
  assertDecimals(decimals)
  if (typeof uri !== 'string') throw new PaymentUriError('BAD_SCHEME', { details: 'Expected a string.' })
  const colon = uri.indexOf(':')
  if (colon < 0 || uri.slice(0, colon).toLowerCase() !== PAYMENT_URI_SCHEME) {
    throw new PaymentUriError('BAD_SCHEME', { details: `Got ${JSON.stringify(uri.slice(0, 16))}…` })
  }
  const rest = uri.slice(colon + 1)
  const question = rest.indexOf('?')
  const address = question < 0 ? rest : rest.slice(0, question)
  let network: Network
  try {
    network = decodeAddress(address).network
  } catch (cause) {
    throw new PaymentUriError('BAD_ADDRESS', { details: cause instanceof Error ? cause.message : undefined, cause })
  }
  const params = new Map<string, string>()
  if (question >= 0) {
    for (const part of rest.slice(question + 1).split('&')) {
      const eq = part.indexOf('=')
      if (eq <= 0) throw new PaymentUriError('BAD_ENCODING', { details: `Parameter ${JSON.stringify(part)} is not name=value.` })
      const name = part.slice(0, eq)
      let value: string
      try {
        value = decodeURIComponent(part.slice(eq + 1))
      } catch (cause) {
        throw new PaymentUriError('BAD_ENCODING', { details: `Parameter ${name} has bad percent-encoding.`, cause })
      }
      if (/\.[0-9]+$/.test(name)) throw new PaymentUriError('BAD_ENCODING', { details: `Parameter ${name}: requests for several payments (ZIP-321 indexes) are not supported.` })
      if (params.has(name)) throw new PaymentUriError('DUPLICATE_PARAM', { details: `Parameter ${name} appears twice.` })
      params.set(name, value)
    }
  }
  for (const name of params.keys()) {
    if (name.startsWith('req-') && !KNOWN.has(name)) throw new PaymentUriError('UNKNOWN_REQUIRED_PARAM', { details: `Parameter ${name}.` })
  }
  const request: PaymentRequest & { network: Network } = { address, network, asset: ETH_ASSET }
  const amount = params.get('amount')
  if (amount !== undefined) {
    const parsed = parseAmount(amount, decimals)
    if (parsed === undefined) throw new PaymentUriError('BAD_AMOUNT', { details: `Got ${JSON.stringify(amount.slice(0, 50))}: expected a positive decimal with at most ${decimals} decimals.` })
    request.amount = parsed
  }
  const asset = params.get('asset')
  if (asset !== undefined) {
    if (!Address.validate(asset, { strict: false })) throw new PaymentUriError('BAD_ASSET', { details: `Got ${JSON.stringify(asset.slice(0, 50))}.` })
    request.asset = Address.checksum(asset)
  }
  const memo = params.get('memo')
  if (memo !== undefined) request.memo = parseMemo(memo)
  const label = params.get('label')
  if (label !== undefined) request.label = label
  const message = params.get('message')
  if (message !== undefined) request.message = message
  return request
}

function parseMemo(value: string): string {
  let bytes: Uint8Array
  try {
    bytes = base64urlnopad.decode(value)
  } catch (cause) {
    throw new PaymentUriError('BAD_MEMO', { details: 'Not base64url without padding (RFC 4648 §5, as ZIP-321).', cause })
  }
  if (bytes.length > MEMO_SIZE) throw new PaymentUriError('BAD_MEMO', { details: `${bytes.length} bytes, at most ${MEMO_SIZE}.` })
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch (cause) {
    throw new PaymentUriError('BAD_MEMO', { details: 'The memo is not UTF-8 text.', cause })
  }
}
