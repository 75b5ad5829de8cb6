import path from 'node:path'
import { Command } from 'commander'
import type { Address, Hex, PublicClient } from 'viem'
import { InvalidParameterError } from '../errors/index.ts'
import type { Wallet } from '../sdk/index.ts'
import type { FeeQuote } from '../sdk/wallet/feeQuote.ts'
import { formatAmount, parseAmount } from '../sdk/merchant/amount.ts'

const ETH = '0x0000000000000000000000000000000000000000' as const
const isAddress = (s: string): s is Address => /^0x[0-9a-fA-F]{40}$/.test(s)

/**
 * The heavy modules (viem, the SDK with snarkjs), loaded when a command runs rather than when
 * the CLI starts: `zkpay --help` and commands that need none of them stay quick.
 */
const lib = async () => {
  const [viem, accounts, sdk, keys, viewingKeys, address, poseidon, errors, keyFile, transport, display] = await Promise.all([
    import('viem'),
    import('viem/accounts'),
    import('../sdk/index.ts'),
    import('../crypto/keys.ts'),
    import('../crypto/viewingKeys.ts'),
    import('../crypto/address.ts'),
    import('../crypto/poseidon.ts'),
    import('../errors/index.ts'),
    import('./walletKeyFile.ts'),
    import('../settlement/rpcTransport.ts'),
    import('../config/display.ts'),
  ])
  return { ...viem, ...accounts, ...sdk, ...keys, ...viewingKeys, ...address, ...poseidon, ...errors, ...keyFile, ...transport, ...display }
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
  const { loadClientConfig, networkConfig } = await import('./clientConfig.ts')
  const { config: net, devnet } = loadClientConfig(networkConfig, flags, { devnetFile: flags.devnet })
  const L = await lib()
  const seed = L.readKeyFile(keyPath(flags.dir), passphrase())
  const transport = L.rpcTransport(net.rpcUrl) // errors name the RPC's origin, never its token
  const publicClient = L.createPublicClient({ transport, pollingInterval: 200 }) as PublicClient
  // The L1 account pays for deposits (escrow) only: the variable named by --l1-key-env, or the
  // devnet's first user account.
  const envName = flags.l1KeyEnv ?? 'ZKPAY_L1_KEY'
  const key = (process.env[envName] ?? devnet.accounts?.[1]?.privateKey) as Hex | undefined
  const account = L.privateKeyToAccount(key ?? `0x${'11'.repeat(32)}`)
  const chain = { id: await publicClient.getChainId().catch((cause) => Promise.reject(new L.L1UnreachableError(L.redactUrl(net.rpcUrl), { cause }))), name: 'l1', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [L.redactUrl(net.rpcUrl)] } } }
  const walletClient = L.createWalletClient({ account, chain, transport })
  await L.initCrypto()
  const wallet = L.createWallet({
    seed,
    sequencerUrl: net.sequencerUrl,
    rollupAddress: net.rollupAddress,
    fromBlock: net.fromBlock,
    l1: { publicClient, walletClient },
    store: L.openWalletStore({ path: path.join(flags.dir, 'wallet.db') }),
  })
  return { wallet, publicClient, hasL1Key: key !== undefined }
}

/** `--asset eth|0x…` and the asset's decimals (read from the token). */
async function assetOf(publicClient: PublicClient, asset: string | undefined): Promise<{ address: Address; decimals: number; symbol: string }> {
  if (asset === undefined || asset.toLowerCase() === 'eth') return { address: ETH, decimals: 18, symbol: 'ETH' }
  const { erc20Abi } = await import('viem')
  if (!isAddress(asset)) throw new InvalidParameterError('asset', "expected 'eth' or an ERC-20 address")
  const [decimals, symbol] = await Promise.all([
    publicClient.readContract({ address: asset, abi: erc20Abi, functionName: 'decimals' }),
    publicClient.readContract({ address: asset, abi: erc20Abi, functionName: 'symbol' }).catch(() => asset.slice(0, 10)),
  ]).catch(() => {
    throw new InvalidParameterError('asset', `${asset} is not an ERC-20 token on this chain`)
  })
  return { address: asset, decimals, symbol }
}

/** A decimal amount ("0.25") in base units, read as payment URIs read theirs. */
function amountOf(text: string, decimals: number): bigint {
  const amount = parseAmount(text, decimals)
  if (amount === undefined) throw new InvalidParameterError('amount', `expected a positive decimal number with at most ${decimals} decimal places, like 0.25; got "${text}"`)
  return amount
}

