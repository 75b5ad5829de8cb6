import { existsSync, readFileSync } from 'node:fs'
import { z } from 'zod'
import { type Config, type ConfigSchema, httpServerConfig, loadConfig, nodeConfig, redactUrl, setting } from '../config/index.ts'
import { ConfigError } from '../errors/index.ts'
import type { DevnetInfo } from './devnet.ts'

/**
 * Where a client of the rollup (`zkpay wallet`, `zkpay merchant`) finds it. The chain and the
 * contract are the node's settings, under the same variables.
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
  fromBlock: setting({
    env: 'ZKPAY_FROM_BLOCK',
    description: "The rollup's deployment block: where a new wallet or merchant store starts reading L1.",
    parser: z.coerce.bigint({ error: 'expected a block number' }).min(0n),
    default: 0n,
  }),
}

/** The merchant's settings: the network, its viewing key, its store and its webhook. */
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
    description: 'Blocks on top of a settled batch before its payments are final.',
    parser: z.coerce.number({ error: 'expected an integer' }).int().min(0).max(10_000),
    default: 2,
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

/** Reads the file `zkpay devnet` writes, when it exists and parses; else nothing. */
function readDevnetFile(file: string): Partial<DevnetInfo> {
  if (!existsSync(file)) return {}
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Partial<DevnetInfo>
  } catch {
    return {}
  }
}

/** Command-line flags by setting name; `--rollup` is the one whose flag is not the setting's name. */
export type ClientFlags = Record<string, string | boolean | undefined>
const flagName = (key: string) => (key === 'rollupAddress' ? 'rollup' : key)

/**
 * A client's settings. Each comes from its flag, else its `ZKPAY_*` variable, else the devnet
 * file (for the network: a devnet default never hides a variable that is set), else its default.
 *
 * @example
 * const { config, devnet } = loadClientConfig(networkConfig, { rollup: '0x…' })
 */
export function loadClientConfig<S extends ConfigSchema>(
  schema: S,
  flags: ClientFlags,
  options: { devnetFile?: string; env?: Record<string, string | undefined> } = {},
): { config: Config<S>; devnet: Partial<DevnetInfo> } {
  const env = options.env ?? process.env
  const devnetFile = options.devnetFile ?? '.zkpay/devnet.json'
  const devnet = readDevnetFile(devnetFile)
  const fromDevnet: Record<string, string | undefined> = {
    sequencerUrl: devnet.sequencerUrl,
    rpcUrl: devnet.rpcUrl,
    rollupAddress: devnet.rollupAddress,
    fromBlock: devnet.deployBlock,
  }
  const overrides: Record<string, string | undefined> = {}
  for (const [key, declaration] of Object.entries(schema)) {
    const flag = flags[flagName(key)]
    if (typeof flag === 'string') overrides[key] = flag
    else if (!env[declaration.env]?.trim()) overrides[key] = fromDevnet[key]
  }
  try {
    return { config: loadConfig(schema, { env, overrides: overrides as never }), devnet }
  } catch (e) {
    if (!(e instanceof ConfigError) || e.setting === undefined || !(e.setting in fromDevnet)) throw e
    // A network setting: say how to give it, including the devnet that would have supplied it.
    const how = `Pass --${flagName(e.setting).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} or set ${e.variable}, or start a devnet with \`zkpay devnet\` (it writes ${devnetFile}).`
    throw new ConfigError(e.variable, `${e.shortMessage} ${how}`, { setting: e.setting, cause: e })
  }
}
