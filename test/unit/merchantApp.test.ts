import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { PublicClient } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toHex32 } from '../../src/crypto/field.ts'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import { createMerchant, createMerchantApp, type Merchant, PUBLIC_INVOICE_FIELDS, verifyWebhookSignature } from '../../src/sdk/merchant/index.ts'
import type { MempoolTransaction } from '../../src/sdk/merchant/readMempool.ts'
import { asMempool, emptyChain, merchantKeys, payment, unitMerchantOptions } from '../helpers/merchant.ts'

let keys: ReturnType<typeof merchantKeys>
const dir = mkdtempSync(join(tmpdir(), 'zkpay-merchant-app-'))
const secret = 'whsec_unit_test_0123456789'
const apiKey = 'mk_unit_test_0123456789'
const asMerchant = { authorization: `Bearer ${apiKey}` }

beforeAll(async () => {
  await initCrypto()
  keys = merchantKeys()
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

type Delivery = { headers: IncomingHttpHeaders; body: string }

/** A webhook receiver on loopback that answers `statuses` in turn (then 200). */
async function startReceiver(port = 0, statuses: number[] = []) {
  const deliveries: Delivery[] = []
  const waiters: (() => void)[] = []
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk) => (body += chunk))
    req.on('end', () => {
      deliveries.push({ headers: req.headers, body })
      res.writeHead(statuses.shift() ?? 200).end()
      for (const w of waiters.splice(0)) w()
    })
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    port: (server.address() as AddressInfo).port,
    deliveries,
    async until(n: number, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs
      while (deliveries.length < n) {
        if (Date.now() > deadline) throw new Error(`received ${deliveries.length} deliveries, expected ${n}`)
        await new Promise<void>((resolve) => {
          waiters.push(resolve)
          setTimeout(resolve, 50)
        })
      }
      return deliveries
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** A loopback port with nothing listening (connection refused). */
async function freePort(): Promise<number> {
  const r = await startReceiver()
  await r.close()
  return r.port
}

const fastRetries = { initialMs: 50, maxMs: 200 }

/** Reads a server-sent event stream as text, as far as asked. */
function readStream(res: Response) {
  const reader = res.body!.getReader()
  const stream = {
    text: '',
    async until(needle: string) {
      while (!stream.text.includes(needle)) {
        const { value, done } = await reader.read()
        if (done) throw new Error(`stream ended before ${needle}`)
        stream.text += new TextDecoder().decode(value)
      }
    },
    cancel: () => reader.cancel(),
  }
  return stream
}

describe('createMerchantApp', () => {
  let merchant: Merchant
  let app: ReturnType<typeof createMerchantApp>
  beforeAll(async () => {
    merchant = await createMerchant(unitMerchantOptions(keys))
    app = createMerchantApp(merchant, { apiKey })
    return () => merchant.close()
  })
  const post = (body: unknown, headers: Record<string, string> = asMerchant) =>
    app.request('/invoices', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) })

  it('default: POST /invoices creates an invoice; GET /invoices/:id with the API key reads it whole', async () => {
    const res = await post({ amount: '250000000000000000', memo: 'Order 7', expiresIn: 900, label: 'Shop' })
    expect(res.status).toBe(201)
    const created = (await res.json()) as Record<string, unknown> & { id: string; qr: { svg: string } }
    expect(created).toMatchObject({ id: expect.stringMatching(/^inv_/), amount: '250000000000000000', state: 'open', received: '0', checkoutPath: `/checkout/${created.id}` })
    expect(created.qr.svg).toMatch(/^<svg /)
    const read = await app.request(`/invoices/${created.id}`, { headers: asMerchant })
    expect(read.status).toBe(200)
    expect(read.headers.get('cache-control')).toBe('private, no-store')
    const { qr: _qr, checkoutPath: _path, ...rest } = created
    expect(await read.json()).toEqual(rest)
  })

  it('error: bad input is a 400 naming the field, an unknown invoice a 404, each with { code, message }', async () => {
    const cases: [unknown, string][] = [
      [{ amount: 1, expiresIn: 60 }, '`amount`'],
      [{ amount: '0', expiresIn: 60 }, '`amount`'],
      [{ amount: '10', expiresIn: 0 }, '`expiresIn`'],
      [{ amount: '10', expiresIn: 60, asset: '0x12' }, '`asset`'],
      [{ amount: '10', expiresIn: 60, color: 'red' }, '`body`'],
      [{ amount: '10', expiresIn: 60, memo: 'é'.repeat(60) }, '`memo`'], // 60 characters, 120 bytes
      ['{not json', 'JSON'],
    ]
    for (const [body, mention] of cases) {
      const res = await post(body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      const json = (await res.json()) as { code: string; message: string }
      expect(json.code).toBe('INVALID_PARAMETER')
      expect(json.message).toContain(mention)
    }
    for (const path of ['/invoices/inv_aaaaaaaaaaaa', '/invoices/inv_aaaaaaaaaaaa/events', '/checkout/nope']) {
      const res = await app.request(path)
      expect(res.status).toBe(404)
      expect(await res.json()).toMatchObject({ code: 'INVOICE_NOT_FOUND', message: expect.any(String) })
    }
  })

  it('behavior: GET /invoices/:id/events with the API key streams the state, then each change with its event id', async () => {
    const invoice = await merchant.createInvoice({ amount: 100n, expiresIn: 60 })
    const res = await app.request(`/invoices/${invoice.id}/events`, { headers: asMerchant })
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const stream = readStream(res)
    await stream.until('event: state')
    merchant.ingest(payment(keys, { amount: 100n, memo: invoice.id }).mempool())
    await stream.until('event: invoice.paid')
    const paid = stream.text.split('\n\n').find((block) => block.includes('event: invoice.paid'))!
    expect(paid).toMatch(/^id: evt_/m)
    expect(JSON.parse(paid.split('\n').find((l) => l.startsWith('data: '))!.slice(6))).toMatchObject({ id: invoice.id, state: 'paid' })
    await stream.cancel()
  })

  it('behavior: without the API key, GET /invoices/:id, its event stream and the checkout page show state and amounts only, through paid, settled and final; with it, the payments that tie the invoice to the chain', async () => {
    const invoice = await merchant.createInvoice({ amount: 100n, expiresIn: 60 })
    const res = await app.request(`/invoices/${invoice.id}/events`)
    expect(res.headers.get('vary')).toBe('Authorization')
    const stream = readStream(res)
    await stream.until('event: state')
    const pay = payment(keys, { amount: 100n, memo: invoice.id })
    merchant.ingest(pay.mempool())
    merchant.ingest(pay.settle(1n), { tipBlock: 1n })
    merchant.ingest([], { tipBlock: 3n }) // confirmations: 2 blocks on top
    await stream.until('event: invoice.final')
    await stream.cancel()
    const streamed = stream.text

    // What ties the invoice to one transaction on the chain, as the merchant recorded it.
    const [paid] = merchant.getInvoice(invoice.id).payments
    expect(paid).toMatchObject({ commitment: toHex32(pay.commitment), status: 'settled', txId: expect.stringMatching(/^tx_/), leafIndex: 64, blockNumber: 1n })
    const linkage = [paid!.commitment, paid!.commitment.slice(2), paid!.txId!, paid!.l1TxHash!, paid!.l1TxHash!.slice(2)]

    const publicJson = await app.request(`/invoices/${invoice.id}`)
    const publicText = await publicJson.text()
    const html = await (await app.request(`/checkout/${invoice.id}`)).text()
    for (const body of [publicText, streamed, html]) {
      for (const value of linkage) expect(body).not.toContain(value)
      for (const field of ['payments', 'commitment', 'leafIndex', 'txId', 'l1TxHash', 'blockNumber']) expect(body).not.toContain(`"${field}"`)
    }
    expect(Object.keys(JSON.parse(publicText))).toEqual([...PUBLIC_INVOICE_FIELDS])
    expect(JSON.parse(publicText)).toMatchObject({ id: invoice.id, state: 'final', amount: '100', received: '100', overpaid: false })
    // The page can follow paid → settled → final; event ids (derived from commitments for late payments) stay private.
    const states = streamed.split('\n\n').filter((b) => b.startsWith('event: ')).map((b) => [b.split('\n')[0], JSON.parse(b.split('\n').find((l) => l.startsWith('data: '))!.slice(6)).state])
    expect(states).toEqual([
      ['event: state', 'open'],
      ['event: invoice.paid', 'paid'],
      ['event: invoice.settled', 'settled'],
      ['event: invoice.final', 'final'],
    ])
    expect(streamed).not.toMatch(/^id: /m)

    const whole = (await (await app.request(`/invoices/${invoice.id}`, { headers: asMerchant })).json()) as { payments: Record<string, unknown>[] }
    expect(whole.payments).toEqual([
      expect.objectContaining({ commitment: paid!.commitment, txId: paid!.txId, leafIndex: 64, blockNumber: '1', l1TxHash: paid!.l1TxHash }),
    ])
  })

  it('error: a wrong API key is 401 UNAUTHORIZED, never the public view; creating an invoice takes the key; an app without a key serves public views and creates nothing', async () => {
    const invoice = await merchant.createInvoice({ amount: 100n, expiresIn: 60 })
    const before = merchant.listInvoices().length
    const wrong = [{ authorization: `Bearer ${apiKey}x` }, { authorization: apiKey }, { authorization: `Basic ${btoa(`merchant:${apiKey}`)}` }]
    for (const headers of wrong) {
      for (const path of [`/invoices/${invoice.id}`, `/invoices/${invoice.id}/events`]) {
        const res = await app.request(path, { headers })
        expect([res.status, res.headers.get('www-authenticate'), ((await res.json()) as { code: string }).code], `${path} ${headers.authorization}`).toEqual([401, 'Bearer', 'UNAUTHORIZED'])
      }
      expect((await post({ amount: '10', expiresIn: 60 }, headers)).status).toBe(401)
    }
    const anonymous = await post({ amount: '10', expiresIn: 60 }, {})
    expect([anonymous.status, ((await anonymous.json()) as { code: string }).code]).toEqual([401, 'UNAUTHORIZED'])
    expect(merchant.listInvoices()).toHaveLength(before)

    const keyless = createMerchantApp(merchant)
    const refused = await keyless.request('/invoices', { method: 'POST', headers: { 'content-type': 'application/json', ...asMerchant }, body: JSON.stringify({ amount: '10', expiresIn: 60 }) })
    expect([refused.status, ((await refused.json()) as { message: string }).message]).toEqual([401, expect.stringContaining('zkpay merchant api-key create')])
    expect((await keyless.request(`/invoices/${invoice.id}`, { headers: asMerchant })).status).toBe(401)
    const publicView = await keyless.request(`/invoices/${invoice.id}`)
    expect([publicView.status, Object.keys((await publicView.json()) as object)]).toEqual([200, [...PUBLIC_INVOICE_FIELDS]])
    expect(merchant.listInvoices()).toHaveLength(before)
    expect(() => createMerchantApp(merchant, { apiKey: 'short' })).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }))
  })

  it('error: a request that fails unexpectedly is a 500 INTERNAL_ERROR without detail, and the error goes to onError with the route', async () => {
    const broken = await createMerchant(unitMerchantOptions(keys))
    const seen: { error: unknown; request: { method: string; path: string } }[] = []
    const brokenApp = createMerchantApp(broken, { apiKey, onError: (error, request) => seen.push({ error, request }) })
    await broken.close() // its store is closed: every read now throws
    const res = await brokenApp.request('/invoices/inv_abcdefghijkl', { headers: asMerchant })
    expect(res.status).toBe(500)
    const body = (await res.json()) as { code: string; message: string }
    expect(body).toEqual({ code: 'INTERNAL_ERROR', message: expect.stringMatching(/check its log/) })
    expect(seen).toEqual([{ error: expect.any(Error), request: { method: 'GET', path: '/invoices/inv_abcdefghijkl' } }])
    expect(JSON.stringify(body)).not.toContain((seen[0]!.error as Error).message)
  })

  it('default: GET /checkout/:id is an HTML page with the QR code, the amount and the payment link', async () => {
    const invoice = await merchant.createInvoice({ amount: 250_000_000_000_000_000n, expiresIn: 60, label: '<Shop>' })
    const res = await app.request(`/checkout/${invoice.id}`)
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
    const html = await res.text()
    expect(html).toContain(invoice.qr.svg)
    expect(html).toContain('<p id="amount">0.25 ETH</p>')
    expect(html).toContain(`href="${invoice.uri.replaceAll('&', '&amp;')}"`)
    expect(html).toContain('&lt;Shop&gt;')
    expect(html).not.toContain('<Shop>')
    expect(html).not.toContain('id="web-wallet"')
  })

  it('behavior: with a web wallet, the checkout page links to it with the payment in the fragment (never sent to a server); a web wallet URL that is not https (http only on loopback) is refused', async () => {
    const withWallet = createMerchantApp(merchant, { apiKey, webWalletUrl: 'https://wallet.example/app/' })
    const invoice = await merchant.createInvoice({ amount: 10n ** 17n, expiresIn: 60 })
    const html = await (await withWallet.request(`/checkout/${invoice.id}`)).text()
    const href = /<a id="web-wallet" href="([^"]+)"/.exec(html)?.[1]?.replaceAll('&amp;', '&')
    expect(href).toBe(`https://wallet.example/app/#pay?uri=${encodeURIComponent(invoice.uri)}`)
    expect(decodeURIComponent(new URL(href!).hash.slice('#pay?uri='.length))).toBe(invoice.uri)
    for (const bad of ['javascript:alert(1)', 'zkpay:wallet', 'not a url', 'http://wallet.example/']) {
      expect(() => createMerchantApp(merchant, { webWalletUrl: bad })).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER', message: expect.stringMatching(/webWalletUrl/) }))
    }
  })
})

