import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { base32nopad } from '@scure/base'
import { type Address, getAddress, type Hex, hexToBytes, isAddress, isHex, type PublicClient, zeroAddress } from 'viem'
import { encodeAddress } from '../../crypto/address.ts'
import { toHex32 } from '../../crypto/field.ts'
import { AMOUNT_LIMIT } from '../../crypto/note.ts'
import { decryptNotes } from '../../crypto/noteEncryption.ts'
import { importViewingKey, type ViewingKey } from '../../crypto/viewingKeys.ts'
import { ApiKeyNotFoundError, InvalidParameterError, InvoiceLimitError, InvoiceNotFoundError, MerchantClosedError, NodeUnreachableError, WrongNetworkError } from '../../errors/index.ts'
import { getBlock, getChainId } from 'viem/actions'
import { type Checkpoint, detectReorg, latestCheckpoint } from '../../settlement/detectReorg.ts'
import { readTokenInfo } from '../../settlement/readTokenInfo.ts'
import { type SyncedBatch, syncFromL1 } from '../../settlement/syncFromL1.ts'
import { invoiceIdOfMemo, invoiceMemo, newInvoiceId } from './invoiceMemo.ts'
import { type CountedPayment, INVOICE_EVENT_TYPES, INVOICE_STATES, type InvoiceEventType, type InvoiceState, type InvoiceStatus, invoiceEvents, invoiceStatus } from './invoiceState.ts'
import { type InvoiceRow, type MerchantStore, openMerchantStore, type PaymentRow } from './openMerchantStore.ts'
import { buildPaymentUri } from './paymentUri.ts'
import { type PaymentQr, renderQr } from './renderQr.ts'
import type { PaymentMatch } from './schema.ts'
import { WEBHOOK_SIGNATURE_HEADER, signWebhook } from './webhookSignature.ts'

export type WebhookOptions = {
  /** where deliveries are POSTed */
  url: string
  /** the HMAC-SHA256 key shared with the receiver (at least 16 characters) */
  secret: string
  /** retry delays: `initialMs` × 2^(attempt − 1), at most `maxMs` (default 1 s and 10 min) */
  backoff?: { initialMs?: number; maxMs?: number }
  /** per request (default 10 s) */
  timeoutMs?: number
}

export type MerchantOptions = {
  /** an incoming (`zkptivk1…`) or full viewing key: the merchant sees payments and can never spend */
  viewingKey: string
  /** the operator node, whose mempool shows payments the moment they are sequenced */
  sequencerUrl: string
  publicClient: PublicClient
  rollupAddress: Address
  /** the first L1 block to read (the rollup's deployment block) when the store has no cursor yet */
  fromBlock: bigint
  /** SQLite file (its directory is created); default `:memory:`, which forgets everything at close */
  store?: string
  /** blocks on top of a batch's block before its payments are final (default 2) */
  confirmations?: number
  webhook?: WebhookOptions
  /** the longest `expiresIn` an invoice may have, seconds (default 30 days): a payer's promise is not kept open for ever */
  maxInvoiceTtl?: number
  /** the most invoices open (unpaid and unexpired) at once (default 100,000): creating more is `INVOICE_LIMIT_REACHED` */
  maxOpenInvoices?: number
  /** milliseconds since the epoch; tests pass a fake clock */
  now?: () => number
}

/** One payment to the merchant: one note, matched to an invoice by the id in its memo. */
export type Payment = {
  commitment: Hex
  invoiceId: string | null
  /** `counted` towards its invoice, or why not */
  match: PaymentMatch
  amount: bigint
  asset: Address
  memo: string
  /**
   * sequenced (seen in the node's mempool only), settled (in an L1 batch), or orphaned (an L1
   * reorg took its batch back and it has not been seen since: it counts for nothing meanwhile)
   */
  status: 'sequenced' | 'settled' | 'orphaned'
  txId: string | null
  seenAt: number
  leafIndex: number | null
  blockNumber: bigint | null
  l1TxHash: Hex | null
}

export type Invoice = {
  id: string
  /** the merchant's shielded address, where the payer sends */
  address: string
  /** base units */
  amount: bigint
  /** ERC-20 address; the zero address for ETH */
  asset: Address
  decimals: number
  /** the memo the payer must send: the id, then optionally a space and the merchant's text */
  memo: string
  label: string | null
  message: string | null
  /** the merchant's own reference (its order number) */
  orderId: string | null
  /** the merchant's JSON object, returned as given */
  metadata: Record<string, unknown> | null
  /** http(s): where the checkout page sends the payer once paid */
  redirectUrl: string | null
  createdAt: number
  expiresAt: number
  state: InvoiceState
  /** the total of the payments counted towards it, base units */
  received: bigint
  overpaid: boolean
  /** the `zkpay:` payment URI (ZIP-321 style) the payer's wallet opens */
  uri: string
  /** the URI as a QR code (computed on first read; not enumerable, so not in JSON) */
  readonly qr: PaymentQr
  payments: Payment[]
}

