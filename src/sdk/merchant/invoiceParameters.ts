import * as Address from 'ox/Address'
import { AMOUNT_LIMIT } from '../../crypto/note.ts'
import { InvalidParameterError } from '../../errors/index.ts'
import { type CreateInvoiceParameters, METADATA_SIZE, ORDER_ID_SIZE, REDIRECT_URL_SIZE } from './types.ts'

// C0 and C1 controls: an order id is shown in logs and terminals, where they could rewrite what is shown.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/
const ETH: Address.Address = '0x0000000000000000000000000000000000000000'

/** An invoice's parameters as checked and stored (the memo is checked with the invoice id: `invoiceMemo`). */
export type CheckedInvoiceParameters = {
  /** checksummed; the zero address for ETH */
  asset: Address.Address
  orderId: string | null
  /** the metadata serialized as JSON */
  metadata: string | null
  /** the URL normalized (`URL.href`) */
  redirectUrl: string | null
}

/**
 * Checks `createInvoice`'s parameters, naming the bad one (`InvalidParameterError`), and returns
 * the fields as stored: the asset checksummed, the metadata as JSON, the redirect URL normalized.
 * A redirect URL is http(s) only: a javascript: or data: URL followed by the checkout page would
 * run in its origin.
 *
 * @example
 * const { asset, orderId, metadata, redirectUrl } = checkInvoiceParameters(p, { maxInvoiceTtl: 3_600 })
 */
export function checkInvoiceParameters(p: CreateInvoiceParameters, limits: { maxInvoiceTtl: number }): CheckedInvoiceParameters {
  if (typeof p?.amount !== 'bigint' || p.amount <= 0n || p.amount >= AMOUNT_LIMIT) throw new InvalidParameterError('amount', 'expected a positive bigint below 2^128, in base units')
  if (!Number.isFinite(p.expiresIn) || p.expiresIn <= 0 || p.expiresIn > limits.maxInvoiceTtl) {
    throw new InvalidParameterError('expiresIn', `expected a number of seconds from 1 to ${limits.maxInvoiceTtl} (maxInvoiceTtl)`)
  }
  if (p.asset !== undefined && !Address.validate(p.asset, { strict: false })) throw new InvalidParameterError('asset', 'expected an ERC-20 address (0x and 40 hex digits), or omit it for ETH')
  for (const name of ['label', 'message'] as const) {
    const v = p[name]
    if (v !== undefined && (typeof v !== 'string' || v.length > 200)) throw new InvalidParameterError(name, 'expected a string of at most 200 characters')
  }
  if (p.orderId !== undefined && (typeof p.orderId !== 'string' || p.orderId.length === 0 || p.orderId.length > ORDER_ID_SIZE || CONTROL.test(p.orderId))) {
    throw new InvalidParameterError('orderId', `expected 1 to ${ORDER_ID_SIZE} characters without control characters`)
  }
  let metadata: string | null = null
  if (p.metadata !== undefined) {
    const m = p.metadata
    if (typeof m !== 'object' || m === null || Array.isArray(m) || Object.getPrototypeOf(m) !== Object.prototype) throw new InvalidParameterError('metadata', 'expected a plain JSON object')
    try {
      metadata = JSON.stringify(m)
    } catch {
      throw new InvalidParameterError('metadata', 'expected a JSON object (no bigint, no cycles)')
    }
    const size = new TextEncoder().encode(metadata).length
    if (size > METADATA_SIZE) throw new InvalidParameterError('metadata', `at most ${METADATA_SIZE} bytes as JSON; got ${size}`)
  }
  let redirectUrl: string | null = null
  if (p.redirectUrl !== undefined) {
    const url = typeof p.redirectUrl === 'string' && p.redirectUrl.length <= REDIRECT_URL_SIZE && URL.canParse(p.redirectUrl) ? new URL(p.redirectUrl) : undefined
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) throw new InvalidParameterError('redirectUrl', `expected an http(s) URL of at most ${REDIRECT_URL_SIZE} characters`)
    redirectUrl = url.href
  }
  return { asset: p.asset === undefined ? ETH : Address.checksum(p.asset), orderId: p.orderId ?? null, metadata, redirectUrl }
}