describe('webhooks', () => {
  it('behavior: a receiver that is down (connection refused) gets the delivery when it comes back, signed and with its idempotency key', async () => {
    const port = await freePort()
    const merchant = await createMerchant({ ...unitMerchantOptions(keys), webhook: { url: `http://127.0.0.1:${port}/hooks`, secret, backoff: fastRetries } })
    try {
      const invoice = await merchant.createInvoice({ amount: 100n, expiresIn: 60 })
      merchant.ingest(payment(keys, { amount: 100n, memo: invoice.id }).mempool())
      await merchant.deliverWebhooks()
      const [failed] = merchant.listEvents()
      expect(failed).toMatchObject({ type: 'invoice.paid', delivery: 'pending', attempts: 1 })

      const receiver = await startReceiver(port)
      const [delivery] = await receiver.until(1)
      const event = JSON.parse(delivery!.body) as { id: string; type: string; createdAt: string; invoice: { id: string; state: string } }
      expect(event).toMatchObject({ id: failed!.id, type: 'invoice.paid', invoice: { id: invoice.id, state: 'paid' } })
      expect(Object.keys(event)).toEqual(['id', 'type', 'createdAt', 'invoice'])
      expect(delivery!.headers['idempotency-key']).toBe(event.id)
      expect(delivery!.headers['content-type']).toBe('application/json')
      expect(verifyWebhookSignature({ body: delivery!.body, header: delivery!.headers['zkpay-signature'] as string, secret })).toMatchObject({ ok: true })
      expect(verifyWebhookSignature({ body: delivery!.body, header: delivery!.headers['zkpay-signature'] as string, secret: `${secret}!` })).toMatchObject({ ok: false })
      await expect.poll(() => merchant.listEvents()[0]!.delivery).toBe('delivered')
      await receiver.close()
    } finally {
      await merchant.close()
    }
  })

  it('behavior: a non-2xx answer is retried with the same id and body (at least once)', async () => {
    const receiver = await startReceiver(0, [500, 503])
    const merchant = await createMerchant({ ...unitMerchantOptions(keys), webhook: { url: receiver.url, secret, backoff: fastRetries } })
    try {
      const invoice = await merchant.createInvoice({ amount: 100n, expiresIn: 60 })
      merchant.ingest(payment(keys, { amount: 100n, memo: invoice.id }).mempool())
      const deliveries = await receiver.until(3)
      expect(new Set(deliveries.map((d) => d.body)).size).toBe(1)
      expect(new Set(deliveries.map((d) => d.headers['idempotency-key'])).size).toBe(1)
      await expect.poll(() => merchant.listEvents()[0]).toMatchObject({ delivery: 'delivered', attempts: 3 })
      await new Promise((r) => setTimeout(r, 300))
      expect(receiver.deliveries).toHaveLength(3) // nothing more once acknowledged
    } finally {
      await merchant.close()
      await receiver.close()
    }
  })

  it('behavior: a merchant restarted from its SQLite file delivers what was still in the outbox, with the same event ids', async () => {
    const store = join(dir, 'outbox.db')
    const port = await freePort()
    const options = { ...unitMerchantOptions(keys), store, webhook: { url: `http://127.0.0.1:${port}/hooks`, secret, backoff: fastRetries } }
    const first = await createMerchant(options)
    const invoice = await first.createInvoice({ amount: 100n, expiresIn: 60 })
    const pay = payment(keys, { amount: 100n, memo: invoice.id })
    first.ingest(pay.mempool())
    first.ingest(pay.settle(1n), { tipBlock: 1n })
    await first.deliverWebhooks()
    const pending = first.listEvents()
    expect(pending.map((e) => [e.type, e.delivery])).toEqual([
      ['invoice.paid', 'pending'],
      ['invoice.settled', 'pending'],
    ])
    await first.close()

    const receiver = await startReceiver(port)
    const second = await createMerchant(options)
    try {
      const deliveries = await receiver.until(2)
      expect(deliveries.map((d) => JSON.parse(d.body).id)).toEqual(pending.map((e) => e.id))
      // Seeing the same payment again after the restart makes no new event.
      second.ingest([...pay.mempool(), ...pay.settle(1n)], { tipBlock: 1n })
      await expect.poll(() => second.listEvents().map((e) => e.delivery)).toEqual(['delivered', 'delivered'])
      expect(second.listEvents().map((e) => e.id)).toEqual(pending.map((e) => e.id))
    } finally {
      await second.close()
      await receiver.close()
    }
  })
})

