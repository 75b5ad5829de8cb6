import path from 'node:path'
import { Command } from 'commander'
import type { Address, Hex, PublicClient } from 'viem'
import { InvalidParameterError } from '../errors/index.ts'
import type { SettlementClients } from '../settlement/clients.ts'
import type { TokenInfo } from '../settlement/readTokenInfo.ts'
import type { FeeQuote } from '../sdk/wallet/feeQuote.ts'
import type { PaymentStep, TransactionHandle, TransactionProgress, TransactionStage, Wallet } from '../sdk/wallet/Wallet.ts'
import { formatAmount, parseAmount } from '../sdk/merchant/amount.ts'
import { printable } from './printable.ts'

const ETH = '0x0000000000000000000000000000000000000000' as const
const isAddress = (s: string): s is Address => /^0x[0-9a-fA-F]{40}$/.test(s)

/**
 * The heavy modules (viem, the SDK with snarkjs), loaded when a command runs rather than when
 * the CLI starts: `zkpay --help` and commands that need none of them stay quick.
 */
const lib = async () => {
  const [viem, accounts, wallet, keys, viewingKeys, address, errors, keyFile, transport, display] = await Promise.all([
    import('viem'),
    import('viem/accounts'),
    // The wallet alone: the merchant's modules (hono, the QR renderer) are not a wallet's to load.
    import('../sdk/wallet/nodeWallet.ts'),
    import('../crypto/keys.ts'),
    import('../crypto/viewingKeys.ts'),
    import('../crypto/address.ts'),
    import('../errors/index.ts'),
    import('./walletKeyFile.ts'),
    import('../settlement/rpcTransport.ts'),
    import('../config/display.ts'),
  ])
  return { ...viem, ...accounts, ...wallet, ...keys, ...viewingKeys, ...address, ...errors, ...keyFile, ...transport, ...display }
}

/** Options every `zkpay wallet` command takes (flags, then ZKPAY_* variables, then .zkpay/devnet.json). */
type WalletFlags = {
  dir: string
  rpcUrl?: string
  sequencerUrl?: string
  rollup?: string
  fromBlock?: string
  devnet: string
  l1KeyEnv?: string
  json?: boolean
}

const passphrase = () => process.env.ZKPAY_WALLET_PASSPHRASE ?? ''
const keyPath = (dir: string) => path.join(dir, 'wallet.key')


/** Opens the wallet in `--dir` against the resolved network. */
async function openWallet(flags: WalletFlags): Promise<{ wallet: Wallet; publicClient: PublicClient; hasL1Key: boolean }> {
  const [{ loadClientConfig }, { networkConfig }] = await Promise.all([import('./clientConfig.ts'), import('../config/clientConfig.ts')])
  const { config: net, devnet } = loadClientConfig(networkConfig, flags, { devnetFile: flags.devnet })
  // scrypt (a third of a second) runs on the thread pool while this thread loads viem and the SDK.
  const { readKeyFile } = await import('./walletKeyFile.ts')
  const sealed = readKeyFile(keyPath(flags.dir), passphrase())
  sealed.catch(() => {}) // awaited below; a failure there is the command's error
  const L = await lib()
  const transport = L.rpcTransport(net.rpcUrl) // errors name the RPC's origin, never its token
  const publicClient = L.createPublicClient({ transport, pollingInterval: 200 }) as PublicClient
  // The key and the chain id at once (a network round trip). Poseidon's engine is not built
  // here: a sync that appends to the tree, or a proof, builds it when needed.
  const [seed, chainId] = await Promise.all([
    sealed,
    publicClient.getChainId().catch((cause) => Promise.reject(new L.L1UnreachableError(L.redactUrl(net.rpcUrl), { cause }))),
  ])
  // The L1 account pays for deposits (escrow) only: the variable named by --l1-key-env, or the
  // devnet's first user account.
  const envName = flags.l1KeyEnv ?? 'ZKPAY_L1_KEY'
  const key = (process.env[envName] ?? devnet.accounts?.[1]?.privateKey) as Hex | undefined
  const chain = { id: chainId, name: 'l1', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [L.redactUrl(net.rpcUrl)] } } }
  // The L1 account is made when first used (deposit, reclaim, claim): deriving its address
  // costs a seventh of a second, which `balance` and `send` need not pay.
  let walletClient: SettlementClients['walletClient'] | undefined
  const l1: SettlementClients = {
    publicClient,
    get walletClient() {
      walletClient ??= L.createWalletClient({ account: L.privateKeyToAccount(key ?? `0x${'11'.repeat(32)}`), chain, transport })
      return walletClient
    },
  }
  const wallet = new L.NodeWallet({
    seed,
    sequencerUrl: net.sequencerUrl,
    rollupAddress: net.rollupAddress,
    fromBlock: net.fromBlock,
    l1,
    store: path.join(flags.dir, 'wallet.db'),
  })
  return { wallet, publicClient, hasL1Key: key !== undefined }
}

