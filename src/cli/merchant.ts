import { Command } from 'commander'
import type { PublicClient } from 'viem'
import { BaseError, InvalidParameterError } from '../errors/index.ts'
import type { Merchant, MerchantEvent } from '../sdk/merchant/index.ts'
import type { Config } from '../config/index.ts'
import type { ClientFlags, merchantConfig } from './clientConfig.ts'

/**
 * The merchant's settings (flags, then `ZKPAY_*` variables, then the devnet file, then
 * defaults: `merchantConfig`) and the merchant they describe. viem, zod and the SDK load here,
 * when a command runs, so that `zkpay --help` does not wait for them.
 */
async function openMerchant(flags: ClientFlags): Promise<{ merchant: Merchant; publicClient: PublicClient; config: Config<typeof merchantConfig> }> {
  const { loadClientConfig, merchantConfig } = await import('./clientConfig.ts')
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

function run(action: (flags: ClientFlags) => Promise<void>) {
  return async (flags: ClientFlags) => {
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
      run(async (flags: ClientFlags) => {
        const { parseAmount, toInvoiceJson } = await import('../sdk/merchant/index.ts')
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
        const { merchant: m, config } = await openMerchant(flags)
        m.on('*', (e) => console.log(describeEvent(e)))
        m.on('error', (e) => console.error(`warning ${describeError(e)}`))
        const server = await serveHttp({
          fetch: createMerchantApp(m, config.apiKey === undefined ? {} : { apiKey: config.apiKey }).fetch,
          port,
          hostname: String(flags.host),
          headersTimeoutMs: config.httpHeadersTimeoutMs,
          requestTimeoutMs: config.httpRequestTimeoutMs,
        })
        m.watch({ intervalMs: Number(flags.intervalMs) })
        const api = config.apiKey === undefined ? 'public views only: set ZKPAY_MERCHANT_API_KEY to create invoices over HTTP' : 'POST /invoices and whole invoices with the key in ZKPAY_MERCHANT_API_KEY'
        console.log(`merchant ${m.address}\nlistening on ${server.url} (GET /checkout/:id, /invoices/:id; ${api}; Ctrl-C to stop)`)
        await untilSignal()
        await server.close()
        await m.close()
      }),
    )

  return merchant
}
