import { existsSync, readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { Command } from 'commander'
import { createPublicClient, erc20Abi, http, type PublicClient, zeroAddress } from 'viem'
import { z } from 'zod'
import { loadConfig, nodeConfig, redactUrl, setting } from '../config/index.ts'
import { initCrypto } from '../crypto/poseidon.ts'
import { BaseError, InvalidParameterError } from '../errors/index.ts'
import type { Merchant, MerchantEvent } from '../sdk/merchant/index.ts'
import type { DevnetInfo } from './devnet.ts'

/**
 * The merchant's settings (`zkpay merchant …`): flags, then `ZKPAY_*` variables, then the embedded
 * devnet's `.zkpay/devnet.json` when present, then these defaults.
 */
export const merchantConfig = {
  viewingKey: setting({
    env: 'ZKPAY_VIEWING_KEY',
    description: "The merchant's incoming (zkptivk1…) or full viewing key: it sees payments and cannot spend.",
    parser: z.string({ error: 'expected a viewing key string' }).min(1),
    secret: true,
  }),
  sequencerUrl: setting({
    env: 'ZKPAY_SEQUENCER_URL',
    description: "The operator node's HTTP API, whose mempool shows payments as soon as they are sequenced.",
    parser: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }),
    default: 'http://127.0.0.1:8080',
  }),
  // The chain and the contract are the node's settings, under the same variables.
  rpcUrl: nodeConfig.rpcUrl,
  rollupAddress: nodeConfig.rollupAddress,
  fromBlock: setting({
    env: 'ZKPAY_FROM_BLOCK',
    description: "The rollup's deployment block: where a new merchant store starts reading L1.",
    parser: z.coerce.bigint({ error: 'expected a block number' }).min(0n),
    default: 0n,
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
}

type Flags = Record<string, string | boolean | undefined>

/** Reads `.zkpay/devnet.json` (written by `zkpay devnet`) for defaults, when it exists. */
function devnetDefaults(file: string): Partial<DevnetInfo> {
  if (!existsSync(file)) return {}
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Partial<DevnetInfo>
  } catch {
    return {}
  }
}

async function openMerchant(flags: Flags): Promise<{ merchant: Merchant; publicClient: PublicClient }> {
  const devnet = devnetDefaults(String(flags.devnet ?? '.zkpay/devnet.json'))
  const env = process.env
  // Precedence: flag, then environment, then devnet.json (a devnet default must not hide ZKPAY_*).
  const pick = (flag: string | boolean | undefined, variable: string, fallback: string | undefined) =>
    typeof flag === 'string' ? flag : env[variable]?.trim() ? undefined : fallback
  const config = loadConfig(merchantConfig, {
    overrides: {
      viewingKey: pick(flags.viewingKey, 'ZKPAY_VIEWING_KEY', undefined),
      sequencerUrl: pick(flags.sequencerUrl, 'ZKPAY_SEQUENCER_URL', devnet.sequencerUrl),
      rpcUrl: pick(flags.rpcUrl, 'ZKPAY_RPC_URL', devnet.rpcUrl),
      rollupAddress: pick(flags.rollup, 'ZKPAY_ROLLUP_ADDRESS', devnet.rollupAddress),
      fromBlock: pick(flags.fromBlock, 'ZKPAY_FROM_BLOCK', devnet.deployBlock),
      store: pick(flags.store, 'ZKPAY_MERCHANT_STORE', undefined),
      confirmations: pick(flags.confirmations, 'ZKPAY_MERCHANT_CONFIRMATIONS', undefined),
      webhookUrl: pick(flags.webhookUrl, 'ZKPAY_WEBHOOK_URL', undefined),
    },
  })
  if (config.webhookUrl && !config.webhookSecret) {
    throw new InvalidParameterError('ZKPAY_WEBHOOK_SECRET', 'set it (at least 16 characters) to sign webhooks; ZKPAY_WEBHOOK_URL is set')
  }
  await initCrypto()
  const { createMerchant } = await import('../sdk/merchant/index.ts')
  const publicClient = createPublicClient({ transport: http(config.rpcUrl) }) as PublicClient
  const merchant = createMerchant({
    viewingKey: config.viewingKey,
    sequencerUrl: config.sequencerUrl,
    publicClient,
    rollupAddress: config.rollupAddress,
    fromBlock: config.fromBlock,
    store: config.store,
    confirmations: config.confirmations,
    ...(config.webhookUrl && config.webhookSecret ? { webhook: { url: config.webhookUrl, secret: config.webhookSecret } } : {}),
  })
  return { merchant, publicClient }
}

