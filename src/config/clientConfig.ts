import { z } from 'zod'
import { DEFAULT_CLIENT_CONFIRMATIONS, MAX_CONFIRMATIONS } from '../settlement/confirmations.ts'
import { redactUrl } from './display.ts'
import { httpServerConfig } from './httpServerConfig.ts'
import { nodeConfig } from './nodeConfig.ts'
import { setting } from './setting.ts'

/**
 * Where a client of the rollup (`zkpay wallet`, `zkpay merchant`) finds it. The chain, the
 * contract and its deployment block are the node's settings, under the same variables.
 *
 * @example
 * const { sequencerUrl, rpcUrl, rollupAddress, fromBlock } = loadConfig(networkConfig, { env: process.env })
 */
export const networkConfig = {
  sequencerUrl: setting({
    env: 'ZKPAY_SEQUENCER_URL',
    description: "The operator node's HTTP API.",
    parser: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }),
    default: 'http://127.0.0.1:8080',
  }),
  rpcUrl: nodeConfig.rpcUrl,
  rollupAddress: nodeConfig.rollupAddress,
  fromBlock: nodeConfig.fromBlock,
}

/**
 * The merchant's settings: the network, its viewing key, its store and its webhook.
 *
 * @example
 * const config = loadConfig(merchantConfig, { env: process.env })
 * JSON.stringify(config) // viewingKey, webhookSecret and apiKey print as "[redacted]"
 */
export const merchantConfig = {
  ...networkConfig,
  viewingKey: setting({
    env: 'ZKPAY_VIEWING_KEY',
    description: "The merchant's incoming (zkptivk1…) or full viewing key: it sees payments and cannot spend.",
    parser: z.string({ error: 'expected a viewing key string' }).min(1),
    secret: true,
  }),
  store: setting({
    env: 'ZKPAY_MERCHANT_STORE',
    description: "The merchant's SQLite file: invoices, payments and the webhook outbox.",
    parser: z.string().min(1),
    default: '.zkpay/merchant.db',
  }),
  confirmations: setting({
    env: 'ZKPAY_MERCHANT_CONFIRMATIONS',
    description: 'The number of blocks, the including one counted (as ZKPAY_CONFIRMATIONS counts them), after which a settled payment is final.',
    parser: z.coerce.number({ error: 'expected an integer' }).int().min(1).max(MAX_CONFIRMATIONS),
    default: DEFAULT_CLIENT_CONFIRMATIONS,
  }),
  webhookUrl: setting({
    env: 'ZKPAY_WEBHOOK_URL',
    description: 'Where invoice events are POSTed, signed; none when unset.',
    parser: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional(),
    redact: (v) => (v ? redactUrl(v) : 'none'),
  }),
  webhookSecret: setting({
    env: 'ZKPAY_WEBHOOK_SECRET',
    description: 'The HMAC-SHA256 key shared with the webhook receiver (at least 16 characters).',
    parser: z.string().min(16, { error: 'expected at least 16 characters' }).optional(),
    secret: true,
  }),
  apiKey: setting({
    env: 'ZKPAY_MERCHANT_API_KEY',
    description:
      '`zkpay merchant serve`: a bearer token (at least 16 characters) accepted besides the keys of `zkpay merchant api-key create`, for creating and listing invoices and reading their payments; without any key the server shows public views only.',
    parser: z.string().min(16, { error: 'expected at least 16 characters' }).optional(),
    secret: true,
  }),
  webWalletUrl: setting({
    env: 'ZKPAY_WEB_WALLET_URL',
    description: '`zkpay merchant serve`: a zkpay web wallet page (`zkpay web`, https; http on loopback only) that checkout pages link to, with the payment filled in; no link when unset.',
    parser: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional(),
  }),
  maxInvoiceTtl: setting({
    env: 'ZKPAY_MERCHANT_MAX_INVOICE_TTL',
    description: 'The longest an invoice may stay payable, in seconds: a longer expiresIn is refused.',
    parser: z.coerce.number({ error: 'expected a number of seconds' }).int().min(1).max(366 * 24 * 3600),
    default: 30 * 24 * 3600,
  }),
  maxOpenInvoices: setting({
    env: 'ZKPAY_MERCHANT_MAX_OPEN_INVOICES',
    description: 'The most invoices open (unpaid, unexpired) at once: creating more is INVOICE_LIMIT_REACHED.',
    parser: z.coerce.number({ error: 'expected an integer' }).int().min(1).max(10_000_000),
    default: 100_000,
  }),
  // `zkpay merchant serve`: how long a client may take to send its request.
  ...httpServerConfig,
}
