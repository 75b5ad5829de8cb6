import { encodeAddress } from '../../crypto/address.ts'
import type { ViewingKey } from '../../crypto/viewingKeys.ts'
import { ApiKeyNotFoundError, InvalidParameterError, InvoiceLimitError, InvoiceNotFoundError, MerchantClosedError, NodeUnreachableError } from '../../errors/index.ts'
import { apiKeyMatches, newApiKey } from './apiKeys.ts'
import { checkChainBinding } from './checkChainBinding.ts'
import { decryptOutputs, type FoundPayment, type PaymentKey } from './decryptOutputs.ts'
import { invoiceMemo, newInvoiceId } from './invoiceMemo.ts'
import { checkInvoiceParameters } from './invoiceParameters.ts'
import { INVOICE_EVENT_TYPES, INVOICE_STATES, type InvoiceEventType, type InvoiceState } from './invoiceState.ts'
import { decodeCursor, encodeCursor, toInvoice, toPayment } from './invoiceViews.ts'
import { matchPayments } from './matchPayments.ts'
import { checkMerchantOptions } from './merchantOptions.ts'
import { type InvoiceRow, type MerchantStore, openMerchantStore } from './openMerchantStore.ts'
import { L1_CURSOR, readL1 } from './readL1.ts'
import { createNodeClient, type NodeClient } from '../nodeClient.ts'
import { type MempoolTransaction, readMempool } from './readMempool.ts'
import { reevaluateInvoice } from './reevaluateInvoice.ts'
import { scanBatches } from './scanBatches.ts'
import { type MempoolScan, scanMempool } from './scanMempool.ts'
import { tokenDecimals } from './tokenDecimals.ts'
import type { ApiKeyInfo, CreateInvoiceParameters, Invoice, InvoicePage, MerchantEvent, MerchantOptions, ObservedOutput, Payment } from './types.ts'
import { WebhookOutbox } from './webhookOutbox.ts'

type Listener = (event: MerchantEvent) => void
/** Mempool pages read per pass (1,000 transactions each): bounds one pass against a node that never ends its list. */
/** How long one mempool page may take before the node counts as unreachable for this pass. */
const MEMPOOL_TIMEOUT_MS = 10_000
const MEMPOOL_MAX_PAGES = 100
/**
 * Expiries weighed per pass (about 0.3 ms each): invoices made to expire together (by one
 * API key holder, say) are expired over several passes instead of blocking one for seconds.
 */
const EXPIRIES_PER_PASS = 250

/**
 * A watch-only merchant: it holds a viewing key, never a spending key, and has no operation that
 * moves money. It issues invoices whose id travels in the payer's encrypted memo, trial-decrypts
 * what the node has sequenced and what L1 has settled, and moves each invoice through the states
 * of README.md, recording every change as an event for listeners and signed webhooks.
 *
 * The class wires the merchant's parts to its store and clock: reading L1 (`readL1`,
 * `scanBatches`) and the mempool (`readMempool`, `scanMempool`), decrypting (`decryptOutputs`),
 * matching (`matchPayments`), weighing invoices (`reevaluateInvoice`) and the webhook outbox
 * (`WebhookOutbox`). Make one with `createMerchant`.
 *
 * @example
 * const merchant = await createMerchant({ viewingKey: 'zkptivk1…', sequencerUrl, publicClient, rollupAddress, fromBlock, store: 'merchant.db' })
 * const invoice = await merchant.createInvoice({ amount: parseEther('0.25'), expiresIn: 900 })
 * merchant.on('invoice.paid', (e) => console.log(e.invoice.id, 'paid'))
 * merchant.watch({ intervalMs: 2_000 })
 */
