import type { InvoiceJson } from './types.ts'

/**
 * The fields anyone may read about an invoice: what the payment request itself says (the QR
 * code carries the address, amount, asset, memo, label and message already) and how far it has
 * come (state, received, overpaid). Nothing that ties it to the chain: no commitment, leaf
 * index, sequencer transaction id, L1 block or L1 transaction hash, and no payment list.
 *
 * @example
 * const shown = Object.fromEntries(PUBLIC_INVOICE_FIELDS.map((key) => [key, invoice[key]])) // what toPublicInvoiceJson returns
 */
export const PUBLIC_INVOICE_FIELDS = [
  'id',
  'address',
  'amount',
  'asset',
  'decimals',
  'memo',
  'label',
  'message',
  'createdAt',
  'expiresAt',
  'state',
  'received',
  'overpaid',
  'uri',
  // the checkout page follows it once paid; orderId and metadata are the merchant's own
  'redirectUrl',
] as const satisfies readonly (keyof InvoiceJson)[]

export type PublicInvoiceJson = Pick<InvoiceJson, (typeof PUBLIC_INVOICE_FIELDS)[number]>

/**
 * An invoice as the unauthenticated views show it (`GET /invoices/:id` without the API key, its
 * event stream, the checkout page). The invoice id sits in the QR code's memo, so whoever saw
 * the QR may read this: it must not say which on-chain transaction paid. Built from a list of
 * allowed fields, so a field added to `InvoiceJson` later stays private until listed here.
 *
 * @example
 * return c.json(toPublicInvoiceJson(toInvoiceJson(merchant.getInvoice(id))))
 */
export function toPublicInvoiceJson(invoice: InvoiceJson): PublicInvoiceJson {
  return Object.fromEntries(PUBLIC_INVOICE_FIELDS.map((key) => [key, invoice[key]])) as PublicInvoiceJson
}