/** An invoice as JSON: amounts as decimal strings of base units, times as ISO 8601. */
export type InvoiceJson = Omit<Invoice, 'amount' | 'received' | 'createdAt' | 'expiresAt' | 'qr' | 'payments'> & {
  amount: string
  received: string
  createdAt: string
  expiresAt: string
  payments: (Omit<Payment, 'amount' | 'seenAt' | 'blockNumber'> & { amount: string; seenAt: string; blockNumber: string | null })[]
}

/** What listeners and webhook receivers get: `id` is stable, so it is the idempotency key. */
export type MerchantEvent = { id: string; type: InvoiceEventType; createdAt: string; invoice: InvoiceJson }

/**
 * One output of a shielded transaction, wherever it was seen: the node's mempool (sequenced) or an
 * L1 batch (settled). The merchant's matching and state logic consumes only these, so it is tested
 * with notes encrypted in the test, without proofs or a chain.
 */
export type ObservedOutput = {
  source: 'mempool' | 'l1'
  /** the sequencer's transaction id (mempool) */
  txId?: string
  /** position of the output in its transaction: its decryption key depends on it */
  outputIndex: number
  commitment: bigint | Hex
  /** the transaction's ephemeral public key */
  epk: Hex | Uint8Array
  ciphertext: Hex | Uint8Array
  /** L1 only: where the note sits in the tree, and the batch's block and transaction */
  leafIndex?: number
  blockNumber?: bigint
  l1TxHash?: Hex
  /** when the output was made, ms (an L1 block's time); default and upper bound: now */
  timestamp?: number
}

export type CreateInvoiceParameters = {
  /** base units (wei, or the token's smallest unit) */
  amount: bigint
  /** ERC-20 address; omit (or the zero address) for ETH */
  asset?: Address
  /** the merchant's text, sent back in the memo after the invoice id (at most 111 bytes) */
  memo?: string
  /** seconds until the invoice expires */
  expiresIn: number
  /** shown to the payer: who is asking */
  label?: string
  /** shown to the payer: what for */
  message?: string
  /** the asset's decimals for the URI amount; read from the token when omitted (ETH: 18) */
  decimals?: number
  /** the merchant's own reference, at most `ORDER_ID_SIZE` characters, no control characters */
  orderId?: string
  /** the merchant's JSON object, at most `METADATA_SIZE` bytes serialized; never shown to the payer */
  metadata?: Record<string, unknown>
  /** an http(s) URL the checkout page opens once the invoice is paid */
  redirectUrl?: string
}

/** The longest order id, in characters. */
export const ORDER_ID_SIZE = 128
/** The most bytes of metadata, serialized as JSON. */
export const METADATA_SIZE = 4096
/** The longest redirect URL, in characters. */
export const REDIRECT_URL_SIZE = 2048
/** Default `maxInvoiceTtl`: 30 days, in seconds. */
export const DEFAULT_MAX_INVOICE_TTL = 30 * 24 * 3600
/** Default `maxOpenInvoices`. */
export const DEFAULT_MAX_OPEN_INVOICES = 100_000

/** An API key as listed: its id and dates, never the key (only its hash is stored). */
export type ApiKeyInfo = { id: string; createdAt: number; revokedAt: number | null }

/** A page of invoices, and the cursor of the next page (null on the last). */
export type InvoicePage = { invoices: Invoice[]; next: string | null }

type Listener = (event: MerchantEvent) => void
/** Mempool pages read per pass (1,000 transactions each): bounds one pass against a node that never ends its list. */
const MEMPOOL_MAX_PAGES = 100
const L1_CURSOR = 'l1'
/**
 * Expiries weighed per pass (about 0.3 ms each): invoices made to expire together (by one
 * API key holder, say) are expired over several passes instead of blocking one for seconds.
 */
const EXPIRIES_PER_PASS = 250

/** `evt_` and 16 base32 letters of SHA-256(invoice, type, key): seeing the same change twice gives the same id. */
function eventId(invoiceId: string, type: InvoiceEventType, key: string): string {
  const digest = createHash('sha256').update(`${invoiceId}\n${type}\n${key}`).digest()
  return `evt_${base32nopad.encode(digest.subarray(0, 10)).toLowerCase()}`
}

const sha256Hex = (s: string) => createHash('sha256').update(s).digest('hex')
// C0 and C1 controls: an order id is shown in logs and terminals, where they could rewrite what is shown.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/