export class Merchant {
  /** the merchant's payment address, from the viewing key's `ownerPk` and `vpk` */
  readonly address: string
  readonly #key: ViewingKey
  /** what payments are decrypted with: never the internal key (see `decryptOutputs`) */
  readonly #paymentKey: PaymentKey
  readonly #options: MerchantOptions
  /** the node's API, typed: its mempool shows payments the moment they are sequenced */
  readonly #node: NodeClient
  readonly #store: MerchantStore
  readonly #now: () => number
  readonly #confirmations: number
  readonly #maxInvoiceTtl: number
  readonly #maxOpenInvoices: number
  readonly #decimalsOf: ReturnType<typeof tokenDecimals>
  readonly #outbox: WebhookOutbox | undefined
  readonly #listeners = new Map<string, Set<Listener>>()
  readonly #errorListeners = new Set<(error: unknown) => void>()
  #chainChecked = false
  #tipBlock: bigint | null = null
  /** the mempool transactions already decrypted, with what they held (see `scanMempool`) */
  #mempool: MempoolScan = new Map()
  #watchTimer: NodeJS.Timeout | undefined
  #watching = false
  #syncing: Promise<{ events: MerchantEvent[] }> | undefined
  #closed = false

  constructor(options: MerchantOptions) {
    const { key, confirmations, maxInvoiceTtl, maxOpenInvoices } = checkMerchantOptions(options)
    this.#key = key
    this.#options = options
    this.#node = createNodeClient(options.sequencerUrl, { timeoutMs: MEMPOOL_TIMEOUT_MS })
    this.#paymentKey = { vsk: this.#key.vsk, ownerPk: this.#key.ownerPk }
    this.#confirmations = confirmations
    this.#maxInvoiceTtl = maxInvoiceTtl
    this.#maxOpenInvoices = maxOpenInvoices
    this.#now = options.now ?? Date.now
    this.#decimalsOf = tokenDecimals(options.publicClient)
    this.address = encodeAddress({ ownerPk: this.#key.ownerPk, vpk: this.#key.vpk }, this.#key.network)
    this.#store = openMerchantStore(options.store ?? ':memory:')
    const onError = (error: unknown) => this.#errorListeners.forEach((l) => l(error))
    this.#outbox = options.webhook && new WebhookOutbox(this.#store, options.webhook, { now: this.#now, onError })
    // Deliveries left in the outbox by a previous run go out without waiting for a new event.
    this.#outbox?.schedule(0)
  }

  /** Which kind of viewing key the merchant holds; it never holds a spending key. */
  get viewingKeyKind(): 'incoming' | 'full' {
    return this.#key.kind
  }

  /**
   * Creates an invoice for `amount` base units of `asset`, payable until `expiresIn` seconds from now.
   *
   * @example
   * const invoice = await merchant.createInvoice({ amount: parseEther('0.25'), memo: 'Order 1042', expiresIn: 900 })
   * console.log(invoice.uri, invoice.qr.terminal)
   */
  async createInvoice(p: CreateInvoiceParameters): Promise<Invoice> {
    this.#assertOpen()
    const { asset, ...fields } = checkInvoiceParameters(p, { maxInvoiceTtl: this.#maxInvoiceTtl })
    const id = newInvoiceId()
    const memo = invoiceMemo(id, p.memo)
    const decimals = p.decimals ?? (await this.#decimalsOf(asset))
    const now = this.#now()
    // Every open invoice is a row each expiry pass may read: an API key holder gone rogue (or a
    // leaked key) must not be able to grow that without bound.
    if (this.#store.countOpen(now) >= this.#maxOpenInvoices) throw new InvoiceLimitError(this.#maxOpenInvoices)
    this.#store.insertInvoice({
      ...fields,
      id,
      amount: p.amount.toString(),
      asset: asset.toLowerCase(),
      decimals,
      memo,
      label: p.label ?? null,
      message: p.message ?? null,
      createdAt: now,
      expiresAt: now + Math.round(p.expiresIn * 1000),
      state: 'open',
      updatedAt: now,
    })
    return this.getInvoice(id)
  }

  /**
   * An invoice with its payments, or an `InvoiceNotFoundError`.
   *
   * @example
   * const { state, received } = merchant.getInvoice('inv_k3m9xq2a7bce')
   */
  getInvoice(id: string): Invoice {
    this.#assertOpen()
    const row = typeof id === 'string' ? this.#store.getInvoice(id) : undefined
    if (!row) throw new InvoiceNotFoundError(String(id))
    return this.#invoice(row)
  }

  /**
   * Every invoice, oldest first.
   *
   * @example
   * const open = merchant.listInvoices().filter((i) => i.state === 'open')
   */
  listInvoices(): Invoice[] {
    this.#assertOpen()
    return this.#store.listInvoices().map((row) => this.#invoice(row))
  }

  /**
   * One page of invoices, newest first, optionally only those in `status`; pass the page's `next`
   * as `cursor` for the following one.
   *
   * @example
   * const { invoices, next } = merchant.listInvoicePage({ status: 'paid', limit: 50 })
   */
  listInvoicePage(p: { status?: InvoiceState; limit?: number; cursor?: string } = {}): InvoicePage {
    this.#assertOpen()
    const limit = p.limit ?? 50
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new InvalidParameterError('limit', 'expected an integer from 1 to 500')
    if (p.status !== undefined && !INVOICE_STATES.includes(p.status)) throw new InvalidParameterError('status', `expected one of ${INVOICE_STATES.join(', ')}`)
    if (p.cursor !== undefined && typeof p.cursor !== 'string') throw new InvalidParameterError('cursor', 'expected the `next` of a previous page')
    const rows = this.#store.pageInvoices({
      limit: limit + 1,
      ...(p.status ? { states: [p.status] } : {}),
      ...(p.cursor !== undefined ? { after: decodeCursor(p.cursor) } : {}),
    })
    const page = rows.slice(0, limit)
    return { invoices: page.map((row) => this.#invoice(row)), next: rows.length > limit ? encodeCursor(page.at(-1)!) : null }
  }

  /**
   * Creates an API key for the merchant's HTTP app and returns it: this is the only time the key
   * is seen, the store keeps its SHA-256 only.
   *
   * @example
   * const { id, key } = merchant.createApiKey() // key: 'zkpmk_…', shown once
   */
  createApiKey(): { id: string; key: string } {
    this.#assertOpen()
    const { id, key, hash } = newApiKey()
    this.#store.insertApiKey({ id, hash, createdAt: this.#now() })
    return { id, key }
  }

  /**
   * The API keys, revoked ones included, without the keys themselves.
   *
   * @example
   * for (const k of merchant.listApiKeys()) console.log(k.id, k.revokedAt ? 'revoked' : 'live')
   */
  listApiKeys(): ApiKeyInfo[] {
    this.#assertOpen()
    return this.#store.listApiKeys().map(({ id, createdAt, revokedAt }) => ({ id, createdAt, revokedAt }))
  }

  /**
   * Revokes an API key by its id: the app refuses it from the next request on.
   *
   * @example
   * merchant.revokeApiKey('key_abcdefgh')
   */
  revokeApiKey(id: string): void {
    this.#assertOpen()
    if (typeof id !== 'string' || !this.#store.revokeApiKey(id, this.#now())) throw new ApiKeyNotFoundError(String(id))
  }

  /**
   * Whether `key` is a live API key of this merchant. Every live key's hash is compared in
   * constant time, with no early exit, so the answer's timing says nothing about the keys.
   *
   * @example
   * if (!merchant.verifyApiKey(token)) return c.json(UNAUTHORIZED, 401)
   */
  verifyApiKey(key: string): boolean {
    this.#assertOpen()
    return apiKeyMatches(key, this.#liveApiKeys().map((k) => k.hash))
  }

  /** Whether any API key is live (an HTTP app without one, and without ZKPAY_MERCHANT_API_KEY, creates nothing). */
  hasApiKeys(): boolean {
    this.#assertOpen()
    return this.#liveApiKeys().length > 0
  }

  /**
   * Every payment seen, matched or not (`match` says why a payment counts towards no invoice:
   * no invoice id in its memo, an unknown id, or the wrong asset).
   *
   * @example
   * const strays = merchant.listPayments().filter((p) => p.match !== 'counted')
   */
  listPayments(): Payment[] {
    this.#assertOpen()
    return this.#store.listPayments().map(toPayment)
  }

  /**
   * The events recorded so far (all invoices, or one), oldest first, as listeners received them.
   *
   * @example
   * for (const e of merchant.listEvents('inv_k3m9xq2a7bce')) console.log(e.type)
   */
  listEvents(invoiceId?: string): (MerchantEvent & { delivery: 'pending' | 'delivered' | 'none'; attempts: number })[] {
    this.#assertOpen()
    const rows = invoiceId === undefined ? this.#store.listEvents() : this.#store.eventsOf(invoiceId)
    return rows.map((r) => ({ ...(JSON.parse(r.body) as MerchantEvent), delivery: r.delivery, attempts: r.attempts }))
  }

  /**
   * Subscribes to events of one type, all of them (`'*'`), or watch errors (`'error'`); returns the
   * unsubscribe function. Listeners run after the change is committed to the store.
   *
   * @example
   * const off = merchant.on('invoice.settled', (e) => fulfil(e.invoice.id))
   */
  on(type: InvoiceEventType | '*', listener: Listener): () => void
  on(type: 'error', listener: (error: unknown) => void): () => void
  on(type: InvoiceEventType | '*' | 'error', listener: Listener | ((error: unknown) => void)): () => void {
    if (typeof listener !== 'function') throw new InvalidParameterError('listener', 'expected a function')
    if (type === 'error') {
      const l = listener as (error: unknown) => void
      this.#errorListeners.add(l)
      return () => this.#errorListeners.delete(l)
    }
    if (type !== '*' && !INVOICE_EVENT_TYPES.includes(type)) throw new InvalidParameterError('type', `expected one of ${INVOICE_EVENT_TYPES.join(', ')}, '*' or 'error'`)
    const set = this.#listeners.get(type) ?? new Set()
    this.#listeners.set(type, set)
    set.add(listener as Listener)
    return () => set.delete(listener as Listener)
  }

  /**
   * One pass: new L1 batches since the saved cursor (settled payments), then the node's mempool
   * (sequenced ones); matches the outputs to invoices, updates states, records events and starts
   * their webhook deliveries. L1 is read first so that a transaction settling between the two reads
   * is seen settled, not missed. Mempool transactions decrypted at an earlier pass are not
   * decrypted again. Throws `NodeUnreachableError` when the node does not answer, after the L1
   * part is applied.
   *
   * @example
   * const { events } = await merchant.sync()
   */
  sync(): Promise<{ events: MerchantEvent[] }> {
    this.#assertOpen()
    // One pass at a time: a watch tick and a manual sync share the pass in progress.
    this.#syncing ??= this.#sync().finally(() => {
      this.#syncing = undefined
    })
    return this.#syncing
  }

  async #sync(): Promise<{ events: MerchantEvent[] }> {
    const { publicClient, rollupAddress, fromBlock, sequencerUrl } = this.#options
    if (!this.#chainChecked) {
      // Bound at the first sync, checked at every later one (once per process).
      await checkChainBinding(publicClient, this.#store, { rollupAddress, fromBlock })
      this.#chainChecked = true
    }
    const { head, batches, cursor, rollback } = await readL1(publicClient, this.#store, { rollup: rollupAddress, fromBlock })
    const settled = await scanBatches(publicClient, this.#paymentKey, batches)
    this.#tipBlock = head.block

    let mempool: MempoolTransaction[] | undefined
    let unreachable: unknown
    try {
      mempool = await readMempool(this.#node, { maxPages: MEMPOOL_MAX_PAGES })
    } catch (cause) {
      unreachable = cause
    }
    let sequenced: FoundPayment[] = []
    if (mempool) {
      const { found, scan } = scanMempool(this.#paymentKey, mempool, this.#mempool)
      sequenced = found
      this.#mempool = scan
    }
    // One store transaction: a reorg's rollback, what L1 shows now and what the mempool holds are
    // weighed together, so a settlement re-mined (or a payment still sequenced) in the same pass
    // moves no invoice back and forth.
    const checkpoints = new Map(batches.map((b) => [b.blockNumber, { block: b.blockNumber, hash: b.blockHash }]))
    const events = this.#apply([...settled, ...sequenced], {
      before: () => {
        if (!rollback) return []
        // The invoices whose settlements the reorg takes back change without a new output.
        const changed = this.#store.invoicesSettledFrom(rollback.fromBlock)
        this.#store.rollback(L1_CURSOR, { ...rollback, now: this.#now() })
        return changed
      },
      after: () => {
        if (!cursor) return
        this.#store.addCheckpoints([...checkpoints.values()], head.block)
        this.#store.setCursor(L1_CURSOR, cursor, head.hash)
      },
    })
    this.#emitAll(events)
    this.#outbox?.schedule(0)
    if (unreachable !== undefined) throw new NodeUnreachableError(sequencerUrl, { cause: unreachable })
    return { events }
  }

  /**
   * Applies observed outputs (see `ObservedOutput`): trial-decrypts them, records the merchant's
   * payments, and re-evaluates every invoice they touch and every invoice still in progress
   * (expiry, settlement, finality at `tipBlock`). `sync()` calls the same steps; tests and custom
   * sources call this directly. Seeing an output again changes nothing. A malformed output is an
   * `InvalidParameterError` naming its field.
   *
   * @example
   * merchant.ingest([{ source: 'mempool', txId, outputIndex: 0, commitment, epk, ciphertext }])
   */
  ingest(outputs: readonly ObservedOutput[], options: { tipBlock?: bigint } = {}): { events: MerchantEvent[] } {
    this.#assertOpen()
    if (!Array.isArray(outputs)) throw new InvalidParameterError('outputs', 'expected an array of observed outputs')
    if (options.tipBlock !== undefined) {
      if (typeof options.tipBlock !== 'bigint') throw new InvalidParameterError('tipBlock', 'expected a bigint block number')
      this.#tipBlock = options.tipBlock
    }
    outputs.forEach((o, i) => {
      if (o?.source !== 'mempool' && o?.source !== 'l1') throw new InvalidParameterError(`outputs[${i}].source`, "expected 'mempool' or 'l1'")
      if (o.source === 'l1' && (typeof o.blockNumber !== 'bigint' || !Number.isInteger(o.leafIndex) || typeof o.l1TxHash !== 'string' || !/^0x[0-9a-fA-F]*$/.test(o.l1TxHash))) {
        throw new InvalidParameterError(`outputs[${i}]`, 'an L1 output needs blockNumber (bigint), leafIndex and l1TxHash')
      }
    })
    const events = this.#apply(decryptOutputs(this.#paymentKey, outputs))
    this.#emitAll(events)
    this.#outbox?.schedule(0)
    return { events }
  }

  /**
   * Starts syncing every `intervalMs` (default 2 s) until `stop()`; failures go to `'error'` listeners.
   *
   * @example
   * merchant.on('error', (e) => console.error(e))
   * merchant.watch({ intervalMs: 1_000 })
   */
  watch(options: { intervalMs?: number } = {}): void {
    this.#assertOpen()
    const intervalMs = options.intervalMs ?? 2_000
    if (!Number.isFinite(intervalMs) || intervalMs < 10) throw new InvalidParameterError('intervalMs', 'expected at least 10 milliseconds')
    if (this.#watching) return
    this.#watching = true
    const tick = async () => {
      try {
        await this.sync()
      } catch (error) {
        for (const l of this.#errorListeners) l(error)
      }
      if (this.#watching && !this.#closed) this.#watchTimer = setTimeout(tick, intervalMs)
    }
    this.#watchTimer = setTimeout(tick, 0)
  }

  /**
   * Stops `watch()`; resolves when the pass in progress, if any, is done.
   *
   * @example
   * await merchant.stop()
   */
  async stop(): Promise<void> {
    this.#watching = false
    clearTimeout(this.#watchTimer)
    await this.#syncing?.catch(() => undefined)
  }

  /**
   * Sends the webhook deliveries that are due now (each POST signed, retried with exponential
   * backoff until a 2xx). They also go out by themselves after each change; this waits for them.
   *
   * @example
   * const { pending } = await merchant.deliverWebhooks()
   */
  async deliverWebhooks(): Promise<{ pending: number }> {
    this.#assertOpen()
    await this.#outbox?.deliver()
    return { pending: this.#store.listEvents().filter((e) => e.delivery === 'pending').length }
  }

  /**
   * Stops watching and deliveries, then closes the store. Pending deliveries stay in the outbox
   * for the next run.
   *
   * @example
   * await merchant.close()
   */
  async close(): Promise<void> {
    if (this.#closed) return
    await this.stop()
    this.#closed = true
    await this.#outbox?.close()
    this.#listeners.clear()
    this.#store.close()
  }

  #assertOpen(): void {
    if (this.#closed) throw new MerchantClosedError()
  }

  #liveApiKeys() {
    return this.#store.listApiKeys().filter((k) => k.revokedAt === null)
  }

  #invoice(row: InvoiceRow): Invoice {
    return toInvoice(row, this.#store.paymentsOf(row.id), this.address)
  }

  /**
   * Records the payments found and re-evaluates invoices, in one store transaction (with `before`
   * and `after`, the sync's rollback and cursor); returns the new events.
   */
  #apply(found: readonly FoundPayment[], hooks: { before?: () => string[]; after?: () => void } = {}): MerchantEvent[] {
    const now = this.#now()
    const store = this.#store
    return store.transaction(() => {
      // Only the invoices that can have changed are weighed again, each found through an index:
      // those a new output names (by the id in its memo), those a rollback took a settlement
      // from, the unpaid ones whose expiry passed, and the settled ones (finality follows the L1
      // tip). Spam invoices that nobody pays cost nothing per pass until they expire.
      const touched = new Set<string>(hooks.before?.() ?? [])
      for (const id of store.dueForExpiry(now, EXPIRIES_PER_PASS)) touched.add(id)
      for (const id of store.idsInState(['settled'])) touched.add(id)
      const matched = matchPayments(found, { now, paymentOf: (c) => store.getPayment(c), invoiceOf: (id) => store.getInvoice(id) })
      for (const change of matched.changes) {
        if (change.type === 'insert') store.insertPayment(change.payment)
        else if (change.type === 'settle') store.settlePayment(change.commitment, change)
        else store.seenAgain(change.commitment)
      }
      for (const id of matched.touched) touched.add(id)
      const events: MerchantEvent[] = []
      for (const id of touched) {
        const changed = reevaluateInvoice(store.getInvoice(id)!, store.paymentsOf(id), { now, tipBlock: this.#tipBlock, confirmations: this.#confirmations, address: this.address })
        if (!changed) continue
        store.updateInvoiceStatus(id, changed.update)
        for (const event of changed.events) {
          const delivery = this.#outbox ? 'pending' : 'none'
          if (store.insertEvent({ id: event.id, invoiceId: id, type: event.type, createdAt: now, body: JSON.stringify(event), delivery, nextAttemptAt: now })) events.push(event)
        }
      }
      hooks.after?.()
      return events
    })
  }

  #emitAll(events: readonly MerchantEvent[]): void {
    for (const event of events) {
      for (const type of [event.type, '*']) {
        for (const listener of this.#listeners.get(type) ?? []) {
          try {
            listener(event)
          } catch (error) {
            // A listener's bug must not stop the others nor the merchant: report it like a sync failure.
            for (const l of this.#errorListeners) l(error)
          }
        }
      }
    }
  }
}