/** Prints `value` as JSON (bigints as decimal strings) with --json, else the human lines. */
function out(flags: WalletFlags, value: unknown, human: () => string[]): void {
  if (flags.json) console.log(JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v), 2))
  else for (const line of human()) console.log(line)
}

/**
 * Prints the node's fee before a transaction is made (on stderr, so --json stays one document):
 * the user sees what it costs before anything is proven or sent.
 */
async function showFee(
  wallet: Wallet,
  flags: WalletFlags,
  asset: { address: Address; decimals: number; symbol: string },
  maxFee: string | undefined,
): Promise<{ fee: FeeQuote; maxFee?: bigint }> {
  const fee = await wallet.quoteFee(asset.address)
  if (!flags.json) console.error(`fee: ${formatAmount(fee.amount, asset.decimals)} ${asset.symbol} (a shielded note to the operator: nobody else sees it)`)
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

/**
 * `zkpay wallet …`: a shielded wallet on the command line. The key file (`<dir>/wallet.key`)
 * holds the seed sealed under ZKPAY_WALLET_PASSPHRASE; notes, the tree and history live in
 * `<dir>/wallet.db`.
 */
export function walletCommand(): Command {
  const wallet = new Command('wallet')
    .description('a shielded wallet: new, address, balance, sync, deposit, send, withdraw, history')
    .option('--dir <dir>', 'where the wallet key and database live', '.zkpay/wallet')
    .option('--rpc-url <url>', 'L1 JSON-RPC URL (ZKPAY_RPC_URL; default: the devnet)')
    .option('--sequencer-url <url>', 'operator node URL (ZKPAY_SEQUENCER_URL)')
    .option('--rollup <address>', 'Rollup contract (ZKPAY_ROLLUP_ADDRESS)')
    .option('--from-block <n>', "the rollup's deployment block (ZKPAY_FROM_BLOCK)")
    .option('--devnet <file>', 'read network defaults from this devnet file', '.zkpay/devnet.json')
    .option('--l1-key-env <name>', 'NAME of the variable holding the L1 key that pays deposits', 'ZKPAY_L1_KEY')
    .option('--json', 'machine-readable output')
  const flags = (cmd: Command) => cmd.optsWithGlobals<WalletFlags>()

  wallet
    .command('new')
    .description('create a wallet (a new 24-word mnemonic, or --mnemonic-env to restore one)')
    .option('--mnemonic-env <name>', 'NAME of a variable holding an existing mnemonic to restore')
    .action(async (opts: { mnemonicEnv?: string }, cmd: Command) => {
      const f = flags(cmd)
      const L = await lib()
      await L.initCrypto()
      const mnemonic = opts.mnemonicEnv ? process.env[opts.mnemonicEnv] : L.generateMnemonic()
      if (!mnemonic) throw new InvalidParameterError('mnemonicEnv', `the variable ${opts.mnemonicEnv} is empty`)
      const seed = L.seedFromMnemonic(mnemonic)
      L.writeKeyFile(keyPath(f.dir), seed, passphrase())
      const keys = L.deriveKeys(seed)
      const address = L.encodeAddress({ ownerPk: keys.ownerPk, vpk: keys.vpk }, 'testnet')
      out(f, { address, mnemonic: opts.mnemonicEnv ? undefined : L.mnemonicFromSeed(seed), keyFile: keyPath(f.dir) }, () => [
        `address: ${address}`,
        ...(opts.mnemonicEnv ? [] : ['', 'mnemonic (write it down; it is the only way to restore this wallet):', mnemonic]),
        ...(passphrase() === '' ? ['', 'note: ZKPAY_WALLET_PASSPHRASE is empty, so the key file is sealed with an empty passphrase'] : []),
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
    .description('sync, then print the shielded balance')
    .option('--asset <asset>', "'eth' or an ERC-20 address", 'eth')
    .action(async (opts: { asset: string }, cmd: Command) => {
      const f = flags(cmd)
      const { wallet: w, publicClient } = await openWallet(f)
      const asset = await assetOf(publicClient, opts.asset)
      await syncWithProgress(w, Boolean(f.json))
      const balance = w.balance(asset.address)
      // Escrows on their way in (or waiting to be reclaimed): money of this wallet's that is in neither balance.
      const escrows = w.deposits().filter((d) => d.state === 'escrowing' || d.state === 'escrowed' || d.state === 'submitted')
      out(f, { asset: asset.address, balance, notes: w.notes(asset.address).length, deposits: escrows }, () => [
        `${formatAmount(balance, asset.decimals)} ${asset.symbol} (${w.notes(asset.address).length} notes)`,
        ...escrows.map(
          (d) =>
            `  pending deposit: ${formatAmount(d.amount, asset.decimals)} escrowed on L1, ${d.state}${d.lastError ? ` (the sequencer said ${d.lastError})` : ''}${d.unlockBlock === null ? '' : `; reclaimable from block ${d.unlockBlock} with \`zkpay wallet reclaim\``}`,
        ),
      ])
    })

  wallet
    .command('reclaim')
    .description('return to the L1 account every deposit escrow the sequencer never took, once it unlocks')
    .action(async (_: unknown, cmd: Command) => {
      const f = flags(cmd)
      const { wallet: w, hasL1Key } = await openWallet(f)
      if (!hasL1Key) throw new InvalidParameterError('l1KeyEnv', `set ${f.l1KeyEnv ?? 'ZKPAY_L1_KEY'} to the private key of the L1 account that made the deposit`)
      const { reclaimed, waiting } = await w.reclaimDeposits()
      out(f, { reclaimed, waiting }, () => [
        ...reclaimed.map((d) => `reclaimed ${formatAmount(d.amount, 18)} (escrow ${d.key.slice(0, 18)}…)`),
        ...waiting.map((d) => `waiting: ${formatAmount(d.amount, 18)} unlocks at block ${d.unlockBlock}`),
        ...(reclaimed.length + waiting.length === 0 ? ['no escrow to reclaim'] : []),
      ])
    })

  wallet
    .command('claim')
    .description('collect what the rollup owes the L1 account (a withdrawal whose payout was refused, fees)')
    .option('--asset <asset>', "'eth' or an ERC-20 address", 'eth')
    .action(async (opts: { asset: string }, cmd: Command) => {
      const f = flags(cmd)
      const { wallet: w, publicClient, hasL1Key } = await openWallet(f)
      if (!hasL1Key) throw new InvalidParameterError('l1KeyEnv', `set ${f.l1KeyEnv ?? 'ZKPAY_L1_KEY'} to the private key of the L1 account owed the payout`)
      const asset = await assetOf(publicClient, opts.asset)
      const claimed = await w.claimOwed(asset.address)
      out(f, { asset: asset.address, claimed }, () => [claimed === 0n ? `nothing owed in ${asset.symbol}` : `claimed ${formatAmount(claimed, asset.decimals)} ${asset.symbol}`])
    })

  wallet
    .command('deposit <amount>')
    .description('shield an amount from the L1 account: escrow it on the rollup, then send the shielded deposit')
    .option('--asset <asset>', "'eth' or an ERC-20 address", 'eth')
    .option('--wait <stage>', 'sequenced, settled or final', 'settled')
    .option('--max-fee <amount>', "the most to pay the node (default: 1% of the amount)")
    .action(async (amount: string, opts: { asset: string; wait: string; maxFee?: string }, cmd: Command) => {
      const f = flags(cmd)
      // Every argument is checked before anything moves: a bad --wait must not cost a deposit.
      const waitFor = stage(opts.wait)
      const { wallet: w, publicClient, hasL1Key } = await openWallet(f)
      if (!hasL1Key) throw new InvalidParameterError('l1KeyEnv', `set ${f.l1KeyEnv ?? 'ZKPAY_L1_KEY'} to the private key of the L1 account that pays the deposit`)
      const asset = await assetOf(publicClient, opts.asset)
      const fee = await showFee(w, f, asset, opts.maxFee)
      const handle = await w.deposit({ amount: amountOf(amount, asset.decimals), asset: asset.address, ...fee })
      const result = await handle.wait(waitFor)
      out(f, { id: handle.id, fee: handle.fee, ...result }, () => [
        `deposited ${amount} ${asset.symbol} (fee ${formatAmount(handle.fee, asset.decimals)}): ${result.status}${result.l1TxHash ? ` (L1 ${result.l1TxHash})` : ''}`,
      ])
    })

  wallet
    .command('send <to> [amount]')
    .description('pay a shielded address (or a zkpay: payment URI, which sets the amount, asset and memo)')
    .option('--asset <asset>', "'eth' or an ERC-20 address", 'eth')
    .option('--memo <text>', 'a note for the recipient, encrypted to them (at most 128 bytes)')
    .option('--wait <stage>', 'sequenced, settled or final', 'settled')
    .option('--max-fee <amount>', "the most to pay the node (default: 1% of the amount)")
    .action(async (to: string, amount: string | undefined, opts: { asset: string; memo?: string; wait: string; maxFee?: string }, cmd: Command) => {
      const f = flags(cmd)
      // Every argument is checked before anything moves: a bad --wait must not cost a deposit.
      const waitFor = stage(opts.wait)
      const { wallet: w, publicClient } = await openWallet(f)
      let request: { to: string; amount: bigint; asset: Address; memo?: string; decimals: number; symbol: string }
      if (to.toLowerCase().startsWith('zkpay:')) {
        const { parsePaymentUri } = await import('../sdk/merchant/index.ts')
        const uri = parsePaymentUri(to)
        const asset = await assetOf(publicClient, uri.asset === ETH ? 'eth' : uri.asset)
        const fromUri = uri.asset === ETH ? uri : parsePaymentUri(to, { decimals: asset.decimals })
        const value = fromUri.amount ?? (amount === undefined ? undefined : amountOf(amount, asset.decimals))
        if (value === undefined) throw new InvalidParameterError('amount', 'the payment URI names no amount: give one')
        request = { to: fromUri.address, amount: value, asset: asset.address, ...(fromUri.memo === undefined ? {} : { memo: fromUri.memo }), decimals: asset.decimals, symbol: asset.symbol }
      } else {
        if (amount === undefined) throw new InvalidParameterError('amount', 'give an amount, e.g. `zkpay wallet send zkpt1… 0.25`')
        const asset = await assetOf(publicClient, opts.asset)
        request = { to, amount: amountOf(amount, asset.decimals), asset: asset.address, ...(opts.memo === undefined ? {} : { memo: opts.memo }), decimals: asset.decimals, symbol: asset.symbol }
      }
      await syncWithProgress(w, Boolean(f.json))
      const fee = await showFee(w, f, { address: request.asset, decimals: request.decimals, symbol: request.symbol }, opts.maxFee)
      const handle = await w.transfer({ ...request, ...fee })
      const result = await handle.wait(waitFor)
      out(f, { id: handle.id, fee: handle.fee, ...result }, () => [
        `sent ${formatAmount(request.amount, request.decimals)} ${request.symbol} to ${request.to.slice(0, 20)}… (fee ${formatAmount(handle.fee, request.decimals)}): ${result.status}${result.l1TxHash ? ` (L1 ${result.l1TxHash})` : ''}`,
      ])
    })

  wallet
    .command('withdraw <to> <amount>')
    .description('unshield an amount to an L1 address')
    .option('--asset <asset>', "'eth' or an ERC-20 address", 'eth')
    .option('--wait <stage>', 'sequenced, settled or final', 'settled')
    .option('--max-fee <amount>', "the most to pay the node (default: 1% of the amount)")
    .action(async (to: string, amount: string, opts: { asset: string; wait: string; maxFee?: string }, cmd: Command) => {
      const f = flags(cmd)
      // Every argument is checked before anything moves: a bad --wait must not cost a deposit.
      const waitFor = stage(opts.wait)
      if (!isAddress(to)) throw new InvalidParameterError('to', 'expected an L1 address (0x and 40 hex digits)')
      const { wallet: w, publicClient } = await openWallet(f)
      const asset = await assetOf(publicClient, opts.asset)
      await syncWithProgress(w, Boolean(f.json))
      const fee = await showFee(w, f, asset, opts.maxFee)
      const handle = await w.withdraw({ to, amount: amountOf(amount, asset.decimals), asset: asset.address, ...fee })
      const result = await handle.wait(waitFor)
      out(f, { id: handle.id, fee: handle.fee, ...result }, () => [
        `withdrew ${amount} ${asset.symbol} to ${to} (fee ${formatAmount(handle.fee, asset.decimals)}): ${result.status}${result.l1TxHash ? ` (L1 ${result.l1TxHash})` : ''}`,
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
      out(f, rows, () =>
        rows.length === 0
          ? ['no transactions yet']
          : rows.map((h) =>
              [h.createdAt.toISOString().slice(0, 19), h.kind.padEnd(8), formatAmount(h.amount, 18).padStart(12), h.asset === 0n ? 'ETH' : `0x${h.asset.toString(16).padStart(40, '0')}`, h.status.padEnd(8), h.counterparty ?? '', h.memo ? `"${h.memo}"` : '']
                .join('  ')
                .trimEnd(),
            ),
      )
    })

  return wallet
}

function stage(s: string): 'sequenced' | 'settled' | 'final' {
  if (s !== 'sequenced' && s !== 'settled' && s !== 'final') throw new InvalidParameterError('wait', "expected 'sequenced', 'settled' or 'final'")
  return s
}
