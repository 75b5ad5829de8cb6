import { base64urlnopad } from '@scure/base'
import * as Address from 'ox/Address'
import type { Hex } from 'viem'
import { InvalidParameterError } from '../../errors/index.ts'
import type { InvoiceRow, PaymentRow } from './openMerchantStore.ts'
import { buildPaymentUri } from './paymentUri.ts'
import { type PaymentQr, renderQr } from './renderQr.ts'
import type { Invoice, InvoiceJson, Payment } from './types.ts'

// How the merchant's rows are shown: as the SDK's `Invoice` and `Payment`, as JSON (webhooks, the
// HTTP app, the CLI), and as page cursors. Pure functions of a row: no store, no clock.

/**
 * A stored payment as the SDK shows it.
 *
 * @example
 * const payments = store.paymentsOf(invoiceId).map(toPayment)
 */
export function toPayment(p: PaymentRow): Payment {
  return {
    commitment: p.commitment as Hex,
    invoiceId: p.invoiceId,
    match: p.match,
    amount: BigInt(p.amount),
    asset: Address.checksum(p.asset),
    memo: p.memo,
    status: p.orphanedAt !== null ? 'orphaned' : p.blockNumber === null ? 'sequenced' : 'settled',
    txId: p.txId,
    seenAt: p.seenAt,
    leafIndex: p.leafIndex,
    blockNumber: p.blockNumber === null ? null : BigInt(p.blockNumber),
    l1TxHash: p.l1TxHash as Hex | null,
  }
}

/**
 * A stored invoice and its payments as the SDK shows it, payable to `address` (the merchant's).
 * The QR code is rendered on first read only: listing a page of invoices draws none.
 *
 * @example
 * const invoice = toInvoice(store.getInvoice(id)!, store.paymentsOf(id), merchant.address)
 */
export function toInvoice(row: InvoiceRow, payments: readonly PaymentRow[], address: string): Invoice {
  const asset = Address.checksum(row.asset)
  const uri = buildPaymentUri({
    address,
    amount: BigInt(row.amount),
    asset,
    memo: row.memo,
    decimals: row.decimals,
    ...(row.label === null ? {} : { label: row.label }),
    ...(row.message === null ? {} : { message: row.message }),
  })
  const invoice = {
    id: row.id,
    address,
    amount: BigInt(row.amount),
    asset,
    decimals: row.decimals,
    memo: row.memo,
    label: row.label,
    message: row.message,
    orderId: row.orderId,
    metadata: row.metadata === null ? null : (JSON.parse(row.metadata) as Record<string, unknown>),
    redirectUrl: row.redirectUrl,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    state: row.state,
    received: BigInt(row.received),
    overpaid: row.overpaid,
    uri,
    payments: payments.map(toPayment),
  } as Invoice
  let qr: PaymentQr | undefined
  Object.defineProperty(invoice, 'qr', { enumerable: false, get: () => (qr ??= renderQr(uri)) })
  return invoice
}

/**
 * An invoice as JSON (the webhook and HTTP form): amounts as decimal strings of base units, times as ISO 8601.
 *
 * @example
 * return c.json(toInvoiceJson(merchant.getInvoice(id)))
 */
export function toInvoiceJson(invoice: Invoice): InvoiceJson {
  return {
    id: invoice.id,
    address: invoice.address,
    amount: invoice.amount.toString(),
    asset: invoice.asset,
    decimals: invoice.decimals,
    memo: invoice.memo,
    label: invoice.label,
    message: invoice.message,
    orderId: invoice.orderId,
    metadata: invoice.metadata,
    redirectUrl: invoice.redirectUrl,
    createdAt: new Date(invoice.createdAt).toISOString(),
    expiresAt: new Date(invoice.expiresAt).toISOString(),
    state: invoice.state,
    received: invoice.received.toString(),
    overpaid: invoice.overpaid,
    uri: invoice.uri,
    payments: invoice.payments.map((p) => ({
      ...p,
      amount: p.amount.toString(),
      seenAt: new Date(p.seenAt).toISOString(),
      blockNumber: p.blockNumber === null ? null : p.blockNumber.toString(),
    })),
  }
}

/** Where a page of invoices ends: its last row's creation time and id. */
export type InvoiceCursor = { createdAt: number; id: string }

/**
 * A page cursor: the last row's creation time and id, base64url, opaque to clients.
 *
 * @example
 * const next = rows.length > limit ? encodeCursor(page.at(-1)!) : null
 */
export function encodeCursor(row: InvoiceCursor): string {
  return base64urlnopad.encode(new TextEncoder().encode(`${row.createdAt}:${row.id}`))
}

/**
 * The position `encodeCursor` gave, or an `InvalidParameterError` naming `cursor`.
 *
 * @example
 * store.pageInvoices({ limit, after: decodeCursor(cursor) })
 */
export function decodeCursor(cursor: string): InvoiceCursor {
  let text = ''
  try {
    text = new TextDecoder().decode(base64urlnopad.decode(cursor))
  } catch {
    // not base64url: refused below like any other cursor this merchant did not make
  }
  const m = /^(\d{1,15}):(inv_[a-z2-7]{12})$/.exec(text)
  if (!m) throw new InvalidParameterError('cursor', 'expected the `next` of a previous page')
  return { createdAt: Number(m[1]), id: m[2]! }
}
