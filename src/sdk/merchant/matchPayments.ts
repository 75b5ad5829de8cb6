import type { Hex } from 'viem'
import { toHex32 } from '../../crypto/field.ts'
import type { FoundPayment } from './decryptOutputs.ts'
import { invoiceIdOfMemo } from './invoiceMemo.ts'
import type { InvoiceRow, PaymentRow } from './openMerchantStore.ts'
import type { PaymentMatch } from './schema.ts'

/** A new payment, as the store records it. */
export type NewPayment = Omit<PaymentRow, 'orphanedAt'>

/** What a pass changes in the store's payments, in order. */
export type PaymentChange =
  | { type: 'insert'; payment: NewPayment }
  /** a payment seen sequenced is now in an L1 batch (or re-mined after a reorg): it counts again */
  | { type: 'settle'; commitment: Hex; leafIndex: number; blockNumber: bigint; l1TxHash: Hex }
  /** a payment a reorg orphaned was seen again in the mempool: it counts again */
  | { type: 'seenAgain'; commitment: Hex }

/** What a pass knows of a payment: from the store, or from a change earlier in the same pass. */
type Known = { settled: boolean; orphaned: boolean; invoiceId: string | null }

/**
 * Matches decrypted payments to invoices: a new payment counts towards the invoice whose id its
 * memo starts with, if that invoice exists and asks for the same asset; otherwise it is recorded
 * with the reason (`match`). A payment already recorded is not recorded again; seen on L1, it is
 * settled; seen again after a reorg orphaned it, it counts again. Returns the changes to make, in
 * order, and the invoices they touch (to weigh again). Pure: the store is read through `paymentOf`
 * and `invoiceOf`, and a payment seen twice in `found` (sequenced and settled in one pass) is
 * weighed against the first.
 *
 * @example
 * const { changes, touched } = matchPayments(found, { now, paymentOf: (c) => store.getPayment(c), invoiceOf: (id) => store.getInvoice(id) })
 */
export function matchPayments(
  found: readonly FoundPayment[],
  context: { now: number; paymentOf: (commitment: Hex) => PaymentRow | undefined; invoiceOf: (id: string) => InvoiceRow | undefined },
): { changes: PaymentChange[]; touched: Set<string> } {
  const { now } = context
  const changes: PaymentChange[] = []
  const touched = new Set<string>()
  const known = new Map<Hex, Known>()
  const knownOf = (commitment: Hex): Known | undefined => {
    const mine = known.get(commitment)
    if (mine) return mine
    const row = context.paymentOf(commitment)
    return row && { settled: row.blockNumber !== null, orphaned: row.orphanedAt !== null, invoiceId: row.invoiceId }
  }
  for (const { output: o, decrypted: d } of found) {
    const commitment = toHex32(d.commitment) as Hex
    const existing = knownOf(commitment)
    if (existing) {
      if (o.source === 'l1' && !existing.settled) {
        changes.push({ type: 'settle', commitment, leafIndex: o.leafIndex!, blockNumber: o.blockNumber!, l1TxHash: o.l1TxHash! })
        known.set(commitment, { ...existing, settled: true, orphaned: false })
      } else if (existing.orphaned) {
        changes.push({ type: 'seenAgain', commitment })
        known.set(commitment, { ...existing, orphaned: false })
      }
      if (existing.invoiceId) touched.add(existing.invoiceId)
      continue
    }
    const invoiceId = invoiceIdOfMemo(d.memo)
    const invoice = invoiceId === undefined ? undefined : context.invoiceOf(invoiceId)
    const asset = `0x${d.note.asset.toString(16).padStart(40, '0')}`
    const match: PaymentMatch = invoiceId === undefined ? 'no_invoice_id' : !invoice ? 'unknown_invoice' : invoice.asset !== asset ? 'wrong_asset' : 'counted'
    const settled = o.source === 'l1'
    changes.push({
      type: 'insert',
      payment: {
        commitment,
        invoiceId: invoice ? invoice.id : null,
        match,
        amount: d.note.amount.toString(),
        asset,
        memo: new TextDecoder().decode(d.memo),
        txId: o.txId ?? null,
        seenAt: Math.min(now, o.timestamp ?? now),
        leafIndex: settled ? o.leafIndex! : null,
        blockNumber: settled ? Number(o.blockNumber) : null,
        l1TxHash: settled ? o.l1TxHash! : null,
      },
    })
    known.set(commitment, { settled, orphaned: false, invoiceId: invoice ? invoice.id : null })
    if (invoice) touched.add(invoice.id)
  }
  return { changes, touched }
}