/** Checks an invoice's orderId, metadata and redirectUrl; returns them as stored. */
function merchantFields(p: Pick<CreateInvoiceParameters, 'orderId' | 'metadata' | 'redirectUrl'>): { orderId: string | null; metadata: string | null; redirectUrl: string | null } {
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
    const size = Buffer.byteLength(metadata)
    if (size > METADATA_SIZE) throw new InvalidParameterError('metadata', `at most ${METADATA_SIZE} bytes as JSON; got ${size}`)
  }
  let redirectUrl: string | null = null
  if (p.redirectUrl !== undefined) {
    const url = typeof p.redirectUrl === 'string' && p.redirectUrl.length <= REDIRECT_URL_SIZE && URL.canParse(p.redirectUrl) ? new URL(p.redirectUrl) : undefined
    // http(s) only: a javascript: or data: URL followed by the checkout page would run in its origin.
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) throw new InvalidParameterError('redirectUrl', `expected an http(s) URL of at most ${REDIRECT_URL_SIZE} characters`)
    redirectUrl = url.href
  }
  return { orderId: p.orderId ?? null, metadata, redirectUrl }
}

/** A page cursor: the last row's creation time and id, base64url, opaque to clients. */
const encodeCursor = (row: { createdAt: number; id: string }) => Buffer.from(`${row.createdAt}:${row.id}`).toString('base64url')
function decodeCursor(cursor: string): { createdAt: number; id: string } {
  const m = /^(\d{1,15}):(inv_[a-z2-7]{12})$/.exec(Buffer.from(cursor, 'base64url').toString())
  if (!m) throw new InvalidParameterError('cursor', 'expected the `next` of a previous page')
  return { createdAt: Number(m[1]), id: m[2]! }
}

const toBytes = (v: Hex | Uint8Array, parameter: string, size?: number): Uint8Array => {
  const bytes = v instanceof Uint8Array ? v : isHex(v) ? hexToBytes(v) : undefined
  if (!bytes || (size !== undefined && bytes.length !== size)) throw new InvalidParameterError(parameter, size ? `expected ${size} bytes (hex or Uint8Array)` : 'expected hex or a Uint8Array')
  return bytes
}

/**
 * A watch-only merchant: it holds a viewing key, never a spending key, and has no operation that
 * moves money. It issues invoices whose id travels in the payer's encrypted memo, trial-decrypts
 * what the node has sequenced and what L1 has settled, and moves each invoice through the states
 * of README.md, recording every change as an event for listeners and signed webhooks.
 *
 * @example
 * const merchant = createMerchant({ viewingKey: 'zkptivk1…', sequencerUrl, publicClient, rollupAddress, fromBlock, store: 'merchant.db' })
 * const invoice = await merchant.createInvoice({ amount: parseEther('0.25'), expiresIn: 900 })
 * merchant.on('invoice.paid', (e) => console.log(e.invoice.id, 'paid'))
 * merchant.watch({ intervalMs: 2_000 })
 */
export class Merchant {
  /** the merchant's payment address, from the viewing key's `ownerPk` and `vpk` */
  readonly address: string
  readonly #key: ViewingKey
  readonly #options: MerchantOptions
  readonly #store: MerchantStore
  readonly #now: () => number
  readonly #confirmations: number
  readonly #maxInvoiceTtl: number
  readonly #maxOpenInvoices: number
  #chainChecked = false
  readonly #listeners = new Map<string, Set<Listener>>()
  readonly #errorListeners = new Set<(error: unknown) => void>()
  readonly #decimals = new Map<string, number>()
  #tipBlock: bigint | null = null
  #watchTimer: NodeJS.Timeout | undefined
  #watching = false
  #syncing: Promise<{ events: MerchantEvent[] }> | undefined
  #deliveryTimer: NodeJS.Timeout | undefined
  #delivering: Promise<void> | undefined
  #closed = false

