import { sha256 } from '@noble/hashes/sha2.js'
import { base32nopad } from '@scure/base'
import { type CountedPayment, type InvoiceEventType, type InvoiceState, type InvoiceStatus, invoiceEvents, invoiceStatus } from './invoiceState.ts'
import { toInvoice, toInvoiceJson } from './invoiceViews.ts'
import type { InvoiceRow, PaymentRow } from './openMerchantStore.ts'
import type { MerchantEvent } from './types.ts'

/** An invoice's new status, as the store records it. */
export type InvoiceUpdate = { state: InvoiceState; received: bigint; overpaid: boolean; reorgs: number; updatedAt: number }

/** `evt_` and 16 base32 letters of SHA-256(invoice, type, key): seeing the same change twice gives the same id. */
function eventId(invoiceId: string, type: InvoiceEventType, key: string): string {
  const digest = sha256(new TextEncoder().encode(`${invoiceId}\n${type}\n${key}`))
  return `evt_${base32nopad.encode(digest.subarray(0, 10)).toLowerCase()}`
}

/**
 * Weighs an invoice again from its payments (`invoiceStatus`), and when its status changed returns
 * the update to store and the events it makes (`invoiceEvents`), each with a deterministic id and
 * the invoice as it is after the update. Payments a reorg orphaned count for nothing until seen
 * again, and meanwhile keep the invoice from expiring. Pure: the caller stores the update and
 * the events whose ids are new.
 *
 * @example
 * const changed = reevaluateInvoice(row, store.paymentsOf(row.id), { now, tipBlock: 120n, confirmations: 3, address: merchant.address })
 * if (changed) store.updateInvoiceStatus(row.id, changed.update)
 */
export function reevaluateInvoice(
  row: InvoiceRow,
  payments: readonly PaymentRow[],
  context: { now: number; tipBlock: bigint | null; confirmations: number; address: string },
): { update: InvoiceUpdate; events: MerchantEvent[] } | undefined {
  const { now } = context
  const matched = payments.filter((p) => p.match === 'counted')
  // A payment a reorg took back counts again only once it is seen again.
  const counting = matched.filter((p) => p.orphanedAt === null)
  const counted: CountedPayment[] = counting.map((p) => ({
    commitment: p.commitment,
    amount: BigInt(p.amount),
    seenAt: p.seenAt,
    blockNumber: p.blockNumber === null ? null : BigInt(p.blockNumber),
  }))
  const before: InvoiceStatus = { state: row.state, received: BigInt(row.received), overpaid: row.overpaid }
  const after = invoiceStatus({
    amount: BigInt(row.amount),
    expiresAt: row.expiresAt,
    previous: row.state,
    payments: counted,
    now,
    tipBlock: context.tipBlock,
    confirmations: context.confirmations,
    waiting: matched.length > counting.length,
  })
  if (after.state === before.state && after.received === before.received && after.overpaid === before.overpaid) return undefined
  const late = counted.filter((p) => p.seenAt >= row.expiresAt).map((p) => p.commitment)
  const changes = invoiceEvents(before, after, late)
  // After the n-th reorg that took a settlement back, the paid, settled and final that follow
  // are new events: their keys (and so their ids) carry n.
  const reorgs = row.reorgs + (changes.some((c) => c.type === 'invoice.unsettled') ? 1 : 0)
  const update: InvoiceUpdate = { ...after, reorgs, updatedAt: now }
  const invoice = toInvoiceJson(toInvoice({ ...row, ...update, received: update.received.toString() }, payments, context.address))
  const createdAt = new Date(now).toISOString()
  const events = changes.map(({ type, key }): MerchantEvent => ({ id: eventId(row.id, type, reorgs === 0 ? key : `${key}@${reorgs}`), type, createdAt, invoice }))
  return { update, events }
}
