import { lastConfirmedBlock } from '../../settlement/confirmations.ts'

/**
 * The invoice state machine (README.md beside this file), as pure functions of the payments seen:
 * the merchant recomputes an invoice's state from its payments and the clock, then turns the
 * difference with the stored state into events. Recomputing instead of patching makes a re-sync,
 * a restart or a payment seen twice harmless.
 */

/**
 * Every state an invoice can be in.
 *
 * @example
 * const status = z.enum(INVOICE_STATES).parse(query.status) // 'open' | 'underpaid' | 'paid' | 'settled' | 'final' | 'expired' | 'late'
 */
export const INVOICE_STATES = ['open', 'underpaid', 'paid', 'settled', 'final', 'expired', 'late'] as const
export type InvoiceState = (typeof INVOICE_STATES)[number]

/**
 * Every type of invoice event, as webhooks and the event stream name them.
 *
 * @example
 * for (const type of INVOICE_EVENT_TYPES) merchant.on(type, (event) => console.log(type, event.invoice.id))
 */
export const INVOICE_EVENT_TYPES = [
  'invoice.underpaid',
  'invoice.paid',
  'invoice.overpaid',
  'invoice.settled',
  'invoice.unsettled',
  'invoice.final',
  'invoice.expired',
  'invoice.late',
] as const
export type InvoiceEventType = (typeof INVOICE_EVENT_TYPES)[number]

/** A payment matched to the invoice (right id in the memo, right asset). */
export type CountedPayment = {
  commitment: string
  amount: bigint
  /** when the merchant first saw it (mempool), or its L1 block's time, in ms */
  seenAt: number
  /** the L1 block of its batch, once settled */
  blockNumber: bigint | null
}

export type InvoiceStatus = { state: InvoiceState; received: bigint; overpaid: boolean }

const RANK: Record<InvoiceState, number> = { open: 0, underpaid: 1, paid: 2, settled: 3, final: 4, expired: 5, late: 6 }

/**
 * The state an invoice is in, given every payment matched to it.
 * - Until `expiresAt`: open (nothing) → underpaid (some) → paid (sequenced, total ≥ amount) →
 *   settled (payments in L1 batches cover the amount) → final (those batches' blocks have
 *   `confirmations`, the including block counted, as everywhere in zkpay).
 * - At `expiresAt`, an invoice not paid in full is expired; a payment seen after that makes it late.
 *   Expired and late never go back to paid: the merchant refunds or accepts by hand.
 * - An L1 reorg can take a settlement back: a payment it orphaned is not in `payments` until it is
 *   seen again, so a settled invoice goes back to paid (still in the node's mempool), underpaid
 *   or open. Meanwhile (`waiting`) it does not expire: the payer paid in time. Final never goes back.
 * - Paying more than asked is `overpaid`, a flag on paid/settled/final, not a state.
 *
 * @example
 * invoiceStatus({ amount: 100n, expiresAt, previous: 'open', payments: [{ commitment, amount: 100n, seenAt: now, blockNumber: null }], now, tipBlock: null, confirmations: 3 })
 * // { state: 'paid', received: 100n, overpaid: false }
 */
export function invoiceStatus(p: {
  amount: bigint
  expiresAt: number
  previous: InvoiceState
  payments: readonly CountedPayment[]
  now: number
  tipBlock: bigint | null
  confirmations: number
  /** a payment a reorg took back has not been seen again (it counts for nothing meanwhile) */
  waiting?: boolean
}): InvoiceStatus {
  const received = p.payments.reduce((s, x) => s + x.amount, 0n)
  const onTime = p.payments.filter((x) => x.seenAt < p.expiresAt).reduce((s, x) => s + x.amount, 0n)
  const expiredBefore = p.previous === 'expired' || p.previous === 'late'
  if (!expiredBefore && onTime >= p.amount) {
    const settled = p.payments.filter((x) => x.blockNumber !== null)
    const final = p.tipBlock === null ? [] : settled.filter((x) => x.blockNumber! <= lastConfirmedBlock(p.tipBlock!, p.confirmations))
    const sum = (xs: CountedPayment[]) => xs.reduce((s, x) => s + x.amount, 0n)
    const state = sum(final) >= p.amount ? 'final' : sum(settled) >= p.amount ? 'settled' : 'paid'
    // Final never steps back (a tip read from a lagging RPC node must not undo it); the others do
    // only when a reorg takes a payment or its settlement back.
    return { state: p.previous === 'final' ? 'final' : state, received, overpaid: received > p.amount }
  }
  if (p.previous === 'final') return { state: 'final', received, overpaid: received > p.amount }
  if (expiredBefore || (p.now >= p.expiresAt && !p.waiting)) {
    return { state: p.payments.some((x) => x.seenAt >= p.expiresAt) ? 'late' : 'expired', received, overpaid: false }
  }
  return { state: received > 0n ? 'underpaid' : 'open', received, overpaid: false }
}

/**
 * The events between two statuses of one invoice, in order, each with a key that makes its id
 * deterministic (see `eventId`). Milestones skipped over (a payment first seen already final, by a
 * merchant that was offline) are all emitted, so receivers always see paid before settled before
 * final. Each late payment is its own `invoice.late`, keyed by its commitment. A step back from
 * paid or settled (a reorg took a settlement back) is `invoice.unsettled`.
 *
 * @example
 * invoiceEvents({ state: 'open', received: 0n, overpaid: false }, { state: 'settled', received: 150n, overpaid: true }, [])
 * // [{ type: 'invoice.paid', key: '' }, { type: 'invoice.overpaid', key: '' }, { type: 'invoice.settled', key: '' }]
 */
export function invoiceEvents(
  before: InvoiceStatus,
  after: InvoiceStatus,
  latePayments: readonly string[],
): { type: InvoiceEventType; key: string }[] {
  const events: { type: InvoiceEventType; key: string }[] = []
  const from = RANK[before.state]
  const to = RANK[after.state]
  if (to < from && from >= RANK.paid && from <= RANK.settled) events.push({ type: 'invoice.unsettled', key: '' })
  if (after.state === 'underpaid' && from < RANK.underpaid) events.push({ type: 'invoice.underpaid', key: '' })
  if (to <= RANK.final) {
    for (const s of ['paid', 'settled', 'final'] as const) {
      if (from < RANK[s] && to >= RANK[s]) events.push({ type: `invoice.${s}`, key: '' })
      if (s === 'paid' && after.overpaid && !before.overpaid) events.push({ type: 'invoice.overpaid', key: '' })
    }
  }
  if (to >= RANK.expired && from < RANK.expired) events.push({ type: 'invoice.expired', key: '' })
  if (after.state === 'late') for (const commitment of latePayments) events.push({ type: 'invoice.late', key: commitment })
  return events
}