/** Resolves on SIGINT or SIGTERM: long-running subcommands await it, then close the store cleanly. */
const untilSignal = () =>
  new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve())
  })

/** `CODE: sentence` for zkpay errors; anything else (an RPC client's error) by its first line. Never a stack. */
const describeError = (e: unknown) =>
  e instanceof BaseError ? `${e.code}: ${e.shortMessage}` : `MERCHANT_FAILED: ${String(e instanceof Error ? e.message : e).split('\n')[0]}`

function run(action: (flags: Flags) => Promise<void>) {
  return async (flags: Flags) => {
    try {
      await action(flags)
    } catch (e) {
      console.error(`error ${describeError(e)}`)
      process.exitCode = 2
    }
  }
}

const describeEvent = (e: MerchantEvent) => {
  const i = e.invoice
  return `${e.createdAt} ${i.id} ${e.type.replace('invoice.', '')}: received ${i.received} of ${i.amount} base units${i.overpaid ? ' (overpaid)' : ''}`
}

function withConnection(command: Command): Command {
  return command
    .option('--viewing-key <key>', 'incoming or full viewing key (ZKPAY_VIEWING_KEY; prefer the variable: flags show in `ps`)')
    .option('--sequencer-url <url>', "operator node's API (ZKPAY_SEQUENCER_URL; default from .zkpay/devnet.json)")
    .option('--rpc-url <url>', 'settlement chain JSON-RPC (ZKPAY_RPC_URL)')
    .option('--rollup <address>', 'Rollup contract address (ZKPAY_ROLLUP_ADDRESS)')
    .option('--from-block <n>', "the rollup's deployment block (ZKPAY_FROM_BLOCK)")
    .option('--store <file>', 'merchant SQLite file (ZKPAY_MERCHANT_STORE; default .zkpay/merchant.db)')
    .option('--confirmations <n>', 'blocks until a settled payment is final (ZKPAY_MERCHANT_CONFIRMATIONS; default 2)')
    .option('--webhook-url <url>', 'POST signed invoice events here (ZKPAY_WEBHOOK_URL; secret in ZKPAY_WEBHOOK_SECRET)')
    .option('--devnet <file>', 'read defaults from this devnet file', '.zkpay/devnet.json')
}

/**
 * `zkpay merchant …`: invoices, watching for payments, and the checkout server, from a viewing key.
 *
 * @example
 * program.addCommand(merchantCommand())
 */
