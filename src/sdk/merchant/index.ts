// `zkpay/merchant`: what a merchant calls. Everything here loads without SQLite, sodium-native or
// viem (test/unit/merchantEntry.test.ts checks it); `createMerchant` loads the merchant and its
// store on first use, which is why `Merchant` is exported as a type only.
export { createMerchant } from './createMerchant.ts'
export type { Merchant } from './Merchant.ts'
export type {
  ApiKeyInfo,
  CreateInvoiceParameters,
  Invoice,
  InvoiceJson,
  InvoicePage,
  MerchantEvent,
  MerchantOptions,
  ObservedOutput,
  Payment,
  WebhookOptions,
} from './types.ts'
export { DEFAULT_MAX_INVOICE_TTL, DEFAULT_MAX_OPEN_INVOICES, METADATA_SIZE, ORDER_ID_SIZE, REDIRECT_URL_SIZE } from './types.ts'
export { toInvoiceJson } from './invoiceViews.ts'
export { createInvoiceSchema, createMerchantApp, listInvoicesSchema, MIN_API_KEY_LENGTH, type MerchantAppOptions } from './createMerchantApp.ts'
export { PUBLIC_INVOICE_FIELDS, type PublicInvoiceJson, toPublicInvoiceJson } from './toPublicInvoiceJson.ts'
export { INVOICE_ID_PATTERN, INVOICE_TEXT_SIZE, invoiceIdOfMemo, invoiceMemo, newInvoiceId } from './invoiceMemo.ts'
export { INVOICE_EVENT_TYPES, INVOICE_STATES, type InvoiceEventType, type InvoiceState, invoiceEvents, invoiceStatus } from './invoiceState.ts'
export { MERCHANT_MIGRATIONS_FOLDER } from './migrationsFolder.ts'
export { formatAmount, parseAmount } from './amount.ts'
export { buildPaymentUri, PAYMENT_URI_SCHEME, type PaymentRequest, parsePaymentUri } from './paymentUri.ts'
export { type PaymentQr, renderQr } from './renderQr.ts'
export type { PaymentMatch } from './schema.ts'
export { signWebhook, verifyWebhookSignature, WEBHOOK_SIGNATURE_HEADER, type WebhookVerification } from './webhookSignature.ts'