/**
 * `--asset`: `eth`, a token address (its decimals and symbol read once and kept), or the symbol
 * of a token the wallet already knows.
 */
async function assetOf(wallet: Wallet, asset: string | undefined): Promise<TokenInfo & { named: boolean }> {
  if (asset === undefined || asset.toLowerCase() === 'eth') return wallet.knownAssets()[0]!
  if (isAddress(asset)) return wallet.assetInfo(asset, { named: true })
  // Only tokens the user chose answer to a symbol: one that merely arrived (a note, a payment
  // URI) could call itself USDC.
  const matches = wallet.knownAssets().filter((t) => t.named && t.address !== ETH && t.symbol.toLowerCase() === asset.toLowerCase())
  if (matches.length === 1) return matches[0]!
  if (matches.length > 1) throw new InvalidParameterError('asset', `${matches.length} tokens this wallet knows are called ${printable(asset)}: give the address (${matches.map((t) => t.address).join(', ')})`)
  throw new InvalidParameterError('asset', `expected 'eth', an ERC-20 address, or the symbol of a token this wallet has used; "${printable(asset)}" is none of them`)
}

/**
 * How an asset is named on screen: its symbol, with its address when the user never chose the
 * token or another asset shares the symbol (a token may call itself ETH).
 */
function assetLabel(wallet: Wallet, info: TokenInfo): string {
  if (info.address === ETH) return info.symbol
  const known = wallet.knownAssets()
  const same = known.filter((t) => t.symbol.toLowerCase() === info.symbol.toLowerCase())
  const named = known.find((t) => t.address === info.address)?.named === true
  return same.length > 1 || !named ? `${info.symbol} (${info.address.slice(0, 6)}…${info.address.slice(-4)})` : info.symbol
}

/**
 * An asset's details for display: a token whose contract will not say (its `decimals` reverts,
 * or claims too many) is shown in base units by its address rather than stopping `balance`.
 */
async function displayInfo(wallet: Wallet, address: Address): Promise<TokenInfo> {
  return wallet.assetInfo(address).catch(() => ({ address, decimals: 0, symbol: 'unknown-token' }))
}

/** A decimal amount ("0.25") in base units, read as payment URIs read theirs. */
function amountOf(text: string, decimals: number): bigint {
  const amount = parseAmount(text, decimals)
  if (amount === undefined) throw new InvalidParameterError('amount', `expected a positive decimal number with at most ${decimals} decimal places, like 0.25; got "${printable(text)}"`)
  return amount
}

/** Prints `value` as JSON (bigints as decimal strings) with --json, else the human lines. */
function out(flags: WalletFlags, value: unknown, human: () => string[]): void {
  if (flags.json) console.log(JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v), 2))
  else for (const line of human()) console.log(line)
}

/** Lines about what a long command waits for, on a terminal only (stderr: stdout stays the result). */
function progress(flags: WalletFlags): (line: string) => void {
  const tty = process.stderr.isTTY && !flags.json
  return (line) => {
    if (tty) process.stderr.write(`… ${line}\n`)
  }
}

const STEP_LINES: Record<PaymentStep, string> = { proving: 'proving (a few seconds)', escrowing: 'escrowing on L1', submitting: 'sending to the sequencer' }
const STATUS_LINES: Record<string, string> = {
  pending: 'sequenced: waiting for a batch',
  batched: 'in a batch: waiting for its proof',
  proving: 'the batch is being proven',
  submitted: 'the batch is posted to L1: waiting for it to be mined',
  settled: 'settled on L1',
  final: 'final',
}

