export {
  type ApiKeyInfo,
  type CreateInvoiceParameters,
  createMerchant,
  DEFAULT_MAX_INVOICE_TTL,
  DEFAULT_MAX_OPEN_INVOICES,
  type InvoicePage,
  METADATA_SIZE,
  ORDER_ID_SIZE,
  REDIRECT_URL_SIZE,
  type Invoice,
  type InvoiceJson,
  Merchant,
  type MerchantEvent,
  type MerchantOptions,
  type ObservedOutput,
  type Payment,
  toInvoiceJson,
  type WebhookOptions,
} from './Merchant.ts'
export { createInvoiceSchema, createMerchantApp, listInvoicesSchema, MIN_API_KEY_LENGTH, type MerchantAppOptions } from './createMerchantApp.ts'
export { PUBLIC_INVOICE_FIELDS, type PublicInvoiceJson, toPublicInvoiceJson } from './toPublicInvoiceJson.ts'
export { INVOICE_ID_PATTERN, INVOICE_TEXT_SIZE, invoiceIdOfMemo, invoiceMemo, newInvoiceId } from './invoiceMemo.ts'
export { INVOICE_EVENT_TYPES, INVOICE_STATES, type InvoiceEventType, type InvoiceState, invoiceEvents, invoiceStatus } from './invoiceState.ts'
export { MERCHANT_MIGRATIONS_FOLDER } from './openMerchantStore.ts'
export { formatAmount, parseAmount } from './amount.ts'
export { buildPaymentUri, PAYMENT_URI_SCHEME, type PaymentRequest, parsePaymentUri } from './paymentUri.ts'
export { type PaymentQr, renderQr } from './renderQr.ts'
export { type PaymentMatch } from './schema.ts'
export { signWebhook, verifyWebhookSignature, WEBHOOK_SIGNATURE_HEADER, type WebhookVerification } from './webhookSignature.ts'
