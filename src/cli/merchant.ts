import { Command } from 'commander'
import type { PublicClient } from 'viem'
import { isLoopback } from '../config/loopback.ts'
import { ApiKeyRequiredError, BaseError, InvalidParameterError } from '../errors/index.ts'
import type { Invoice, Merchant, MerchantEvent } from '../sdk/merchant/index.ts'
import type { Config } from '../config/index.ts'
import type { merchantConfig } from '../config/clientConfig.ts'
import type { ClientFlags } from './clientConfig.ts'
import { printable } from './printable.ts'

/**
 * The merchant's settings (flags, then `ZKPAY_*` variables, then the devnet file, then
 * defaults: `merchantConfig`) and the merchant they describe. viem, zod and the SDK load here,
 * when a command runs, so that `zkpay --help` does not wait for them.
 */
async function openMerchant(flags: ClientFlags): Promise<{ merchant: Merchant; publicClient: PublicClient; config: Config<typeof merchantConfig> }> {
  const [{ loadClientConfig }, { merchantConfig }] = await Promise.all([import('./clientConfig.ts'), import('../config/clientConfig.ts')])
  const { config } = loadClientConfig(merchantConfig, flags, { devnetFile: String(flags.devnet ?? '.zkpay/devnet.json') })
  if (config.webhookUrl && !config.webhookSecret) {
    throw new InvalidParameterError('ZKPAY_WEBHOOK_SECRET', 'set it (at least 16 characters) to sign webhooks; ZKPAY_WEBHOOK_URL is set')
  }
  const [{ createPublicClient }, { rpcTransport }, { initCrypto }, { createMerchant }] = await Promise.all([
    import('viem'),
    import('../settlement/rpcTransport.ts'),
    import('../crypto/poseidon.ts'),
    import('../sdk/merchant/index.ts'),
  ])
  await initCrypto()
  const publicClient = createPublicClient({ transport: rpcTransport(config.rpcUrl) }) as PublicClient
  const merchant = await createMerchant({
    viewingKey: config.viewingKey,
    sequencerUrl: config.sequencerUrl,
    publicClient,
    rollupAddress: config.rollupAddress,
    fromBlock: config.fromBlock,
    store: config.store,
    confirmations: config.confirmations,
    maxInvoiceTtl: config.maxInvoiceTtl,
    maxOpenInvoices: config.maxOpenInvoices,
    ...(config.webhookUrl && config.webhookSecret ? { webhook: { url: config.webhookUrl, secret: config.webhookSecret } } : {}),
  })
  return { merchant, publicClient, config }
}

/** Resolves on SIGINT or SIGTERM: long-running subcommands await it, then close the store cleanly. */
const untilSignal = () =>
  new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve())
  })

/** `CODE: sentence` for zkpay errors; anything else (an RPC client's error) by its first line. Never a stack. */
const describeError = (e: unknown) =>
  e instanceof BaseError ? `${e.code}: ${e.shortMessage}` : `MERCHANT_FAILED: ${String(e instanceof Error ? e.message : e).split('\n')[0]}`