/** Waits for `stage`, telling a terminal each status on the way. */
async function waitWithProgress(handle: TransactionHandle, stage: TransactionStage, say: (line: string) => void): Promise<TransactionProgress> {
  return handle.wait(stage, { onStatus: (s) => say(STATUS_LINES[s] ?? printable(s, 40)) })
}

/**
 * Prints the node's fee before a transaction is made (on stderr, so --json stays one document):
 * the user sees what it costs before anything is proven or sent.
 */
async function showFee(wallet: Wallet, flags: WalletFlags, asset: TokenInfo, maxFee: string | undefined): Promise<{ fee: FeeQuote; maxFee?: bigint }> {
  const fee = await wallet.quoteFee(asset.address)
  if (!flags.json) console.error(`fee: ${formatAmount(fee.amount, asset.decimals)} ${assetLabel(wallet, asset)} (a shielded note to the operator: nobody else sees it)`)
  // The quote shown is the quote paid: the wallet does not ask the node again.
  return { fee, ...(maxFee === undefined ? {} : { maxFee: amountOf(maxFee, asset.decimals) }) }
}

/** A sync with a progress line on a terminal. */
async function syncWithProgress(wallet: Wallet, quiet: boolean): ReturnType<Wallet['sync']> {
  const tty = process.stderr.isTTY && !quiet
  const result = await wallet.sync((p) => {
    if (tty) process.stderr.write(`\rsync: block ${p.block}/${p.toBlock}, ${p.outputs} outputs scanned`.padEnd(70))
  })
  if (tty) process.stderr.write('\n')
  return result
}

/** Asks a yes/no question on the terminal; anything but y or yes is no. */
async function confirm(question: string): Promise<boolean> {
  const { createInterface } = await import('node:readline/promises')
  const rl = createInterface({ input: process.stdin, output: process.stderr })
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim())
  } finally {
    rl.close()
  }
}

/**
 * `zkpay wallet …`: a shielded wallet on the command line. The key file (`<dir>/wallet.key`)
 * holds the seed sealed under ZKPAY_WALLET_PASSPHRASE; notes, the tree and history live in
 * `<dir>/wallet.db`.
 */