export function merchantCommand(): Command {
  const merchant = new Command('merchant').description('accept private payments with a viewing key: invoices, payment URIs and QR codes, watching, webhooks')

  withConnection(merchant.command('invoice'))
    .description('create an invoice and print its payment URI and QR code')
    .requiredOption('--amount <decimal>', 'amount in whole units of the asset, e.g. 0.25 (ETH)')
    .option('--asset <address>', 'ERC-20 token address (default ETH)')
    .option('--decimals <n>', "the token's decimals (default: read from the token; 18 for ETH)")
    .option('--memo <text>', 'your text, sent back in the memo after the invoice id (at most 111 bytes)')
    .option('--expires-in <seconds>', 'seconds until the invoice expires', '900')
    .option('--label <text>', 'who is asking, shown to the payer')
    .option('--message <text>', 'what for, shown to the payer')
    .option('--json', 'print the invoice as JSON')
    .action(
      run(async (flags: Flags) => {
        const { parseAmount, toInvoiceJson } = await import('../sdk/merchant/index.ts')
        const { merchant: m, publicClient } = await openMerchant(flags)
        try {
          const asset = typeof flags.asset === 'string' ? flags.asset : undefined
          if (asset !== undefined && !/^0x[0-9a-fA-F]{40}$/.test(asset)) throw new InvalidParameterError('asset', 'expected an ERC-20 address (0x and 40 hex digits)')
          let decimals = 18
          if (typeof flags.decimals === 'string') decimals = Number(flags.decimals)
          else if (asset !== undefined && asset !== zeroAddress) {
            decimals = await publicClient.readContract({ address: asset as `0x${string}`, abi: erc20Abi, functionName: 'decimals' })
          }
          if (!Number.isInteger(decimals) || decimals < 0 || decimals > 36) throw new InvalidParameterError('decimals', 'expected an integer from 0 to 36')
          const amount = parseAmount(String(flags.amount), decimals)
          if (amount === undefined) throw new InvalidParameterError('amount', `expected a positive decimal with at most ${decimals} decimals, e.g. 0.25`)
          const expiresIn = Number(flags.expiresIn)
          const invoice = await m.createInvoice({
            amount,
            expiresIn,
            decimals,
            ...(asset ? { asset: asset as `0x${string}` } : {}),
            ...(typeof flags.memo === 'string' ? { memo: flags.memo } : {}),
            ...(typeof flags.label === 'string' ? { label: flags.label } : {}),
            ...(typeof flags.message === 'string' ? { message: flags.message } : {}),
          })
          if (flags.json) {
            console.log(JSON.stringify(toInvoiceJson(invoice), null, 2))
            return
          }
          console.log(invoice.qr.terminal)
          console.log(`invoice  ${invoice.id} (${String(flags.amount)} ${asset ?? 'ETH'}, expires ${new Date(invoice.expiresAt).toISOString()})`)
          console.log(`pay to   ${invoice.uri}`)
        } finally {
          await m.close()
        }
      }),
    )

  withConnection(merchant.command('watch'))
    .description('follow the node and L1, and print each invoice state change until interrupted')
    .option('--interval-ms <ms>', 'time between syncs', '2000')
    .action(
      run(async (flags: Flags) => {
        const { merchant: m } = await openMerchant(flags)
        m.on('*', (e) => console.log(describeEvent(e)))
        m.on('error', (e) => console.error(`warning ${describeError(e)}`))
        m.watch({ intervalMs: Number(flags.intervalMs) })
        console.log(`watching ${m.address} (Ctrl-C to stop)`)
        await untilSignal()
        await m.close()
      }),
    )

  withConnection(merchant.command('serve'))
    .description('serve the invoice API and checkout pages, and watch for payments, until interrupted')
    .option('--port <port>', 'HTTP port', '8081')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--interval-ms <ms>', 'time between syncs', '2000')
    .action(
      run(async (flags: Flags) => {
        const port = Number(flags.port)
        if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new InvalidParameterError('port', 'expected a port number from 0 to 65535')
        const { serve } = await import('@hono/node-server')
        const { createMerchantApp } = await import('../sdk/merchant/index.ts')
        const { merchant: m } = await openMerchant(flags)
        m.on('*', (e) => console.log(describeEvent(e)))
        m.on('error', (e) => console.error(`warning ${describeError(e)}`))
        const server = serve({ fetch: createMerchantApp(m).fetch, port, hostname: String(flags.host) })
        await new Promise<void>((resolve, reject) => {
          server.once('listening', () => resolve())
          server.once('error', reject)
        })
        m.watch({ intervalMs: Number(flags.intervalMs) })
        const url = `http://${String(flags.host)}:${(server.address() as AddressInfo).port}`
        console.log(`merchant ${m.address}\nlistening on ${url} (POST /invoices, GET /checkout/:id; Ctrl-C to stop)`)
        await untilSignal()
        await new Promise<void>((resolve) => {
          ;(server as { closeAllConnections?: () => void }).closeAllConnections?.()
          server.close(() => resolve())
        })
        await m.close()
      }),
    )

  return merchant
}
