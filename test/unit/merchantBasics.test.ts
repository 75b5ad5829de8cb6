import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import { createMerchant, createMerchantApp, type Merchant, type MerchantEvent, PUBLIC_INVOICE_FIELDS } from '../../src/sdk/merchant/index.ts'
import { openMerchantStore } from '../../src/sdk/merchant/openMerchantStore.ts'
import { asMempool, emptyChain, merchantKeys, payment, startMempoolNode, unitMerchantOptions } from '../helpers/merchant.ts'

// API keys, invoice bounds, the invoice list, the merchant's own fields (order id, metadata,
// redirect URL) and the app's JSON errors, without a chain: payments are fed as observed outputs.

let keys: ReturnType<typeof merchantKeys>
let now: number
let merchant: Merchant
let app: ReturnType<typeof createMerchantApp>
const envKey = 'mk_env_key_0123456789abcdef'

beforeAll(async () => {
  await initCrypto()
  keys = merchantKeys()
})

beforeEach(async () => {
  now = 1_800_000_000_000
  merchant = await createMerchant({ ...unitMerchantOptions(keys), now: () => now, maxOpenInvoices: 3, maxInvoiceTtl: 3_600 })
  app = createMerchantApp(merchant, { apiKey: envKey })
  return () => merchant.close()
})