export function walletCommand(): Command {
  const wallet = new Command('wallet')
    .description('a shielded wallet: new, address, balance, sync, deposit, send, withdraw, history, reclaim, claim')
    .option('--dir <dir>', 'where the wallet key and database live', '.zkpay/wallet')
    .option('--rpc-url <url>', 'L1 JSON-RPC URL (ZKPAY_RPC_URL; default: the devnet)')
    .option('--sequencer-url <url>', 'operator node URL (ZKPAY_SEQUENCER_URL)')
    .option('--rollup <address>', 'Rollup contract (ZKPAY_ROLLUP_ADDRESS)')
    .option('--from-block <n>', "the rollup's deployment block (ZKPAY_FROM_BLOCK)")
    .option('--devnet <file>', 'read network defaults from this devnet file', '.zkpay/devnet.json')
    .option('--l1-key-env <name>', 'NAME of the variable holding the L1 key that pays deposits', 'ZKPAY_L1_KEY')
    .option('--json', 'machine-readable output (errors too: {"error":{"code","message"}})')
  const flags = (cmd: Command) => cmd.optsWithGlobals<WalletFlags>()
  const ASSET_FLAG = "'eth', an ERC-20 address, or the symbol of a token the wallet has used"

  wallet
    .command('new')
    .description('create a wallet (a new 24-word mnemonic, or --mnemonic-env to restore one)')
    .option('--mnemonic-env <name>', 'NAME of a variable holding an existing mnemonic to restore')
    .action(async (opts: { mnemonicEnv?: string }, cmd: Command) => {
      const f = flags(cmd)
      const { MIN_PASSPHRASE_LENGTH, writeKeyFile } = await import('./walletKeyFile.ts')
      const { WeakPassphraseError } = await import('../errors/index.ts')
      // Checked before a mnemonic is made or shown: a refused passphrase must not cost a mnemonic.
      if (passphrase().length < MIN_PASSPHRASE_LENGTH) throw new WeakPassphraseError(MIN_PASSPHRASE_LENGTH, 'ZKPAY_WALLET_PASSPHRASE')
      const L = await lib()
      const mnemonic = opts.mnemonicEnv ? process.env[opts.mnemonicEnv] : L.generateMnemonic()
      if (!mnemonic) throw new InvalidParameterError('mnemonicEnv', `the variable ${opts.mnemonicEnv} is empty`)
      const seed = L.seedFromMnemonic(mnemonic)
      await writeKeyFile(keyPath(f.dir), seed, passphrase())
      const keys = L.deriveKeys(seed)
      const address = L.encodeAddress({ ownerPk: keys.ownerPk, vpk: keys.vpk }, 'testnet')
      out(f, { address, mnemonic: opts.mnemonicEnv ? undefined : L.mnemonicFromSeed(seed), keyFile: keyPath(f.dir) }, () => [
        `address: ${address}`,
        ...(opts.mnemonicEnv ? [] : ['', 'mnemonic (write it down; it is the only way to restore this wallet):', mnemonic]),
      ])
    })

  wallet
    .command('address')
    .description('print the shielded address (and, with --viewing-key, the incoming viewing key for a watch-only merchant)')
    .option('--viewing-key', 'also print the incoming viewing key (it reveals payments received, and cannot spend)')
    .action(async (opts: { viewingKey?: boolean }, cmd: Command) => {
      const f = flags(cmd)
      const { wallet: w } = await openWallet(f)
      const viewingKey = opts.viewingKey ? (await lib()).exportViewingKey(w.keys, 'incoming', w.network) : undefined
      out(f, { address: w.address, viewingKey }, () => [w.address, ...(viewingKey ? [viewingKey] : [])])
    })

  wallet
    .command('sync')
    .description('read new L1 batches: find notes sent to this wallet and spends of its notes')
    .action(async (_: unknown, cmd: Command) => {
      const f = flags(cmd)
      const { wallet: w } = await openWallet(f)
      const { newNotes } = await syncWithProgress(w, Boolean(f.json))
      out(f, { newNotes: newNotes.length }, () => [`synced: ${newNotes.length} new notes`])
    })

  wallet
    .command('balance')
    .description('sync, then print the shielded balance of every asset the wallet holds (or of --asset)')
    .option('--asset <asset>', ASSET_FLAG)
    .action(async (opts: { asset?: string }, cmd: Command) => {
      const f = flags(cmd)
      const { wallet: w } = await openWallet(f)
      await syncWithProgress(w, Boolean(f.json))
      // ETH always; then every asset with notes or an escrow on its way in.
      const pending = w.deposits().filter((d) => d.state === 'escrowing' || d.state === 'escrowed' || d.state === 'submitted')
      const addresses = opts.asset !== undefined ? [(await assetOf(w, opts.asset)).address] : [...new Set<Address>([ETH, ...w.assets(), ...pending.map((d) => toAddress(d.asset))].map((a) => a.toLowerCase() as Address))]
      const rows = await Promise.all(
        addresses.map(async (a) => {
          const info = await displayInfo(w, a)
          const deposits = pending.filter((d) => d.asset === BigInt(info.address))
          return { asset: info.address, symbol: info.symbol, decimals: info.decimals, balance: w.balance(info.address), notes: w.notes(info.address).length, deposits }
        }),
      )
      // The first row's fields at the top level: `--json balance` of one asset reads as it always did.
      const { symbol: _, decimals: __, ...first } = rows[0]!
      out(f, { ...first, assets: rows }, () =>
        rows.flatMap((r) => {
          const label = assetLabel(w, { address: r.asset, decimals: r.decimals, symbol: r.symbol })
          return [
            `${formatAmount(r.balance, r.decimals)} ${label} (${r.notes} ${r.notes === 1 ? 'note' : 'notes'})`,
            ...r.deposits.map(
              (d) =>
                `  pending deposit: ${formatAmount(d.amount, r.decimals)} ${label} escrowed on L1, ${d.state}${d.lastError ? ` (the sequencer said ${printable(d.lastError, 80)})` : ''}${d.unlockBlock === null ? '' : `; reclaimable from block ${d.unlockBlock} with \`zkpay wallet reclaim\``}`,
            ),
          ]
        }),
      )
    })

  wallet
    .command('reclaim')
    .description('return to the L1 account every deposit escrow the sequencer never took, once it unlocks')
    .action(async (_: unknown, cmd: Command) => {
      const f = flags(cmd)
      const { wallet: w, hasL1Key } = await openWallet(f)
      if (!hasL1Key) throw new InvalidParameterError('l1KeyEnv', `set ${f.l1KeyEnv ?? 'ZKPAY_L1_KEY'} to the private key of the L1 account that made the deposit`)
      const { reclaimed, waiting } = await w.reclaimDeposits()
      const show = async (d: { asset: bigint; amount: bigint }) => {
        const info = await displayInfo(w, toAddress(d.asset))
        return `${formatAmount(d.amount, info.decimals)} ${assetLabel(w, info)}`
      }
      const lines = [
        ...(await Promise.all(reclaimed.map(async (d) => `reclaimed ${await show(d)} (escrow ${d.key.slice(0, 18)}…)`))),
        ...(await Promise.all(waiting.map(async (d) => `waiting: ${await show(d)} unlocks at block ${d.unlockBlock}`))),
      ]
      out(f, { reclaimed, waiting }, () => (lines.length === 0 ? ['no escrow to reclaim'] : lines))
    })

  wallet
    .command('claim')
    .description('collect what the rollup owes the L1 account (a withdrawal whose payout was refused, fees)')
    .option('--asset <asset>', ASSET_FLAG, 'eth')
    .action(async (opts: { asset: string }, cmd: Command) => {
      const f = flags(cmd)
      const { wallet: w, hasL1Key } = await openWallet(f)
      if (!hasL1Key) throw new InvalidParameterError('l1KeyEnv', `set ${f.l1KeyEnv ?? 'ZKPAY_L1_KEY'} to the private key of the L1 account owed the payout`)
      const asset = await assetOf(w, opts.asset)
      const claimed = await w.claimOwed(asset.address)
      out(f, { asset: asset.address, claimed }, () => [claimed === 0n ? `nothing owed in ${assetLabel(w, asset)}` : `claimed ${formatAmount(claimed, asset.decimals)} ${assetLabel(w, asset)}`])
    })

  wallet
    .command('deposit <amount>')
    .description('shield an amount from the L1 account: escrow it on the rollup, then send the shielded deposit')
    .option('--asset <asset>', ASSET_FLAG, 'eth')
    .option('--wait <stage>', 'sequenced, settled or final', 'settled')
    .option('--max-fee <amount>', "the most to pay the node (default: 1% of the amount)")
    .action(async (amount: string, opts: { asset: string; wait: string; maxFee?: string }, cmd: Command) => {
      const f = flags(cmd)
      // Every argument is checked before anything moves: a bad --wait must not cost a deposit.
      const waitFor = stage(opts.wait)
      const say = progress(f)
      const { wallet: w, hasL1Key } = await openWallet(f)
      if (!hasL1Key) throw new InvalidParameterError('l1KeyEnv', `set ${f.l1KeyEnv ?? 'ZKPAY_L1_KEY'} to the private key of the L1 account that pays the deposit`)
      const asset = await assetOf(w, opts.asset)
      const value = amountOf(amount, asset.decimals)
      const fee = await showFee(w, f, asset, opts.maxFee)
      const handle = await w.deposit({ amount: value, asset: asset.address, ...fee, onProgress: (step) => say(STEP_LINES[step]) })
      const result = await waitWithProgress(handle, waitFor, say)
      out(f, { id: handle.id, fee: handle.fee, ...result }, () => [
        `deposited ${formatAmount(value, asset.decimals)} ${assetLabel(w, asset)} (fee ${formatAmount(handle.fee, asset.decimals)}): ${result.status}${result.l1TxHash ? ` (L1 ${result.l1TxHash})` : ''}`,
      ])
    })

  wallet
    .command('send <to> [amount]')
    .description('pay a shielded address (or a zkpay: payment URI, which sets the amount, asset and memo)')
    .option('--asset <asset>', ASSET_FLAG, 'eth')
    .option('--memo <text>', 'a note for the recipient, encrypted to them (at most 128 bytes)')
    .option('--wait <stage>', 'sequenced, settled or final', 'settled')
    .option('--max-fee <amount>', "the most to pay the node (default: 1% of the amount)")
    .option('--yes', 'pay a payment URI without asking (scripts); on a terminal zkpay asks first')
    .action(async (to: string, amount: string | undefined, opts: { asset: string; memo?: string; wait: string; maxFee?: string; yes?: boolean }, cmd: Command) => {
      const f = flags(cmd)
      // Every argument is checked before anything moves: a bad --wait must not cost a payment.
      const waitFor = stage(opts.wait)
      if (isAddress(to)) throw new InvalidParameterError('to', `${to} is an L1 address: to pay it from the shielded balance use \`zkpay wallet withdraw ${to} ${amount ?? '<amount>'}\``)
      const uri = to.toLowerCase().startsWith('zkpay:')
      const { parsePaymentUri } = await import('../sdk/merchant/paymentUri.ts')
      const parsed = uri ? parsePaymentUri(to) : undefined // a malformed URI is its own error, first
      if (uri && !opts.yes && !process.stdin.isTTY) throw new InvalidParameterError('yes', 'paying a payment URI without a terminal to confirm on needs --yes')
      if (!uri && amount === undefined) throw new InvalidParameterError('amount', 'give an amount, e.g. `zkpay wallet send zkpt1… 0.25`')
      const say = progress(f)
      // A payment URI names what to pay: a flag or amount that says otherwise is refused, never
      // silently overridden (a script's `--asset usdc` must not pay the URI's ETH).
      if (parsed) {
        const given = (['asset', 'memo'] as const).filter((o) => cmd.getOptionValueSource(o) === 'cli')
        if (given.length > 0) throw new InvalidParameterError(given[0]!, 'a payment URI sets the asset and memo itself: drop the flag, or pay without the URI')
        if (/[?&]amount=/i.test(to) && amount !== undefined) throw new InvalidParameterError('amount', 'the payment URI names its amount: drop the amount argument')
      }
      const { wallet: w } = await openWallet(f)
      let request: { to: string; amount: bigint; asset: TokenInfo; memo?: string }
      if (parsed) {
        const asset = await w.assetInfo(parsed.asset)
        const fromUri = parsed.asset === ETH ? parsed : parsePaymentUri(to, { decimals: asset.decimals })
        const value = fromUri.amount ?? (amount === undefined ? undefined : amountOf(amount, asset.decimals))
        if (value === undefined) throw new InvalidParameterError('amount', 'the payment URI names no amount: give one')
        request = { to: fromUri.address, amount: value, asset, ...(fromUri.memo === undefined ? {} : { memo: fromUri.memo }) }
        if (!opts.yes) {
          // Others' text first, each on one short line; what is paid, to the whole address, last,
          // in the question itself: no label can push it off the screen or imitate it below.
          if (fromUri.label) console.error(`  label:   ${printable(fromUri.label, 64)}`)
          if (fromUri.message) console.error(`  message: ${printable(fromUri.message, 64)}`)
          if (fromUri.memo) console.error(`  memo:    ${printable(fromUri.memo, 64)}`)
          if (!(await confirm(`pay ${formatAmount(value, asset.decimals)} ${assetLabel(w, asset)} to ${fromUri.address}?`))) throw new InvalidParameterError('yes', 'not confirmed: nothing was paid')
        }
      } else {
        const asset = await assetOf(w, opts.asset)
        request = { to, amount: amountOf(amount!, asset.decimals), asset, ...(opts.memo === undefined ? {} : { memo: opts.memo }) }
      }
      await syncWithProgress(w, Boolean(f.json))
      const fee = await showFee(w, f, request.asset, opts.maxFee)
      const handle = await w.transfer({ ...request, asset: request.asset.address, ...fee, onProgress: (step) => say(STEP_LINES[step]) })
      const result = await waitWithProgress(handle, waitFor, say)
      const self = w.isOwnAddress(request.to)
      const shown = `${formatAmount(request.amount, request.asset.decimals)} ${assetLabel(w, request.asset)}`
      out(f, { id: handle.id, fee: handle.fee, self, ...result }, () => [
        `${self ? `sent ${shown} to yourself (a self-transfer)` : `sent ${shown} to ${request.to.slice(0, 20)}…`} (fee ${formatAmount(handle.fee, request.asset.decimals)}): ${result.status}${result.l1TxHash ? ` (L1 ${result.l1TxHash})` : ''}`,
      ])
    })

  wallet
    .command('withdraw <to> <amount>')
    .description('unshield an amount to an L1 address')
    .option('--asset <asset>', ASSET_FLAG, 'eth')
    .option('--wait <stage>', 'sequenced, settled or final', 'settled')
    .option('--max-fee <amount>', "the most to pay the node (default: 1% of the amount)")
    .action(async (to: string, amount: string, opts: { asset: string; wait: string; maxFee?: string }, cmd: Command) => {
      const f = flags(cmd)
      // Every argument is checked before anything moves: a bad --wait must not cost a withdrawal.
      const waitFor = stage(opts.wait)
      if (!isAddress(to)) throw new InvalidParameterError('to', `expected an L1 address (0x and 40 hex digits)${to.startsWith('zkp') ? '; to pay a shielded address use `zkpay wallet send`' : ''}`)
      const say = progress(f)
      const { wallet: w } = await openWallet(f)
      const asset = await assetOf(w, opts.asset)
      const value = amountOf(amount, asset.decimals)
      await syncWithProgress(w, Boolean(f.json))
      const fee = await showFee(w, f, asset, opts.maxFee)
      const handle = await w.withdraw({ to, amount: value, asset: asset.address, ...fee, onProgress: (step) => say(STEP_LINES[step]) })
      const result = await waitWithProgress(handle, waitFor, say)
      out(f, { id: handle.id, fee: handle.fee, ...result }, () => [
        `withdrew ${formatAmount(value, asset.decimals)} ${assetLabel(w, asset)} to ${to} (fee ${formatAmount(handle.fee, asset.decimals)}): ${result.status}${result.l1TxHash ? ` (L1 ${result.l1TxHash})` : ''}`,
      ])
    })

  wallet
    .command('history')
    .description('sync, then list the transactions that touched this wallet')
    .action(async (_: unknown, cmd: Command) => {
      const f = flags(cmd)
      const { wallet: w } = await openWallet(f)
      await syncWithProgress(w, Boolean(f.json))
      const rows = w.history()
      const infos = new Map<bigint, TokenInfo>()
      for (const h of rows) if (!infos.has(h.asset)) infos.set(h.asset, await displayInfo(w, toAddress(h.asset)))
      out(f, rows, () =>
        rows.length === 0
          ? ['no transactions yet']
          : rows.map((h) => {
              const info = infos.get(h.asset)!
              return [
                h.createdAt.toISOString().slice(0, 19),
                h.kind.padEnd(8),
                formatAmount(h.amount, info.decimals).padStart(12),
                assetLabel(w, info).padEnd(5),
                h.status.padEnd(8),
                shortParty(printable(h.counterparty ?? '')),
                h.memo ? `"${printable(h.memo)}"` : '',
              ]
                .join('  ')
                .trimEnd()
            }),
      )
    })

  return wallet
}

/** A shielded address is long: its start tells it apart in a list (`--json` has it whole). */
const shortParty = (party: string) => (party.startsWith('zkp') && party.length > 24 ? `${party.slice(0, 22)}…` : party)

/** A history or note asset (a field element) as an L1 address. */
const toAddress = (asset: bigint): Address => `0x${asset.toString(16).padStart(40, '0')}` as Address

function stage(s: string): TransactionStage {
  if (s !== 'sequenced' && s !== 'settled' && s !== 'final') throw new InvalidParameterError('wait', "expected 'sequenced', 'settled' or 'final'")
  return s
}