  constructor(options: MerchantOptions) {
    if (typeof options?.viewingKey !== 'string') throw new InvalidParameterError('viewingKey', 'expected a viewing key string (zkptivk1… or zkptfvk1…); a merchant never takes a seed or a mnemonic')
    this.#key = importViewingKey(options.viewingKey)
    if (typeof options.sequencerUrl !== 'string' || !/^https?:\/\//.test(options.sequencerUrl)) throw new InvalidParameterError('sequencerUrl', 'expected an http(s) URL')
    if (!isAddress(options.rollupAddress, { strict: false })) throw new InvalidParameterError('rollupAddress', 'expected 0x and 40 hex digits')
    if (typeof options.fromBlock !== 'bigint' || options.fromBlock < 0n) throw new InvalidParameterError('fromBlock', 'expected a non-negative bigint block number')
    if (!options.publicClient || typeof options.publicClient.getBlockNumber !== 'function') throw new InvalidParameterError('publicClient', 'expected a viem PublicClient')
    const confirmations = options.confirmations ?? 2
    if (!Number.isInteger(confirmations) || confirmations < 0) throw new InvalidParameterError('confirmations', 'expected a non-negative integer')
    if (options.webhook !== undefined) {
      if (typeof options.webhook.url !== 'string' || !/^https?:\/\//.test(options.webhook.url)) throw new InvalidParameterError('webhook.url', 'expected an http(s) URL')
      if (typeof options.webhook.secret !== 'string' || options.webhook.secret.length < 16) throw new InvalidParameterError('webhook.secret', 'expected a string of at least 16 characters')
    }
    const maxInvoiceTtl = options.maxInvoiceTtl ?? DEFAULT_MAX_INVOICE_TTL
    if (!Number.isInteger(maxInvoiceTtl) || maxInvoiceTtl < 1) throw new InvalidParameterError('maxInvoiceTtl', 'expected a positive whole number of seconds')
    const maxOpenInvoices = options.maxOpenInvoices ?? DEFAULT_MAX_OPEN_INVOICES
    if (!Number.isInteger(maxOpenInvoices) || maxOpenInvoices < 1) throw new InvalidParameterError('maxOpenInvoices', 'expected a positive integer')
    this.#options = options
    this.#confirmations = confirmations
    this.#maxInvoiceTtl = maxInvoiceTtl
    this.#maxOpenInvoices = maxOpenInvoices
    this.#now = options.now ?? Date.now
    this.address = encodeAddress({ ownerPk: this.#key.ownerPk, vpk: this.#key.vpk }, this.#key.network)
    this.#store = openMerchantStore(options.store ?? ':memory:')
    // Deliveries left in the outbox by a previous run go out without waiting for a new event.
    if (options.webhook) this.#scheduleDelivery(0)
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
    if (typeof p?.amount !== 'bigint' || p.amount <= 0n || p.amount >= AMOUNT_LIMIT) throw new InvalidParameterError('amount', 'expected a positive bigint below 2^128, in base units')
    if (!Number.isFinite(p.expiresIn) || p.expiresIn <= 0 || p.expiresIn > this.#maxInvoiceTtl) {
      throw new InvalidParameterError('expiresIn', `expected a number of seconds from 1 to ${this.#maxInvoiceTtl} (maxInvoiceTtl)`)
    }
    if (p.asset !== undefined && !isAddress(p.asset, { strict: false })) throw new InvalidParameterError('asset', 'expected an ERC-20 address (0x and 40 hex digits), or omit it for ETH')
    for (const name of ['label', 'message'] as const) {
      const v = p[name]
      if (v !== undefined && (typeof v !== 'string' || v.length > 200)) throw new InvalidParameterError(name, 'expected a string of at most 200 characters')
    }
    const fields = merchantFields(p)
    const asset = p.asset === undefined ? zeroAddress : getAddress(p.asset)
    const id = newInvoiceId()
    const memo = invoiceMemo(id, p.memo)
    const decimals = p.decimals ?? (await this.#assetDecimals(asset))
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
    // 256 random bits: a hash of it cannot be reversed nor the key guessed, so a plain SHA-256 suffices (no salt, no KDF).
    const key = `zkpmk_${randomBytes(32).toString('base64url')}`
    const id = `key_${base32nopad.encode(randomBytes(5)).toLowerCase()}`
    this.#store.insertApiKey({ id, hash: sha256Hex(key), createdAt: this.#now() })
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
    if (typeof key !== 'string') return false
    const given = Buffer.from(sha256Hex(key), 'hex')
    let found = false
    for (const row of this.#store.listApiKeys()) {
      if (row.revokedAt !== null) continue
      if (timingSafeEqual(given, Buffer.from(row.hash, 'hex'))) found = true
    }
    return found
  }

  /** Whether any API key is live (an HTTP app without one, and without ZKPAY_MERCHANT_API_KEY, creates nothing). */
  hasApiKeys(): boolean {
    this.#assertOpen()
    return this.#store.listApiKeys().some((k) => k.revokedAt === null)
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
   * is seen settled, not missed. Throws `NodeUnreachableError` when the node does not answer,
   * after the L1 part is applied.
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
    const { publicClient } = this.#options
    await this.#checkChain()
    const { head, batches, cursor, rollback } = await this.#readL1()
    const settled: ObservedOutput[] = []
    for (const batch of batches) {
      const outputs = batch.transactions.flatMap((t) =>
        t.commitments.map((commitment, i) => ({
          source: 'l1' as const,
          outputIndex: i,
          commitment,
          epk: t.epk,
          ciphertext: t.ciphertexts[i]!,
          leafIndex: t.leafIndex + i,
          blockNumber: batch.blockNumber,
          l1TxHash: batch.l1TxHash,
        })),
      )
      const mine = outputs.filter((o) => this.#tryDecrypt(o))
      if (mine.length === 0) continue
      // The block's time, not the time we looked: a merchant that was offline must not call a
      // payment late that settled before the invoice expired.
      const block = await publicClient.getBlock({ blockNumber: batch.blockNumber })
      for (const o of mine) settled.push({ ...o, timestamp: Number(block.timestamp) * 1000 })
    }
    this.#tipBlock = head.block

    const url = this.#options.sequencerUrl
    let sequenced: ObservedOutput[] = []
    let unreachable: unknown
    try {
      // Every page: a flood of other transactions must not hide a payment behind the first.
      let after: number | null = 0
      for (let page = 0; after !== null && page < MEMPOOL_MAX_PAGES; page++) {
        const res = await fetch(`${url}/v1/mempool?after=${after}`, { signal: AbortSignal.timeout(10_000) })
        if (!res.ok) throw new Error(`HTTP ${res.status}`)
        const mempool = (await res.json()) as { transactions: { id: string; commitments: Hex[]; epk: Hex; ciphertexts: Hex[] }[]; next?: number | null }
        if (!Array.isArray(mempool?.transactions)) throw new Error('no transactions array')
        for (const t of mempool.transactions) {
          // A malformed entry (a buggy or hostile node) is skipped, not allowed to stop every pass.
          if (!Array.isArray(t?.commitments) || !Array.isArray(t.ciphertexts)) continue
          t.commitments.forEach((commitment, i) => {
            const o: ObservedOutput = { source: 'mempool', txId: String(t.id), outputIndex: i, commitment, epk: t.epk, ciphertext: t.ciphertexts[i]! }
            if (this.#tryDecrypt(o)) sequenced.push(o)
          })
        }
        // A cursor that does not move forward would read the same page forever: stop there.
        after = typeof mempool.next === 'number' && mempool.next > after ? mempool.next : null
      }
    } catch (cause) {
      unreachable = cause
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
    this.#scheduleDelivery(0)
    if (unreachable !== undefined) throw new NodeUnreachableError(url, { cause: unreachable })
    return { events }
  }

  /**
   * Reads L1 from the cursor to the head and checks, after the read, that the last block read
   * before is still on the chain (`detectReorg`). After a reorg it reads again from the newest
   * checkpoint still on the chain, and returns the rollback for `#sync` to apply with the read.
   * `cursor` is where the next read starts, unless the chain is behind what was read (then none).
   * Throws `ReorgTooDeepError`, before anything is written, when the reorg would take back a
   * payment of a final invoice.
   */
  async #readL1(): Promise<{ head: Checkpoint; batches: SyncedBatch[]; cursor?: bigint; rollback?: { fromBlock: bigint; hash: Hex | null } }> {
    const { publicClient, rollupAddress } = this.#options
    const stored = this.#store.getCursor(L1_CURSOR)
    let from = stored?.block ?? this.#options.fromBlock
    let lastHash = stored?.hash ?? null
    let rollback: { fromBlock: bigint; hash: Hex | null } | undefined
    for (let reads = 1; ; reads++) {
      const head = await latestCheckpoint(publicClient)
      const read = from <= head.block ? await syncFromL1(publicClient, { rollup: rollupAddress, fromBlock: from, toBlock: head.block }) : undefined
      const below = from
      const check = await detectReorg(publicClient, {
        last: lastHash ? { block: from - 1n, hash: lastHash } : undefined,
        checkpoints: () => this.#store.checkpoints().filter((c) => c.block < below),
      })
      const undo = rollback ? { rollback } : {}
      // Behind: the RPC has not the block read last (a lagging node): apply nothing from L1 yet.
      if (check.status === 'behind') return { head, batches: [], ...undo }
      if (check.status === 'canonical') return { head, batches: read?.batches ?? [], ...(read ? { cursor: read.nextBlock } : {}), ...undo }
      from = check.ancestor ? check.ancestor.block + 1n : this.#options.fromBlock
      lastHash = check.ancestor?.hash ?? null
      rollback = { fromBlock: from, hash: lastHash }
      this.#store.assertRollbackAllowed(from)
      if (reads >= 3) return { head, batches: [], rollback }
    }
  }

  /**
   * Applies observed outputs (see `ObservedOutput`): trial-decrypts them, records the merchant's
   * payments, and re-evaluates every invoice they touch and every invoice still in progress
   * (expiry, settlement, finality at `tipBlock`). `sync()` calls this; tests and custom sources call
   * it directly. Seeing an output again changes nothing.
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
    const events = this.#apply(outputs)
    this.#emitAll(events)
    this.#scheduleDelivery(0)
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
    await this.#deliver()
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
    clearTimeout(this.#deliveryTimer)
    await this.#delivering?.catch(() => undefined)
    this.#listeners.clear()
    this.#store.close()
  }

  #assertOpen(): void {
    if (this.#closed) throw new MerchantClosedError()
  }

  async #assetDecimals(asset: Address): Promise<number> {
    if (asset === zeroAddress) return 18
    const known = this.#decimals.get(asset)
    if (known !== undefined) return known
    // The wallet's reader: the same ERC-20 check and the same bound on decimals.
    const { decimals } = await readTokenInfo(this.#options.publicClient, asset).catch((cause: unknown) => {
      throw new InvalidParameterError('asset', 'expected an ERC-20 contract with decimals() on the settlement chain, or pass `decimals`', cause instanceof Error ? cause.message : undefined)
    })
    this.#decimals.set(asset, decimals)
    return decimals
  }

  /** `#decrypt` for outputs read from the node or L1: a malformed one is not ours, never an error. */
  #tryDecrypt(o: ObservedOutput): boolean {
    try {
      return this.#decrypt(o) !== undefined
    } catch {
      return false
    }
  }

  /**
   * The L1 chain must be the one the rollup address was given for, and the same deployment: a
   * restarted devnet deploys the rollup at the same address on the same chain id, and its
   * payments would look like ours. The hash of the deployment block (`fromBlock`) tells them
   * apart. Bound at the first sync, checked at every later one (once per process).
   */
  async #checkChain(): Promise<void> {
    if (this.#chainChecked) return
    const { publicClient, fromBlock } = this.#options
    const rollup = getAddress(this.#options.rollupAddress)
    // As viem actions over `request`: the merchant needs of its client only what a JSON-RPC transport does.
    const chainId = String(await getChainId(publicClient))
    const block = await getBlock(publicClient, { blockNumber: fromBlock }).catch(() => undefined)
    const bound = { chainId: this.#store.getMeta('chainId'), rollup: this.#store.getMeta('rollupAddress'), deployment: this.#store.getMeta('deploymentBlockHash') }
    const useNew = 'use a new merchant store (--store)'
    if (bound.chainId !== undefined && bound.chainId !== chainId) throw new WrongNetworkError(`This merchant store belongs to chain ${bound.chainId}, but the RPC serves chain ${chainId}: check the RPC URL, or ${useNew}.`)
    if (bound.rollup !== undefined && bound.rollup !== rollup) throw new WrongNetworkError(`This merchant store belongs to the rollup at ${bound.rollup}, not ${rollup}: check the rollup address, or ${useNew}.`)
    if (!block?.hash) {
      if (bound.deployment === undefined) throw new WrongNetworkError(`The chain has no block ${fromBlock}, where the rollup was deployed: check the RPC URL and --from-block.`)
      throw new WrongNetworkError(`This merchant store belongs to a deployment of the rollup whose block ${fromBlock} this chain does not have (a restarted devnet?): ${useNew}.`)
    }
    if (bound.deployment !== undefined && bound.deployment !== block.hash) {
      throw new WrongNetworkError(`This merchant store belongs to another deployment of the rollup at ${rollup} (a restarted devnet deploys at the same address): ${useNew}.`)
    }
    if (bound.deployment === undefined) {
      this.#store.transaction(() => {
        this.#store.setMeta('chainId', chainId)
        this.#store.setMeta('rollupAddress', rollup)
        this.#store.setMeta('deploymentBlockHash', block.hash)
      })
    }
    this.#chainChecked = true
  }

  #decrypt(o: ObservedOutput) {
    const epk = toBytes(o.epk, 'epk', 32)
    const ciphertext = toBytes(o.ciphertext, 'ciphertext')
    const commitment = typeof o.commitment === 'bigint' ? o.commitment : BigInt(o.commitment)
    if (!Number.isInteger(o.outputIndex) || o.outputIndex < 0 || o.outputIndex > 254) throw new InvalidParameterError('outputIndex', 'expected an integer from 0 to 254')
    // decryptNotes derives output i's key from its position: put the ciphertext at its index.
    const ciphertexts = Array.from({ length: o.outputIndex + 1 }, (_, i) => (i === o.outputIndex ? ciphertext : new Uint8Array(0)))
    const commitments = ciphertexts.map((_, i) => (i === o.outputIndex ? commitment : 0n))
    // Payments only: never the internal key, even from a full viewing key. Notes the account
    // sends itself (change, deposits, a withdrawal's change) are not payments to the shop.
    const found = decryptNotes({ vsk: this.#key.vsk, ownerPk: this.#key.ownerPk, epk, ciphertexts, commitments })[o.outputIndex]
    // A zero-amount note is padding (a transaction's unused output), not a payment.
    return found && found.note.amount > 0n ? found : undefined
  }

  /**
   * Records the outputs and re-evaluates invoices, in one store transaction (with `before` and
   * `after`, the sync's rollback and cursor); returns the new events.
   */
  #apply(outputs: readonly ObservedOutput[], hooks: { before?: () => string[]; after?: () => void } = {}): MerchantEvent[] {
    const now = this.#now()
    outputs.forEach((o, i) => {
      if (o?.source !== 'mempool' && o?.source !== 'l1') throw new InvalidParameterError(`outputs[${i}].source`, "expected 'mempool' or 'l1'")
      if (o.source === 'l1' && (typeof o.blockNumber !== 'bigint' || !Number.isInteger(o.leafIndex) || !isHex(o.l1TxHash))) {
        throw new InvalidParameterError(`outputs[${i}]`, 'an L1 output needs blockNumber (bigint), leafIndex and l1TxHash')
      }
    })
    const decrypted = outputs.map((o) => ({ o, d: this.#decrypt(o) }))
    return this.#store.transaction(() => {
      // Only the invoices that can have changed are weighed again, each found through an index:
      // those a new output names (by the id in its memo), those a rollback took a settlement
      // from, the unpaid ones whose expiry passed, and the settled ones (finality follows the L1
      // tip). Spam invoices that nobody pays cost nothing per pass until they expire.
      const touched = new Set<string>(hooks.before?.() ?? [])
      for (const id of this.#store.dueForExpiry(now, EXPIRIES_PER_PASS)) touched.add(id)
      for (const id of this.#store.idsInState(['settled'])) touched.add(id)
      for (const { o, d } of decrypted) {
        if (!d) continue
        const commitment = toHex32(d.commitment)
        const existing = this.#store.getPayment(commitment)
        if (existing) {
          if (o.source === 'l1' && existing.blockNumber === null) {
            this.#store.settlePayment(commitment, { leafIndex: o.leafIndex!, blockNumber: o.blockNumber!, l1TxHash: o.l1TxHash! })
          } else if (existing.orphanedAt !== null) this.#store.seenAgain(commitment)
          if (existing.invoiceId) touched.add(existing.invoiceId)
          continue
        }
        const memo = new TextDecoder().decode(d.memo)
        const invoiceId = invoiceIdOfMemo(d.memo)
        const invoice = invoiceId === undefined ? undefined : this.#store.getInvoice(invoiceId)
        const asset = d.note.asset === 0n ? zeroAddress : (`0x${d.note.asset.toString(16).padStart(40, '0')}` as Address)
        const match: PaymentMatch = invoiceId === undefined ? 'no_invoice_id' : !invoice ? 'unknown_invoice' : invoice.asset !== asset ? 'wrong_asset' : 'counted'
        this.#store.insertPayment({
          commitment,
          invoiceId: invoice ? invoice.id : null,
          match,
          amount: d.note.amount.toString(),
          asset,
          memo,
          txId: o.txId ?? null,
          seenAt: Math.min(now, o.timestamp ?? now),
          leafIndex: o.source === 'l1' ? o.leafIndex! : null,
          blockNumber: o.source === 'l1' ? Number(o.blockNumber) : null,
          l1TxHash: o.source === 'l1' ? o.l1TxHash! : null,
        })
        if (invoice) touched.add(invoice.id)
      }
      const events: MerchantEvent[] = []
      for (const id of touched) events.push(...this.#reevaluate(id, now))
      hooks.after?.()
      return events
    })
  }

  #reevaluate(id: string, now: number): MerchantEvent[] {
    const row = this.#store.getInvoice(id)!
    const matched = this.#store.paymentsOf(id).filter((p) => p.match === 'counted')
    // A payment a reorg took back counts again only once it is seen again.
    const payments = matched.filter((p) => p.orphanedAt === null)
    const counted: CountedPayment[] = payments.map((p) => ({
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
      tipBlock: this.#tipBlock,
      confirmations: this.#confirmations,
      waiting: matched.length > payments.length,
    })
    if (after.state === before.state && after.received === before.received && after.overpaid === before.overpaid) return []
    const late = counted.filter((p) => p.seenAt >= row.expiresAt).map((p) => p.commitment)
    const changes = invoiceEvents(before, after, late)
    // After the n-th reorg that took a settlement back, the paid, settled and final that follow
    // are new events: their keys (and so their ids) carry n.
    const reorgs = row.reorgs + (changes.some((c) => c.type === 'invoice.unsettled') ? 1 : 0)
    this.#store.updateInvoiceStatus(id, { ...after, reorgs, updatedAt: now })
    const invoice = toInvoiceJson(this.#invoice(this.#store.getInvoice(id)!))
    const created: MerchantEvent[] = []
    for (const { type, key } of changes) {
      const event: MerchantEvent = { id: eventId(id, type, reorgs === 0 ? key : `${key}@${reorgs}`), type, createdAt: new Date(now).toISOString(), invoice }
      const inserted = this.#store.insertEvent({
        id: event.id,
        invoiceId: id,
        type,
        createdAt: now,
        body: JSON.stringify(event),
        delivery: this.#options.webhook ? 'pending' : 'none',
        nextAttemptAt: now,
      })
      if (inserted) created.push(event)
    }
    return created
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

  #scheduleDelivery(delayMs: number): void {
    if (!this.#options.webhook || this.#closed) return
    clearTimeout(this.#deliveryTimer)
    this.#deliveryTimer = setTimeout(() => void this.#deliver().catch((error) => this.#errorListeners.forEach((l) => l(error))), Math.max(0, delayMs))
    // Retries alone do not keep a process alive: a server or `watch()` does.
    this.#deliveryTimer.unref()
  }

  #deliver(): Promise<void> {
    const webhook = this.#options.webhook
    if (!webhook || this.#closed) return Promise.resolve()
    this.#delivering ??= (async () => {
      const initial = webhook.backoff?.initialMs ?? 1_000
      const max = webhook.backoff?.maxMs ?? 600_000
      for (;;) {
        if (this.#closed) return
        const due = this.#store.dueDeliveries(this.#now(), 20)
        if (due.length === 0) break
        for (const event of due) {
          if (this.#closed) return
          const timestamp = Math.floor(this.#now() / 1000)
          let error: string | undefined
          try {
            const res = await fetch(webhook.url, {
              method: 'POST',
              headers: {
                'content-type': 'application/json',
                [WEBHOOK_SIGNATURE_HEADER]: signWebhook({ body: event.body, secret: webhook.secret, timestamp }),
                'idempotency-key': event.id,
                'user-agent': 'zkpay-merchant',
              },
              body: event.body,
              signal: AbortSignal.timeout(webhook.timeoutMs ?? 10_000),
            })
            await res.body?.cancel().catch(() => undefined)
            if (res.status < 200 || res.status > 299) error = `HTTP ${res.status}`
          } catch (cause) {
            error = cause instanceof Error ? ((cause.cause as Error | undefined)?.message ?? cause.message) : String(cause)
          }
          if (this.#closed) return
          if (error === undefined) this.#store.markDelivered(event.id, this.#now())
          else this.#store.markFailed(event.id, { nextAttemptAt: this.#now() + Math.min(max, initial * 2 ** event.attempts), error })
        }
      }
    })().finally(() => {
      this.#delivering = undefined
      const next = this.#closed ? undefined : this.#store.nextDeliveryAt()
      if (next !== undefined) this.#scheduleDelivery(next - this.#now())
    })
    return this.#delivering
  }

  #invoice(row: InvoiceRow): Invoice {
    const asset = getAddress(row.asset)
    const uri = buildPaymentUri({
      address: this.address,
      amount: BigInt(row.amount),
      asset,
      memo: row.memo,
      decimals: row.decimals,
      ...(row.label === null ? {} : { label: row.label }),
      ...(row.message === null ? {} : { message: row.message }),
    })
    const invoice = {
      id: row.id,
      address: this.address,
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
      payments: this.#store.paymentsOf(row.id).map(toPayment),
    } as Invoice
    let qr: PaymentQr | undefined
    Object.defineProperty(invoice, 'qr', { enumerable: false, get: () => (qr ??= renderQr(uri)) })
    return invoice
  }
}

function toPayment(p: PaymentRow): Payment {
  return {
    commitment: p.commitment as Hex,
    invoiceId: p.invoiceId,
    match: p.match,
    amount: BigInt(p.amount),
    asset: getAddress(p.asset),
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

/**
 * A watch-only merchant from a viewing key (see `Merchant`).
 *
 * @example
 * const merchant = createMerchant({ viewingKey: process.env.ZKPAY_VIEWING_KEY!, sequencerUrl, publicClient, rollupAddress, fromBlock })
 */
export function createMerchant(options: MerchantOptions): Merchant {
  return new Merchant(options)
}