function run<A extends unknown[]>(action: (...args: A) => Promise<void>) {
  return async (...args: A) => {
    try {
      await action(...args)
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

/** Loopback only: 127.0.0.0/8, ::1 and localhost. Anything else other machines may reach. */

/** Runs `action` on the merchant of `flags`, closing it after, whatever happens. */
async function withMerchant(flags: ClientFlags, action: (m: Merchant) => Promise<void> | void): Promise<void> {
  const { merchant: m } = await openMerchant(flags)
  try {
    await action(m)
  } finally {
    await m.close()
  }
}

/** One line per invoice: id, state, received of amount (base units), expiry, order id. */
const describeInvoice = (i: Invoice) =>
  `${i.id}  ${i.state.padEnd(9)}  ${i.received} of ${i.amount}${i.overpaid ? ' (overpaid)' : ''}  expires ${new Date(i.expiresAt).toISOString()}${i.orderId === null ? '' : `  order ${i.orderId}`}`

function withConnection(command: Command): Command {
  return command
    .option('--viewing-key <key>', 'incoming or full viewing key (ZKPAY_VIEWING_KEY; prefer the variable: flags show in `ps`)')
    .option('--sequencer-url <url>', "operator node's API (ZKPAY_SEQUENCER_URL; default from .zkpay/devnet.json)")
    .option('--rpc-url <url>', 'settlement chain JSON-RPC (ZKPAY_RPC_URL)')
    .option('--rollup <address>', 'Rollup contract address (ZKPAY_ROLLUP_ADDRESS)')
    .option('--from-block <n>', "the rollup's deployment block (ZKPAY_FROM_BLOCK)")
    .option('--store <file>', 'merchant SQLite file (ZKPAY_MERCHANT_STORE; default .zkpay/merchant.db)')
    .option('--confirmations <n>', 'blocks carrying a settled payment, its own counted, until it is final (ZKPAY_MERCHANT_CONFIRMATIONS; default 3)')
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
    .option('--order-id <text>', 'your order reference, returned in the invoice and its webhooks')
    .option('--metadata <json>', 'a JSON object of yours (at most 4 KB), returned in the invoice and its webhooks')
    .option('--redirect-url <url>', 'http(s) URL the checkout page opens once paid')
    .option('--json', 'print the invoice as JSON')
    .action(
      run(async (flags: ClientFlags) => {
        const { parseAmount, toInvoiceJson } = await import('../sdk/merchant/index.ts')
        let metadata: Record<string, unknown> | undefined
        if (typeof flags.metadata === 'string') {
          try {
            metadata = JSON.parse(flags.metadata) as Record<string, unknown>
          } catch {
            throw new InvalidParameterError('metadata', 'expected a JSON object, e.g. \'{"customer":"c_77"}\'')
          }
        }
        const { merchant: m, publicClient } = await openMerchant(flags)
        try {
          const asset = typeof flags.asset === 'string' ? flags.asset : undefined
          if (asset !== undefined && !/^0x[0-9a-fA-F]{40}$/.test(asset)) throw new InvalidParameterError('asset', 'expected an ERC-20 address (0x and 40 hex digits)')
          const { erc20Abi, zeroAddress } = await import('viem')
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
            ...(typeof flags.orderId === 'string' ? { orderId: flags.orderId } : {}),
            ...(metadata !== undefined ? { metadata } : {}),
            ...(typeof flags.redirectUrl === 'string' ? { redirectUrl: flags.redirectUrl } : {}),
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

  withConnection(merchant.command('list'))
    .description('list invoices, newest first')
    .option('--status <state>', 'only invoices in this state (open, underpaid, paid, settled, final, expired, late)')
    .option('--limit <n>', 'at most this many', '50')
    .option('--cursor <next>', 'continue after a previous page (its `next`)')
    .option('--json', 'print { invoices, next } as JSON')
    .action(
      run(async (flags: ClientFlags) => {
        const limit = Number(flags.limit)
        const { toInvoiceJson } = await import('../sdk/merchant/index.ts')
        await withMerchant(flags, (m) => {
          const page = m.listInvoicePage({
            limit,
            ...(typeof flags.status === 'string' ? { status: flags.status as Invoice['state'] } : {}),
            ...(typeof flags.cursor === 'string' ? { cursor: flags.cursor } : {}),
          })
          if (flags.json) return console.log(JSON.stringify({ invoices: page.invoices.map(toInvoiceJson), next: page.next }, null, 2))
          if (page.invoices.length === 0) console.log('no invoices')
          for (const i of page.invoices) console.log(describeInvoice(i))
          if (page.next) console.log(`more: --cursor ${page.next}`)
        })
      }),
    )

  withConnection(merchant.command('status'))
    .description('show one invoice: its state, what it received, and its payments')
    .argument('<id>', 'the invoice id (inv_…)')
    .option('--json', 'print the invoice as JSON')
    .action(
      run(async (id: string, flags: ClientFlags) => {
        const { toInvoiceJson } = await import('../sdk/merchant/index.ts')
        await withMerchant(flags, (m) => {
          const invoice = m.getInvoice(id)
          if (flags.json) return console.log(JSON.stringify(toInvoiceJson(invoice), null, 2))
          console.log(describeInvoice(invoice))
          for (const p of invoice.payments) console.log(`  payment ${p.amount} ${p.status}${p.match === 'counted' ? '' : ` (${p.match})`}  seen ${new Date(p.seenAt).toISOString()}`)
        })
      }),
    )

  const apiKey = merchant.command('api-key').description("the merchant's API keys for `serve` (stored hashed in the merchant store)")
  withConnection(apiKey.command('create'))
    .description('create an API key and print it: it is shown this once, only its hash is kept')
    .option('--json', 'print { id, key } as JSON')
    .action(
      run((flags: ClientFlags) =>
        withMerchant(flags, (m) => {
          const { id, key } = m.createApiKey()
          if (flags.json) return console.log(JSON.stringify({ id, key }))
          console.log(`api key ${id}\n${key}\nSend it as \`Authorization: Bearer <key>\`. It is not shown again: store it now.`)
        }),
      ),
    )
  withConnection(apiKey.command('list'))
    .description('list the API keys (ids and dates, never the keys)')
    .option('--json', 'print the keys as JSON')
    .action(
      run((flags: ClientFlags) =>
        withMerchant(flags, (m) => {
          const keys = m.listApiKeys()
          if (flags.json) return console.log(JSON.stringify(keys.map((k) => ({ ...k, createdAt: new Date(k.createdAt).toISOString(), revokedAt: k.revokedAt === null ? null : new Date(k.revokedAt).toISOString() }))))
          if (keys.length === 0) console.log('no API keys: `zkpay merchant api-key create` makes one')
          for (const k of keys) console.log(`${k.id}  created ${new Date(k.createdAt).toISOString()}${k.revokedAt === null ? '' : `  revoked ${new Date(k.revokedAt).toISOString()}`}`)
        }),
      ),
    )
  withConnection(apiKey.command('revoke'))
    .description('revoke an API key by its id: `serve` refuses it from the next request on')
    .argument('<id>', 'the key id (key_…)')
    .action(
      run((id: string, flags: ClientFlags) =>
        withMerchant(flags, (m) => {
          m.revokeApiKey(id)
          console.log(`revoked ${id}`)
        }),
      ),
    )

  withConnection(merchant.command('watch'))
    .description('follow the node and L1, and print each invoice state change until interrupted')
    .option('--interval-ms <ms>', 'time between syncs', '2000')
    .action(
      run(async (flags: ClientFlags) => {
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
      run(async (flags: ClientFlags) => {
        const port = Number(flags.port)
        if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new InvalidParameterError('port', 'expected a port number from 0 to 65535')
        const [{ createMerchantApp }, { serveHttp }] = await Promise.all([import('../sdk/merchant/index.ts'), import('./serveHttp.ts')])
        const host = String(flags.host)
        const { merchant: m, config } = await openMerchant(flags)
        // Reachable from other machines with no key: anyone could create invoices (or, with a key
        // set later, nobody could). Refuse before listening.
        if (!isLoopback(host) && config.apiKey === undefined && !m.hasApiKeys()) {
          await m.close()
          throw new ApiKeyRequiredError(host)
        }
        m.on('*', (e) => console.log(describeEvent(e)))
        m.on('error', (e) => console.error(`warning ${describeError(e)}`))
        const server = await serveHttp({
          fetch: createMerchantApp(m, {
            ...(config.apiKey === undefined ? {} : { apiKey: config.apiKey }),
            ...(config.webWalletUrl === undefined ? {} : { webWalletUrl: config.webWalletUrl }),
            onError: (e, request) => console.error(`warning ${describeError(e)} (${request.method} ${printable(request.path, 120)})`),
          }).fetch,
          port,
          hostname: host,
          headersTimeoutMs: config.httpHeadersTimeoutMs,
          requestTimeoutMs: config.httpRequestTimeoutMs,
        })
        m.watch({ intervalMs: Number(flags.intervalMs) })
        const api =
          config.apiKey === undefined && !m.hasApiKeys()
            ? 'public views only: `zkpay merchant api-key create` makes a key to create invoices over HTTP'
            : 'POST /invoices, GET /invoices and whole invoices with an API key'
        console.log(`merchant ${m.address}\nlistening on ${server.url} (GET /checkout/:id, /invoices/:id; ${api}; Ctrl-C to stop)`)
        await untilSignal()
        await server.close()
        await m.close()
      }),
    )

  return merchant
}
