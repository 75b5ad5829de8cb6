import { existsSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import { createMerchant, createMerchantApp, type Merchant } from '../../src/sdk/merchant/index.ts'
import { merchantKeys, payment, unitMerchantOptions } from '../helpers/merchant.ts'

// The checkout page in headless Chromium: the QR code and the amount are shown, and the status
// line turns to paid, settled and final through the (public) SSE stream, without a reload. The payment is fed to the merchant
// as observed outputs (real note encryption, no proof), as the mempool would show it.

// Debian's package puts it here; CHROMIUM_PATH points elsewhere.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const hasChromium = existsSync(CHROMIUM)
if (!hasChromium && process.env.CI) throw new Error(`The checkout browser test needs Chromium at ${CHROMIUM} (apt-get install chromium); CI must not skip it.`)

let merchant: Merchant
let browser: Browser | undefined
let server: ReturnType<typeof serve>
let base: string

beforeAll(async () => {
  if (!hasChromium) return
  await initCrypto()
  merchant = await createMerchant(unitMerchantOptions(merchantKeys()))
  server = serve({ fetch: createMerchantApp(merchant, { apiKey: 'mk_checkout_test_0123456789' }).fetch, port: 0, hostname: '127.0.0.1' })
  await new Promise<void>((resolve) => server.once('listening', () => resolve()))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
})

afterAll(async () => {
  await browser?.close()
  if (server) {
    ;(server as { closeAllConnections?: () => void }).closeAllConnections?.()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  await merchant?.close()
})

describe('checkout page', () => {
  const name = "behavior: shows the QR code, amount and time left, and turns to paid (QR hidden), settled and final live, final only at its confirmations, never showing the payment's commitment"
  it.skipIf(!hasChromium)(hasChromium ? name : `${name} (skipped: no Chromium at ${CHROMIUM})`, async () => {
    const invoice = await merchant.createInvoice({ amount: 250_000_000_000_000_000n, expiresIn: 600, label: 'Corner café' })
    const page = await browser!.newPage()
    let loads = 0
    page.on('load', () => loads++)
    await page.goto(`${base}/checkout/${invoice.id}`)
    expect(await page.locator('#amount').textContent()).toBe('0.25 ETH')
    const viewBox = await page.locator('#qr svg').getAttribute('viewBox')
    expect(viewBox).toBe(`0 0 ${invoice.qr.size * 8} ${invoice.qr.size * 8}`)
    expect(await page.locator('#qr svg').boundingBox()).toMatchObject({ width: expect.any(Number) })
    expect(await page.locator('#uri').getAttribute('href')).toBe(invoice.uri)
    await expect.poll(() => page.locator('#status').textContent()).toBe('Waiting for payment')
    // The time left counts down (600 s at creation).
    const left = async () => {
      const m = /^Time left: (\d+):(\d\d)$/.exec((await page.locator('#expires').textContent()) ?? '')
      return m ? Number(m[1]) * 60 + Number(m[2]) : undefined
    }
    const first = await left()
    expect(first).toBeGreaterThan(590)
    expect(first).toBeLessThanOrEqual(600)
    await expect.poll(left, { timeout: 3_000 }).toBeLessThan(first!)
    expect(await page.locator('#qr svg').isVisible()).toBe(true)
    // The page's EventSource is connected: the change below can only reach it through the stream.
    await page.waitForSelector('body[data-live="true"]', { timeout: 5_000 })

    const pay = payment(merchantKeys(), { amount: invoice.amount, memo: invoice.memo })
    merchant.ingest(pay.mempool())
    await page.waitForSelector('#status[data-state="paid"]', { timeout: 5_000 })
    expect(await page.locator('#status').textContent()).toBe('Paid: waiting for settlement on L1')
    // Paid: nothing left to scan, no countdown.
    expect(await page.locator('#qr svg').isVisible()).toBe(false)
    expect(await page.locator('#expires').isVisible()).toBe(false)
    merchant.ingest(pay.settle(1n), { tipBlock: 1n })
    await page.waitForSelector('#status[data-state="settled"]', { timeout: 5_000 })
    expect(await page.locator('#status').textContent()).toBe('Paid and settled on L1')
    // One block on top is not two confirmations: still settled.
    merchant.ingest([], { tipBlock: 2n })
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(await page.locator('#status').getAttribute('data-state')).toBe('settled')
    merchant.ingest([], { tipBlock: 3n })
    await page.waitForSelector('#status[data-state="final"]', { timeout: 5_000 })
    expect(await page.locator('#status').textContent()).toBe('Paid: final')
    expect(loads).toBe(1)
    // The page as it stands now (and a fresh load of it) names no commitment: it is public.
    const commitment = merchant.getInvoice(invoice.id).payments[0]!.commitment.slice(2)
    expect(await page.content()).not.toContain(commitment)
    await page.reload()
    expect(await page.locator('#status').getAttribute('data-state')).toBe('final')
    expect(await page.locator('#qr svg').isVisible()).toBe(false)
    expect(await page.content()).not.toContain(commitment)
    await page.close()
  })

  const redirect = 'behavior: once paid, the page opens the invoice\'s redirect URL; hostile label, message and URL text runs nothing (escaped, under a nonce CSP)'
  it.skipIf(!hasChromium)(hasChromium ? redirect : `${redirect} (skipped: no Chromium at ${CHROMIUM})`, async () => {
    const hostile = `"><img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>`
    const redirectUrl = `${base}/thanks?order=1&x=${encodeURIComponent(hostile)}`
    const invoice = await merchant.createInvoice({ amount: 1_000n, expiresIn: 600, label: hostile, message: `</script>${hostile}`, redirectUrl, orderId: 'A-1', metadata: { secret: 'not for the payer' } })
    const page = await browser!.newPage()
    const response = await page.goto(`${base}/checkout/${invoice.id}`)
    expect(response!.headers()['content-security-policy']).toMatch(/script-src 'nonce-[A-Za-z0-9+/=]+'/)
    await page.waitForSelector('body[data-live="true"]', { timeout: 5_000 })
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined()
    expect(await page.locator('h1').textContent()).toBe(hostile)
    expect(await page.content()).not.toContain('not for the payer')
    merchant.ingest(payment(merchantKeys(), { amount: invoice.amount, memo: invoice.memo }).mempool())
    await page.waitForURL((url) => url.pathname === '/thanks', { timeout: 10_000 })
    expect(page.url()).toBe(new URL(redirectUrl).href)
    await page.close()
  })
})
