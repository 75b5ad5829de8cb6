import { createPublicClient, createWalletClient, formatEther, type Hex, http, parseEther, type PublicClient } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { generateMnemonic } from '../crypto/keys.ts'
import { initCrypto } from '../crypto/poseidon.ts'
import { exportViewingKey } from '../crypto/viewingKeys.ts'
import { createLogger, type Logger } from '../log/index.ts'
import { createMerchant, createWallet, parsePaymentUri } from '../sdk/index.ts'
import { startDevnet } from './devnet.ts'

export type DemoOptions = {
  /** where the devnet keeps devnet.json and the node's database (default .zkpay/demo) */
  dir?: string
  /** the devnet node's logger (default: errors only) */
  logger?: Logger
  print?: (line: string) => void
}

/** What the demo did: the private facts a privacy check looks for afterwards. */
export type DemoResult = {
  alice: string
  shop: string
  invoiceId: string
  memo: string
  paid: bigint
  l1TxHashes: string[]
}

const BAR = 24

/** A stage bar: `[########----------------] settled`. */
function bar(done: number, total: number, label: string): string {
  const filled = Math.round((BAR * done) / total)
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR - filled)}] ${label}`
}

/**
 * `zkpay demo` (what `npm start` runs), on an embedded devnet with real proofs, batches and L1
 * transactions:
 * 1. Alice shields 1 ETH;
 * 2. a shop (watch-only, from Bob's incoming viewing key) issues an invoice for 0.25 ETH;
 * 3. Alice pays it from its payment URI; the shop sees it paid (sequenced), then settled on L1;
 * 4. Bob, who owns the shop's keys, withdraws 0.1 ETH to L1.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const print = options.print ?? console.log
  const started = Date.now()
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s`
  const step = (line: string) => print(`[${elapsed()}] ${line}`)
  await initCrypto()
  step('starting the devnet: anvil, the rollup and a test token, an operator node')
  const devnet = await startDevnet({ dir: options.dir ?? '.zkpay/demo', batchSize: 4, batchMaxAgeMs: 500, logger: options.logger ?? createLogger('devnet', { level: 'error' }) })
  try {
    const { info } = devnet
    const transport = http(info.rpcUrl)
    const publicClient = createPublicClient({ chain: foundry, transport, pollingInterval: 100 }) as PublicClient
    const l1 = (privateKey: Hex) => ({ publicClient, walletClient: createWalletClient({ account: privateKeyToAccount(privateKey), chain: foundry, transport }) })
    const common = { sequencerUrl: info.sequencerUrl, rollupAddress: info.rollupAddress, fromBlock: BigInt(info.deployBlock) }
    const alice = await createWallet({ mnemonic: generateMnemonic(), l1: l1(info.accounts[1]!.privateKey), ...common })
    const bob = await createWallet({ mnemonic: generateMnemonic(), l1: l1(info.accounts[2]!.privateKey), ...common })
    const shop = await createMerchant({ viewingKey: exportViewingKey(bob.keys, 'incoming', 'testnet'), publicClient, ...common, confirmations: 3 })
    const l1TxHashes: string[] = []
    step(`rollup ${info.rollupAddress} on chain ${info.chainId}, sequencer ${info.sequencerUrl}`)
    step(`Alice ${alice.address.slice(0, 24)}…   Bob's shop ${shop.address.slice(0, 24)}… (watch-only: it holds a viewing key, no spending key)`)

    step('Alice shields 1 ETH')
    print(`  ${bar(1, 3, 'proving the deposit and escrowing 1 ETH on L1')}`)
    const deposit = await alice.deposit({ amount: parseEther('1') })
    print(`  ${bar(2, 3, `sequenced (${deposit.id.slice(0, 12)}…)`)}`)
    const deposited = await deposit.wait('settled')
    print(`  ${bar(3, 3, `settled in batch ${deposited.batchNumber}, L1 transaction ${deposited.l1TxHash}`)}`)
    l1TxHashes.push(deposited.l1TxHash!)
    step(`  Alice's shielded balance: ${formatEther(alice.balance())} ETH (the node's fee, ${formatEther(deposit.fee)} ETH, was escrowed on top)`)

    const invoice = await shop.createInvoice({ amount: parseEther('0.25'), memo: 'Coffee beans', expiresIn: 900 })
    step(`Bob's shop issues invoice ${invoice.id} for 0.25 ETH`)
    print(`  ${invoice.uri}`)
    for (const line of invoice.qr.terminal.split('\n')) print(`  ${line}`)

    step('Alice pays the invoice from its URI (amount, address and memo come from the URI; the memo is encrypted to the shop)')
    const request = parsePaymentUri(invoice.uri)
    print(`  ${bar(1, 4, 'proving the private transfer')}`)
    const payment = await alice.transfer({ to: request.address, amount: request.amount!, asset: request.asset, ...(request.memo ? { memo: request.memo } : {}) })
    print(`  ${bar(2, 4, `sequenced (${payment.id.slice(0, 12)}…), fee ${formatEther(payment.fee)} ETH paid as a shielded note to the operator`)}`)
    await shop.sync()
    step(`  the shop sees invoice ${invoice.id}: ${shop.getInvoice(invoice.id).state} (sequenced, not yet on L1)`)
    const paid = await payment.wait('settled')
    l1TxHashes.push(paid.l1TxHash!)
    print(`  ${bar(3, 4, `settled in batch ${paid.batchNumber}`)}`)
    await shop.sync()
    const settled = shop.getInvoice(invoice.id)
    print(`  ${bar(4, 4, `the shop sees it ${settled.state}`)}`)
    if (settled.state !== 'settled' && settled.state !== 'final') throw new Error(`The shop sees the invoice as ${settled.state}, not settled.`)
    print(`  invoice ${invoice.id}: paid ${formatEther(settled.received)} ETH — settled on L1 (${paid.l1TxHash})`)

    await bob.sync()
    const received = bob.notes().find((n) => n.memo === request.memo)
    if (!received) throw new Error("Bob's wallet did not find the payment.")
    step(`  Bob's wallet holds it: ${formatEther(received.note.amount)} ETH, memo "${received.memo}"`)

    const bobL1 = info.accounts[2]!.address
    const before = await publicClient.getBalance({ address: bobL1 })
    step('Bob withdraws 0.1 ETH to his L1 account')
    const withdrawn = await (await bob.withdraw({ to: bobL1, amount: parseEther('0.1') })).wait('settled')
    l1TxHashes.push(withdrawn.l1TxHash!)
    const after = await publicClient.getBalance({ address: bobL1 })
    step(`  settled in batch ${withdrawn.batchNumber}, L1 transaction ${withdrawn.l1TxHash}; Bob's L1 balance +${formatEther(after - before)} ETH`)

    print('')
    print('summary')
    print(`  Alice shielded: ${formatEther(alice.balance())} ETH   Bob shielded: ${formatEther(bob.balance())} ETH`)
    if (info.fees) {
      // The operator's fee account: a wallet like any other, from the devnet's fee mnemonic.
      const operator = await createWallet({ mnemonic: info.fees.mnemonic, l1: l1(info.accounts[0]!.privateKey), ...common })
      await operator.sync()
      print(`  the operator collected ${formatEther(operator.balance())} ETH in fees, as shielded notes only it can read and spend`)
    }
    print(`  invoice ${invoice.id}: ${settled.state}`)
    print('  the chain saw: a 1 ETH deposit, a private transfer (no amount, asset, fee, parties or memo), a 0.1 ETH withdrawal')
    print(`  L1 transactions: ${l1TxHashes.join(', ')}`)
    print(`  done in ${elapsed().trim()}`)
    await shop.close()
    return { alice: alice.address, shop: shop.address, invoiceId: invoice.id, memo: request.memo!, paid: request.amount!, l1TxHashes }
  } finally {
    await devnet.stop()
  }
}