const bearer = (key: string) => ({ authorization: `Bearer ${key}` })
const post = (body: unknown, headers: Record<string, string>) =>
  app.request('/invoices', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
const json = async (res: Response) => [res.status, (await res.json()) as Record<string, unknown>] as const

describe('API keys', () => {
  it('default: a created key is shown once, stored only as its SHA-256, works as a bearer token, and a revoked one is refused', async () => {
    const { id, key } = merchant.createApiKey()
    expect(key).toMatch(/^zkpmk_[A-Za-z0-9_-]{43}$/)
    expect(merchant.listApiKeys()).toEqual([{ id, createdAt: now, revokedAt: null }])
    expect(JSON.stringify(merchant.listApiKeys())).not.toContain(key)
    expect((await post({ amount: '10', expiresIn: 60 }, bearer(key))).status).toBe(201)
    expect((await app.request('/invoices', { headers: bearer(key) })).status).toBe(200)

    merchant.revokeApiKey(id)
    expect(merchant.listApiKeys()).toEqual([{ id, createdAt: now, revokedAt: now }])
    const [status, body] = await json(await post({ amount: '10', expiresIn: 60 }, bearer(key)))
    expect([status, body.code]).toEqual([401, 'UNAUTHORIZED'])
    expect((await app.request('/invoices', { headers: bearer(key) })).status).toBe(401)
    // ZKPAY_MERCHANT_API_KEY stays accepted beside the stored keys.
    expect((await post({ amount: '10', expiresIn: 60 }, bearer(envKey))).status).toBe(201)
  })

  it('error: every write route and the invoice list refuse a missing, wrong or revoked key with 401 and a JSON { code, message }', async () => {
    const { id, key } = merchant.createApiKey()
    merchant.revokeApiKey(id)
    const live = merchant.createApiKey().key
    for (const headers of [{}, bearer(`${live}x`), bearer(key), { authorization: live }, bearer('')]) {
      for (const [method, path] of [
        ['POST', '/invoices'],
        ['GET', '/invoices'],
        ['GET', '/invoices?status=paid'],
      ] as const) {
        const res = await app.request(path, { method, headers: { 'content-type': 'application/json', ...headers }, ...(method === 'POST' ? { body: '{"amount":"1","expiresIn":60}' } : {}) })
        const [status, body] = await json(res)
        expect([status, body.code, typeof body.message, res.headers.get('www-authenticate')], `${method} ${path} ${JSON.stringify(headers)}`).toEqual([401, 'UNAUTHORIZED', 'string', 'Bearer'])
      }
    }
    expect(merchant.listInvoices()).toHaveLength(0)
    expect(() => merchant.revokeApiKey(id)).toThrow(expect.objectContaining({ code: 'API_KEY_NOT_FOUND' }))
    expect(() => merchant.revokeApiKey('key_nope')).toThrow(expect.objectContaining({ code: 'API_KEY_NOT_FOUND' }))
    expect(merchant.verifyApiKey(live)).toBe(true)
    expect(merchant.verifyApiKey(key)).toBe(false)
  })

  it('behavior: the checkout page and the per-invoice public JSON stay public; keys are per store (a new store knows none)', async () => {
    const invoice = await merchant.createInvoice({ amount: 10n, expiresIn: 60 })
    expect((await app.request(`/checkout/${invoice.id}`)).status).toBe(200)
    const [status, body] = await json(await app.request(`/invoices/${invoice.id}`))
    expect([status, Object.keys(body)]).toEqual([200, [...PUBLIC_INVOICE_FIELDS]])
    const other = await createMerchant(unitMerchantOptions(keys))
    try {
      expect(other.verifyApiKey(merchant.createApiKey().key)).toBe(false)
      expect(other.hasApiKeys()).toBe(false)
    } finally {
      await other.close()
    }
  })
})

describe('invoice bounds', () => {
  it('error: an invoice living longer than maxInvoiceTtl is INVALID_PARAMETER naming expiresIn, in the SDK and over HTTP', async () => {
    await expect(merchant.createInvoice({ amount: 1n, expiresIn: 3_601 })).rejects.toMatchObject({ code: 'INVALID_PARAMETER', message: expect.stringContaining('`expiresIn`') })
    const [status, body] = await json(await post({ amount: '1', expiresIn: 3_601 }, bearer(envKey)))
    expect([status, body.code, body.message]).toEqual([400, 'INVALID_PARAMETER', expect.stringContaining('`expiresIn`')])
    expect(merchant.listInvoices()).toHaveLength(0)
    await expect(merchant.createInvoice({ amount: 1n, expiresIn: 3_600 })).resolves.toMatchObject({ expiresAt: now + 3_600_000 })
  })

  it('error: beyond maxOpenInvoices, creating is INVOICE_LIMIT_REACHED (HTTP 429); paid and expired invoices free their place', async () => {
    const a = await merchant.createInvoice({ amount: 10n, expiresIn: 60 })
    await merchant.createInvoice({ amount: 10n, expiresIn: 120 })
    await merchant.createInvoice({ amount: 10n, expiresIn: 120 })
    await expect(merchant.createInvoice({ amount: 10n, expiresIn: 60 })).rejects.toMatchObject({ code: 'INVOICE_LIMIT_REACHED' })
    const [status, body] = await json(await post({ amount: '10', expiresIn: 60 }, bearer(envKey)))
    expect([status, body.code]).toEqual([429, 'INVOICE_LIMIT_REACHED'])
    expect(merchant.listInvoices()).toHaveLength(3)
    // Paid: no longer open.
    merchant.ingest(payment(keys, { amount: 10n, memo: a.id }).mempool())
    expect(merchant.getInvoice(a.id).state).toBe('paid')
    const d = await merchant.createInvoice({ amount: 10n, expiresIn: 60 })
    await expect(merchant.createInvoice({ amount: 10n, expiresIn: 60 })).rejects.toMatchObject({ code: 'INVOICE_LIMIT_REACHED' })
    // Past its expiry an invoice no longer counts, even before a sync marks it expired.
    now += 61_000
    await expect(merchant.createInvoice({ amount: 10n, expiresIn: 600 })).resolves.toMatchObject({ state: 'open' })
    merchant.ingest([])
    expect(merchant.getInvoice(d.id).state).toBe('expired')
  })
})

describe('indexed matching', () => {
  it('behavior: a pass re-evaluates the invoices a payment names, the unpaid ones past expiry and the settled ones; an invoice nothing touched stays open', async () => {
    const quiet = await merchant.createInvoice({ amount: 10n, expiresIn: 3_600 })
    const paid = await merchant.createInvoice({ amount: 10n, expiresIn: 3_600 })
    const expiring = await merchant.createInvoice({ amount: 10n, expiresIn: 60 })
    const seen: MerchantEvent[] = []
    merchant.on('*', (e) => seen.push(e))
    const pay = payment(keys, { amount: 10n, memo: paid.id })
    merchant.ingest(pay.mempool())
    merchant.ingest(pay.settle(5n), { tipBlock: 5n })
    now += 61_000
    // No new output: the settled invoice still turns final with the tip, and the due one expires.
    merchant.ingest([], { tipBlock: 7n })
    expect(seen.map((e) => `${e.invoice.id} ${e.type}`).sort()).toEqual(
      [`${paid.id} invoice.paid`, `${paid.id} invoice.settled`, `${paid.id} invoice.final`, `${expiring.id} invoice.expired`].sort(),
    )
    expect(merchant.getInvoice(quiet.id)).toMatchObject({ state: 'open' })
  })

  it('behavior: invoices made to expire together are expired over several passes, the longest overdue first, so no pass blocks for long', async () => {
    const m = await createMerchant({ ...unitMerchantOptions(keys), now: () => now })
    try {
      // Made at one instant (the clock is frozen): which ten expire first is known by id only.
      const early: string[] = []
      for (let i = 0; i < 260; i++) {
        const invoice = await m.createInvoice({ amount: 10n, expiresIn: i < 10 ? 30 : 60 })
        if (i < 10) early.push(invoice.id)
      }
      now += 61_000
      const first = m.ingest([]).events
      expect(first).toHaveLength(250)
      // The ten due first are in the first pass.
      expect(first.map((e) => e.invoice.id)).toEqual(expect.arrayContaining(early))
      expect(m.ingest([]).events).toHaveLength(10)
      expect(m.ingest([]).events).toHaveLength(0)
      expect(m.listInvoicePage({ status: 'expired', limit: 500 }).invoices).toHaveLength(260)
    } finally {
      await m.close()
    }
  })

  it('behavior: an invoice waiting for a payment a reorg took back is not due for expiry, so such invoices cannot take the places of those that are', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zkpay-merchant-waiting-'))
    try {
      const path = join(dir, 'waiting.db')
      const first = await createMerchant({ ...unitMerchantOptions(keys), now: () => now, store: path })
      const waiting = await first.createInvoice({ amount: 10n, expiresIn: 60 })
      const unpaid = await first.createInvoice({ amount: 10n, expiresIn: 60 })
      first.ingest(payment(keys, { amount: 10n, memo: waiting.id }).settle(13n), { tipBlock: 13n })
      await first.close()
      const store = openMerchantStore(path)
      store.rollback('l1', { fromBlock: 13n, hash: null, now })
      store.close()
      const again = await createMerchant({ ...unitMerchantOptions(keys), now: () => now, store: path })
      try {
        again.ingest([], { tipBlock: 13n })
        expect(again.getInvoice(waiting.id).state).toBe('open')
        now += 61_000
        const store2 = openMerchantStore(path)
        expect(store2.dueForExpiry(now, 10)).toEqual([unpaid.id])
        store2.close()
        expect(again.ingest([]).events.map((e) => [e.invoice.id, e.type])).toEqual([[unpaid.id, 'invoice.expired']])
        expect(again.getInvoice(waiting.id).state).toBe('open')
      } finally {
        await again.close()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('error: hostile mempool entries (no arrays, a bad key, garbage ciphertext, a replay, a memo naming another invoice) neither stop a sync nor count a payment twice', async () => {
    const node = await startMempoolNode()
    const m = await createMerchant({ ...unitMerchantOptions(keys), sequencerUrl: node.url, publicClient: emptyChain(), now: () => now })
    try {
      const target = await m.createInvoice({ amount: 10n, expiresIn: 600 })
      const other = await m.createInvoice({ amount: 10n, expiresIn: 600 })
      const pay = payment(keys, { amount: 10n, memo: target.id })
      // A payer who writes another invoice's id first in the memo pays that invoice, and only it.
      const spoof = payment(keys, { amount: 4n, memo: `${other.id} ${target.id}` })
      const good = asMempool(pay.mempool())
      node.list([
        { id: 'tx_bad_1' },
        { id: 'tx_bad_2', commitments: 'nope', ciphertexts: [] },
        { ...good, id: 'tx_bad_3', epk: '0x1234' },
        { ...good, id: 'tx_bad_4', commitments: ['not hex'], ciphertexts: ['0xzz'] },
        { ...good, id: 'tx_bad_5', ciphertexts: good.ciphertexts.map(() => `0x${'00'.repeat(200)}`) },
        null,
        good,
        { ...good, id: 'tx_replayed' },
        asMempool(spoof.mempool()),
      ])
      await m.sync()
      await m.sync()
      expect(m.listPayments().map((p) => [p.invoiceId, p.amount])).toEqual([
        [target.id, 10n],
        [other.id, 4n],
      ])
      expect(m.getInvoice(target.id)).toMatchObject({ state: 'paid', received: 10n })
      expect(m.getInvoice(other.id)).toMatchObject({ state: 'underpaid', received: 4n })
    } finally {
      await m.close()
      await node.close()
    }
  })
})

describe('GET /invoices', () => {
  it('default: newest first, filtered by status, in pages that follow `next` to the end without repeats', async () => {
    const made: string[] = []
    const m = await createMerchant({ ...unitMerchantOptions(keys), now: () => now })
    const a = createMerchantApp(m, { apiKey: envKey })
    try {
      for (let i = 0; i < 7; i++) {
        made.push((await m.createInvoice({ amount: 10n, expiresIn: 600 })).id)
        if (i % 2 === 0) now += 1 // some share a creation time: the id breaks the tie
      }
      m.ingest(payment(keys, { amount: 10n, memo: made[2]! }).mempool())
      const pages: string[][] = []
      let next: string | null = null
      do {
        const res = await a.request(`/invoices?limit=3${next ? `&cursor=${next}` : ''}`, { headers: bearer(envKey) })
        expect(res.headers.get('cache-control')).toBe('private, no-store')
        const body = (await res.json()) as { invoices: { id: string }[]; next: string | null }
        pages.push(body.invoices.map((i) => i.id))
        next = body.next
      } while (next)
      expect(pages.map((p) => p.length)).toEqual([3, 3, 1])
      expect(pages.flat()).toEqual(m.listInvoicePage({ limit: 500 }).invoices.map((i) => i.id))
      expect(new Set(pages.flat())).toEqual(new Set(made))
      const newestFirst = m.listInvoices().sort((x, y) => y.createdAt - x.createdAt || (y.id > x.id ? 1 : -1))
      expect(pages.flat()).toEqual(newestFirst.map((i) => i.id))
      const paid = (await (await a.request('/invoices?status=paid', { headers: bearer(envKey) })).json()) as { invoices: { id: string; payments: unknown[] }[]; next: null }
      expect([paid.invoices.map((i) => i.id), paid.invoices[0]!.payments.length, paid.next]).toEqual([[made[2]], 1, null])
    } finally {
      await m.close()
    }
  })

  it('error: a bad status, limit or cursor, or an unknown parameter, is a 400 naming it', async () => {
    for (const [query, name] of [
      ['status=pending', 'status'],
      ['limit=0', 'limit'],
      ['limit=501', 'limit'],
      ['limit=x', 'limit'],
      ['cursor=bm9wZQ', 'cursor'],
      ['sort=asc', 'body'],
    ]) {
      const [status, body] = await json(await app.request(`/invoices?${query}`, { headers: bearer(envKey) }))
      expect([status, body.code, body.message], query).toEqual([400, 'INVALID_PARAMETER', expect.stringContaining(`\`${name}\``)])
    }
  })

  it('error: an unknown route is a JSON 404 and a wrong method a JSON 405, never HTML', async () => {
    const invoice = await merchant.createInvoice({ amount: 10n, expiresIn: 60 })
    for (const [method, path, status, code] of [
      ['GET', '/nope', 404, 'NOT_FOUND'],
      ['GET', `/invoices/${invoice.id}/payments`, 404, 'NOT_FOUND'],
      ['DELETE', `/invoices/${invoice.id}`, 405, 'METHOD_NOT_ALLOWED'],
      ['PUT', '/invoices', 405, 'METHOD_NOT_ALLOWED'],
      ['POST', `/checkout/${invoice.id}`, 405, 'METHOD_NOT_ALLOWED'],
    ] as const) {
      const res = await app.request(path, { method, headers: bearer(envKey) })
      expect(res.headers.get('content-type'), path).toMatch(/^application\/json/)
      const [s, body] = await json(res)
      expect([s, body.code, typeof body.message], `${method} ${path}`).toEqual([status, code, 'string'])
    }
    expect(merchant.getInvoice(invoice.id).state).toBe('open')
  })
})

describe('order id, metadata and redirect URL', () => {
  it('default: they are stored, returned whole to the merchant and in webhooks; the public view carries the redirect URL only', async () => {
    const body = { amount: '10', expiresIn: 60, orderId: 'A-1042', metadata: { customer: 'c_77', items: [1, 2] }, redirectUrl: 'https://shop.example/thanks?o=A-1042' }
    const [status, created] = await json(await post(body, bearer(envKey)))
    expect([status, created.orderId, created.metadata, created.redirectUrl]).toEqual([201, body.orderId, body.metadata, body.redirectUrl])
    const id = created.id as string
    const [, whole] = await json(await app.request(`/invoices/${id}`, { headers: bearer(envKey) }))
    expect(whole).toMatchObject({ orderId: 'A-1042', metadata: body.metadata, redirectUrl: body.redirectUrl })
    const [, open] = await json(await app.request(`/invoices/${id}`))
    expect(open).toMatchObject({ redirectUrl: body.redirectUrl })
    expect(open).not.toHaveProperty('orderId')
    expect(open).not.toHaveProperty('metadata')
    const events: MerchantEvent[] = []
    merchant.on('*', (e) => events.push(e))
    merchant.ingest(payment(keys, { amount: 10n, memo: id }).mempool())
    expect(events[0]!.invoice).toMatchObject({ orderId: 'A-1042', metadata: body.metadata, redirectUrl: body.redirectUrl })
  })

  it('error: a bad order id, metadata or redirect URL is refused naming it, in the SDK and over HTTP, and nothing is created', async () => {
    const big = { blob: 'x'.repeat(4_100) }
    const cases: [Record<string, unknown>, string][] = [
      [{ orderId: '' }, 'orderId'],
      [{ orderId: 'x'.repeat(129) }, 'orderId'],
      [{ metadata: [1, 2] }, 'metadata'],
      [{ metadata: 'text' }, 'metadata'],
      [{ metadata: big }, 'metadata'],
      [{ redirectUrl: 'javascript:alert(1)' }, 'redirectUrl'],
      [{ redirectUrl: 'data:text/html,<script>alert(1)</script>' }, 'redirectUrl'],
      [{ redirectUrl: '/relative' }, 'redirectUrl'],
      [{ redirectUrl: `https://a.example/${'x'.repeat(2_050)}` }, 'redirectUrl'],
    ]
    for (const [extra, name] of cases) {
      const [status, body] = await json(await post({ amount: '10', expiresIn: 60, ...extra }, bearer(envKey)))
      expect([status, body.code, body.message], JSON.stringify(extra).slice(0, 80)).toEqual([400, 'INVALID_PARAMETER', expect.stringContaining(`\`${name}`)])
      await expect(merchant.createInvoice({ amount: 10n, expiresIn: 60, ...(extra as object) }), name).rejects.toMatchObject({ code: 'INVALID_PARAMETER', message: expect.stringContaining(`\`${name}\``) })
    }
    await expect(merchant.createInvoice({ amount: 10n, expiresIn: 60, orderId: 'a\u0007b' })).rejects.toMatchObject({ message: expect.stringContaining('`orderId`') })
    await expect(merchant.createInvoice({ amount: 10n, expiresIn: 60, metadata: { n: 1n } as never })).rejects.toMatchObject({ message: expect.stringContaining('`metadata`') })
    expect(merchant.listInvoices()).toHaveLength(0)
  })
})
