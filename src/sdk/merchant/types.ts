import type { Address, Hex, PublicClient } from 'viem'
import type { InvoiceEventType, InvoiceState } from './invoiceState.ts'
import type { PaymentQr } from './renderQr.ts'
import type { PaymentMatch } from './schema.ts'

// The merchant's public types and limits: what `zkpay/merchant` callers pass and get back. Types
// only and constants, so that importing them loads nothing (no SQLite, no viem).

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
  /** blocks carrying a batch, the including one counted (as `confirmations` means throughout zkpay), before its payments are final (default 3: two on top) */
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

/**
 * The longest order id, in characters.
 *
 * @example
 * if (orderId.length > ORDER_ID_SIZE) throw new Error(`at most ${ORDER_ID_SIZE} characters`) // 128
 */
export const ORDER_ID_SIZE = 128
/**
 * The most bytes of metadata, serialized as JSON.
 *
 * @example
 * if (Buffer.byteLength(JSON.stringify(metadata)) > METADATA_SIZE) throw new Error('metadata too large') // 4096 bytes
 */
export const METADATA_SIZE = 4096
/**
 * The longest redirect URL, in characters.
 *
 * @example
 * if (redirectUrl.length > REDIRECT_URL_SIZE) throw new Error(`at most ${REDIRECT_URL_SIZE} characters`) // 2048
 */
export const REDIRECT_URL_SIZE = 2048
/**
 * Default `maxInvoiceTtl`: 30 days, in seconds.
 *
 * @example
 * const maxInvoiceTtl = options.maxInvoiceTtl ?? DEFAULT_MAX_INVOICE_TTL // 2592000
 */
export const DEFAULT_MAX_INVOICE_TTL = 30 * 24 * 3600
/**
 * Default `maxOpenInvoices`.
 *
 * @example
 * const maxOpenInvoices = options.maxOpenInvoices ?? DEFAULT_MAX_OPEN_INVOICES // 100000
 */
export const DEFAULT_MAX_OPEN_INVOICES = 100_000

/** An API key as listed: its id and dates, never the key (only its hash is stored). */
export type ApiKeyInfo = { id: string; createdAt: number; revokedAt: number | null }

/** A page of invoices, and the cursor of the next page (null on the last). */
export type InvoicePage = { invoices: Invoice[]; next: string | null }