describe('sync and watch', () => {
  it('error: a store is bound at its first sync to the chain, the rollup and its deployment block; another (a restarted devnet: same address, same chain id) is WRONG_NETWORK', async () => {
    const store = join(dir, 'bound.db')
    const chain = (hash: string, chainId = '0x7a69') =>
      ({ getBlockNumber: async () => 5n, request: async ({ method }: { method: string }) => (method === 'eth_getBlockByNumber' ? { number: '0x5', hash } : method === 'eth_chainId' ? chainId : []) }) as unknown as PublicClient
    const yesterday = `0x${'1'.repeat(64)}`
    const today = `0x${'2'.repeat(64)}`
    const syncWith = async (options: Partial<Parameters<typeof createMerchant>[0]>) => {
      const m = await createMerchant({ ...unitMerchantOptions(keys), store, ...options })
      try {
        return await m.sync().then(
          () => 'ok',
          (e: { code: string; shortMessage: string }) => `${e.code}: ${e.shortMessage}`,
        )
      } finally {
        await m.close()
      }
    }
    // No node: the pass ends NODE_UNREACHABLE, after the L1 part (and the binding) is applied.
    expect(await syncWith({ publicClient: chain(yesterday) })).toMatch(/^NODE_UNREACHABLE/)
    expect(await syncWith({ publicClient: chain(yesterday) })).toMatch(/^NODE_UNREACHABLE/)
    expect(await syncWith({ publicClient: chain(today) })).toMatch(/^WRONG_NETWORK: .*another deployment.*use a new merchant store/)
    expect(await syncWith({ publicClient: chain(yesterday, '0x1') })).toMatch(/^WRONG_NETWORK: This merchant store belongs to chain 31337, but the RPC serves chain 1/)
    expect(await syncWith({ publicClient: chain(yesterday), rollupAddress: `0x${'12'.repeat(20)}` })).toMatch(/^WRONG_NETWORK: This merchant store belongs to the rollup at 0x0{40}/)
  })

  it('behavior: watch() polls the node\'s mempool and sees a payment as paid; a node that is down is an error event, not a crash', async () => {
    // The node's mempool in pages of one transaction: `after` is the admission number of the last one read.
    let mempool: MempoolTransaction[] = []
    const asked: string[] = []
    const node = createServer((req, res) => {
      const url = new URL(req.url!, 'http://node')
      if (url.pathname === '/v1/mempool') asked.push(url.search)
      const after = Number(url.searchParams.get('after') ?? '0')
      const page = mempool.slice(after, after + 1)
      const next = after + 1 < mempool.length ? after + 1 : null
      res.writeHead(url.pathname === '/v1/mempool' ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify({ transactions: page, next }))
    })
    await new Promise<void>((resolve) => node.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(node.address() as AddressInfo).port}`
    const merchant = await createMerchant({ ...unitMerchantOptions(keys), sequencerUrl: url, publicClient: emptyChain() })
    try {
      const invoice = await merchant.createInvoice({ amount: 100n, expiresIn: 60 })
      const outputs = payment(keys, { amount: 100n, memo: invoice.id }).mempool()
      expect(outputs).toHaveLength(3) // payment, change, fee note
      // Two transactions for others come first: the payment is on the third page.
      const others = [merchantKeys(8), merchantKeys(9)].map((k) => asMempool(payment(k, { amount: 100n, memo: invoice.id }).mempool()))
      mempool = [...others, asMempool(outputs)]
      const paid = new Promise((resolve) => merchant.on('invoice.paid', resolve))
      merchant.watch({ intervalMs: 20 })
      await paid
      expect(merchant.getInvoice(invoice.id).payments).toMatchObject([{ status: 'sequenced', txId: outputs[0]!.txId }])
      expect(asked.slice(0, 3)).toEqual(['?after=0', '?after=1', '?after=2'])

      const errors: unknown[] = []
      merchant.on('error', (e) => errors.push(e))
      await new Promise<void>((resolve) => node.close(() => resolve()))
      await expect.poll(() => errors.length).toBeGreaterThan(0)
      expect(errors[0]).toMatchObject({ code: 'NODE_UNREACHABLE' })
      await merchant.stop()
      await expect(merchant.sync()).rejects.toMatchObject({ code: 'NODE_UNREACHABLE' })
    } finally {
      await merchant.close()
      node.close()
    }
  })
})
