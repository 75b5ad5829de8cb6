import { BaseError } from './BaseError.ts'

export type PaymentUriReason =
  | 'BAD_SCHEME'
  | 'BAD_ENCODING'
  | 'BAD_ADDRESS'
  | 'BAD_AMOUNT'
  | 'BAD_ASSET'
  | 'BAD_MEMO'
  | 'DUPLICATE_PARAM'
  | 'UNKNOWN_REQUIRED_PARAM'

const paymentUriMessages: Record<PaymentUriReason, string> = {
  BAD_SCHEME: 'The payment URI does not start with `zkpay:`.',
  BAD_ENCODING: 'The payment URI is malformed: a parameter has no name or bad percent-encoding.',
  BAD_ADDRESS: 'The payment URI does not hold a valid zkpay address.',
  BAD_AMOUNT: 'The payment URI amount is not a positive decimal number with at most the asset’s decimals.',
  BAD_ASSET: 'The payment URI asset is not an ERC-20 address (0x and 40 hex digits).',
  BAD_MEMO: 'The payment URI memo is not base64url or is longer than 128 bytes.',
  DUPLICATE_PARAM: 'The payment URI gives the same parameter twice.',
  UNKNOWN_REQUIRED_PARAM: 'The payment URI requires a feature (`req-` parameter) this wallet does not support: do not pay it.',
}

/**
 * A `zkpay:` payment URI could not be parsed (or built). Each way it can be wrong has its own code,
 * `URI_<reason>`, so a wallet can tell the user exactly what is wrong with the request.
 */
export class PaymentUriError extends BaseError {
  override name = 'PaymentUriError' as const
  readonly reason: PaymentUriReason

  constructor(reason: PaymentUriReason, options: { details?: string; cause?: unknown } = {}) {
    super(`URI_${reason}`, paymentUriMessages[reason], options)
    this.reason = reason
  }
}

/** No invoice with this id in the merchant's store. */
export class InvoiceNotFoundError extends BaseError {
  override name = 'InvoiceNotFoundError' as const
  readonly invoiceId: string

  constructor(invoiceId: string) {
    super('INVOICE_NOT_FOUND', `No invoice with id ${JSON.stringify(invoiceId)}: check the id, and that the merchant uses the same store.`)
    this.invoiceId = invoiceId
  }
}

/** The merchant's store (its SQLite file) could not be opened or migrated. */
export class MerchantStoreError extends BaseError {
  override name = 'MerchantStoreError' as const

  constructor(shortMessage: string, options: { details?: string; cause?: unknown } = {}) {
    super('MERCHANT_STORE_FAILED', shortMessage, options)
  }
}

/** The merchant was used after `close()`. */
export class MerchantClosedError extends BaseError {
  override name = 'MerchantClosedError' as const

  constructor() {
    super('MERCHANT_CLOSED', 'The merchant was closed: create a new one with createMerchant().')
  }
}

/** Creating this invoice would pass the merchant's limit on open invoices (`maxOpenInvoices`). */
export class InvoiceLimitError extends BaseError {
  override name = 'InvoiceLimitError' as const
  readonly limit: number

  constructor(limit: number) {
    super('INVOICE_LIMIT_REACHED', `The merchant already has ${limit} open invoices, its limit: wait for some to be paid or expire, or raise maxOpenInvoices.`)
    this.limit = limit
  }
}

/** `zkpay merchant serve` on an address other machines reach, with no API key to guard invoice creation. */
export class ApiKeyRequiredError extends BaseError {
  override name = 'ApiKeyRequiredError' as const

  constructor(host: string) {
    super('API_KEY_REQUIRED', `Refusing to serve on ${host}, which is not a loopback address, without an API key: create one with \`zkpay merchant api-key create\` first.`)
  }
}

/** No live API key with this id in the merchant's store. */
export class ApiKeyNotFoundError extends BaseError {
  override name = 'ApiKeyNotFoundError' as const

  constructor(id: string) {
    super('API_KEY_NOT_FOUND', `No live API key with id ${JSON.stringify(id)}: \`zkpay merchant api-key list\` shows the ids.`)
  }
}
