import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { parseEther } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { terminateProver } from '../../src/circuits/index.ts'
import { deriveKeys, generateMnemonic, seedFromMnemonic } from '../../src/crypto/keys.ts'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import { exportViewingKey } from '../../src/crypto/viewingKeys.ts'
import { createMerchant, type Merchant, type MerchantEvent, parsePaymentUri, verifyWebhookSignature } from '../../src/sdk/merchant/index.ts'
import { Wallet } from '../../src/sdk/wallet/Wallet.ts'
import { NodeWallet } from '../../src/sdk/wallet/nodeWallet.ts'
import { startTestNode, type TestNode } from '../helpers/node.ts'
import { type Devnet, startDevnet } from '../helpers/rollup.ts'

// A watch-only merchant on a devnet with real proofs: a wallet pays an invoice from its URI, the
// merchant sees it sequenced, settled and final, and a webhook receiver gets signed deliveries.

const secret = 'whsec_e2e_0123456789abcdef'
let devnet: Devnet
let node: TestNode
let merchant: Merchant
let alice: Wallet
const deliveries: { headers: IncomingHttpHeaders; body: string }[] = []
const receiver = createServer((req, res) => {
  let body = ''
  req.on('data', (c) => (body += c))
  req.on('end', () => {
    deliveries.push({ headers: req.headers, body })
    res.writeHead(204).end()
  })
})

beforeAll(async () => {
  await initCrypto()
  devnet = await startDevnet()
  node = await startTestNode(devnet)
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  const merchantSeed = seedFromMnemonic(generateMnemonic())
  merchant = await createMerchant({
    viewingKey: exportViewingKey(deriveKeys(merchantSeed), 'incoming', 'testnet'),
    sequencerUrl: node.url,
    publicClient: devnet.publicClient,
    rollupAddress: devnet.rollup,
    fromBlock: devnet.deployBlock,
    confirmations: 3,
    webhook: { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/zkpay`, secret, backoff: { initialMs: 100, maxMs: 1_000 } },
  })
})

afterAll(async () => {
  await merchant?.close()
  await node?.stop()
  await devnet?.stop()
  await new Promise<void>((resolve) => receiver.close(() => resolve()))
  await terminateProver()
})

describe('merchant on a devnet', () => {
  it('default: a wallet pays an invoice from its URI; the merchant sees it paid, settled, then final, and webhooks follow', async () => {
    alice = new NodeWallet({ mnemonic: generateMnemonic(), sequencerUrl: node.url, rollupAddress: devnet.rollup, fromBlock: devnet.deployBlock, l1: devnet.accounts[1]! })
    await (await alice.deposit({ amount: parseEther('1') })).wait('settled')

    const invoice = await merchant.createInvoice({ amount: parseEther('0.25'), memo: 'Order 1042', expiresIn: 600 })
    const events: MerchantEvent[] = []
    merchant.on('*', (e) => events.push(e))
    const request = parsePaymentUri(invoice.uri)
    expect(request).toMatchObject({ address: merchant.address, amount: parseEther('0.25'), memo: `${invoice.id} Order 1042` })
    const handle = await alice.transfer({ to: request.address, amount: request.amount!, asset: request.asset, memo: request.memo! })

    // Admitted but not yet on L1: the mempool shows it, and the invoice is paid.
    await merchant.sync()
    expect(merchant.getInvoice(invoice.id)).toMatchObject({ state: 'paid', received: parseEther('0.25') })
    expect(merchant.getInvoice(invoice.id).payments).toMatchObject([{ status: 'sequenced', txId: handle.id, match: 'counted' }])

    const settled = await handle.wait('settled')
    await merchant.sync()
    const afterSettlement = merchant.getInvoice(invoice.id)
    expect(afterSettlement.state).toBe('settled')
    expect(afterSettlement.payments).toMatchObject([{ status: 'settled', l1TxHash: settled.l1TxHash }])

    await devnet.testClient.mine({ blocks: 2 })
    await merchant.sync()
    expect(merchant.getInvoice(invoice.id).state).toBe('final')
    expect(events.map((e) => e.type)).toEqual(['invoice.paid', 'invoice.settled', 'invoice.final'])

    await expect.poll(() => deliveries.length, { timeout: 5_000 }).toBe(3)
    for (const d of deliveries) {
      expect(verifyWebhookSignature({ body: d.body, header: d.headers['zkpay-signature'] as string, secret })).toMatchObject({ ok: true })
    }
    expect(deliveries.map((d) => JSON.parse(d.body) as MerchantEvent).map((e) => [e.id, e.type, e.invoice.state])).toEqual(events.map((e) => [e.id, e.type, e.invoice.state]))
    expect(deliveries.map((d) => d.headers['idempotency-key'])).toEqual(events.map((e) => e.id))
  })

  it('behavior: a payment short of the invoice leaves it underpaid; an invoice nobody pays expires; webhooks wait for a receiver that was down', async () => {
    const port = (receiver.address() as AddressInfo).port
    await new Promise<void>((resolve) => receiver.close(() => resolve())) // the receiver goes down
    const before = deliveries.length
    const short = await merchant.createInvoice({ amount: parseEther('0.25'), expiresIn: 600 })
    const unpaid = await merchant.createInvoice({ amount: parseEther('0.05'), expiresIn: 1 })
    const request = parsePaymentUri(short.uri)
    const handle = await alice.transfer({ to: request.address, amount: parseEther('0.1'), memo: request.memo! })
    await merchant.sync()
    expect(merchant.getInvoice(short.id)).toMatchObject({ state: 'underpaid', received: parseEther('0.1') })
    await handle.wait('settled')
    await new Promise((resolve) => setTimeout(resolve, 1_100))
    await merchant.sync()
    expect(merchant.getInvoice(short.id)).toMatchObject({ state: 'underpaid', received: parseEther('0.1') })
    expect(merchant.getInvoice(short.id).payments).toMatchObject([{ status: 'settled' }])
    expect(merchant.getInvoice(unpaid.id)).toMatchObject({ state: 'expired', received: 0n })
    expect(merchant.listEvents(unpaid.id).map((e) => e.type)).toEqual(['invoice.expired'])
    expect(deliveries.length).toBe(before)
    expect(merchant.listEvents(short.id).map((e) => e.delivery)).toEqual(['pending'])

    // Back up on the same port: the outbox delivers what waited, once each.
    await new Promise<void>((resolve) => receiver.listen(port, '127.0.0.1', resolve))
    await expect.poll(() => deliveries.length - before, { timeout: 10_000 }).toBe(2)
    const late = deliveries.slice(before).map((d) => JSON.parse(d.body) as MerchantEvent)
    expect(late.map((e) => [e.type, e.invoice.id]).sort()).toEqual([['invoice.expired', unpaid.id], ['invoice.underpaid', short.id]].sort())
    for (const d of deliveries.slice(before)) expect(verifyWebhookSignature({ body: d.body, header: d.headers['zkpay-signature'] as string, secret })).toMatchObject({ ok: true })
  })
})
