// jsqr is CommonJS with `exports.default`: under NodeNext its default import is the module object.
import jsqr from 'jsqr'
import { encode } from 'uqr'
import { parseEther, zeroAddress } from 'viem'
import { beforeAll, describe, expect, it } from 'vitest'
import { encodeAddress } from '../../src/crypto/address.ts'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import {
  buildPaymentUri,
  formatAmount,
  invoiceIdOfMemo,
  invoiceMemo,
  newInvoiceId,
  parsePaymentUri,
  renderQr,
  signWebhook,
  verifyWebhookSignature,
} from '../../src/sdk/merchant/index.ts'
import { merchantKeys } from '../helpers/merchant.ts'

let address: string
beforeAll(async () => {
  await initCrypto()
  const keys = merchantKeys()
  address = encodeAddress({ ownerPk: keys.ownerPk, vpk: keys.vpk }, 'testnet')
})

const TOKEN = '0x5FbDB2315678afecb367f032d93F642f64180aa3'
const memoParam = (text: string) => Buffer.from(text).toString('base64url')

describe('payment URI', () => {
  it('default: build and parse round-trip, ETH and token, every parameter', () => {
    const uri = buildPaymentUri({ address, amount: parseEther('0.25'), memo: 'inv_abcdefghijkl Order 7', label: 'Café & Co', message: 'Two coffees' })
    expect(uri).toBe(`zkpay:${address}?amount=0.25&memo=${memoParam('inv_abcdefghijkl Order 7')}&label=Caf%C3%A9%20%26%20Co&message=Two%20coffees`)
    expect(parsePaymentUri(uri)).toEqual({
      address,
      network: 'testnet',
      amount: parseEther('0.25'),
      asset: zeroAddress,
      memo: 'inv_abcdefghijkl Order 7',
      label: 'Café & Co',
      message: 'Two coffees',
    })
    const token = buildPaymentUri({ address, amount: 1_500_000n, asset: TOKEN.toLowerCase() as `0x${string}`, decimals: 6 })
    expect(token).toBe(`zkpay:${address}?amount=1.5&asset=${TOKEN}`)
    expect(parsePaymentUri(token, { decimals: 6 })).toEqual({ address, network: 'testnet', amount: 1_500_000n, asset: TOKEN })
    expect(parsePaymentUri(`ZKPAY:${address}`)).toEqual({ address, network: 'testnet', asset: zeroAddress })
  })

  it('behavior: unknown optional parameters are ignored (ZIP-321); amounts take leading zeros and whole numbers', () => {
    expect(parsePaymentUri(`zkpay:${address}?amount=007&foo=bar`)).toMatchObject({ amount: parseEther('7') })
    expect(formatAmount(1n)).toBe('0.000000000000000001')
    expect(formatAmount(parseEther('12'))).toBe('12')
  })

  const wrong: [string, string, () => string][] = [
    ['URI_BAD_SCHEME', 'another scheme', () => `zcash:${address}?amount=1`],
    ['URI_BAD_SCHEME', 'no scheme', () => address],
    ['URI_BAD_ADDRESS', 'a mistyped address', () => `zkpay:${address.slice(0, -1)}q?amount=1`],
    ['URI_BAD_ADDRESS', 'no address', () => 'zkpay:?amount=1'],
    ['URI_BAD_AMOUNT', 'a negative amount', () => `zkpay:${address}?amount=-1`],
    ['URI_BAD_AMOUNT', 'an exponent', () => `zkpay:${address}?amount=1e3`],
    ['URI_BAD_AMOUNT', 'zero', () => `zkpay:${address}?amount=0.0`],
    ['URI_BAD_AMOUNT', 'more decimals than the asset', () => `zkpay:${address}?amount=0.0000000000000000001`],
    ['URI_BAD_ASSET', 'a short asset', () => `zkpay:${address}?amount=1&asset=0x1234`],
    ['URI_BAD_MEMO', 'a memo that is not base64url', () => `zkpay:${address}?memo=a+b/c=`],
    ['URI_BAD_MEMO', 'a memo over 128 bytes', () => `zkpay:${address}?memo=${memoParam('x'.repeat(129))}`],
    ['URI_BAD_MEMO', 'a memo that is not UTF-8', () => `zkpay:${address}?memo=${Buffer.from([0xff, 0xfe]).toString('base64url')}`],
    ['URI_DUPLICATE_PARAM', 'amount twice', () => `zkpay:${address}?amount=1&amount=2`],
    ['URI_UNKNOWN_REQUIRED_PARAM', 'a req- parameter', () => `zkpay:${address}?amount=1&req-expiry=100`],
    ['URI_BAD_ENCODING', 'a parameter without a value', () => `zkpay:${address}?amount`],
    ['URI_BAD_ENCODING', 'bad percent-encoding', () => `zkpay:${address}?label=%E0%A4%A`],
    ['URI_BAD_ENCODING', 'a multi-payment index', () => `zkpay:${address}?amount.1=1`],
  ]
  it.each(wrong)('error: %s for %s', (code, _what, uri) => {
    expect(() => parsePaymentUri(uri())).toThrow(expect.objectContaining({ code, name: 'PaymentUriError' }))
  })

  it('error: building with bad parameters names them', () => {
    expect(() => buildPaymentUri({ address: 'zkpt1nope', asset: zeroAddress })).toThrow(expect.objectContaining({ parameter: 'address' }))
    expect(() => buildPaymentUri({ address, amount: 0n, asset: zeroAddress })).toThrow(expect.objectContaining({ parameter: 'amount' }))
    expect(() => buildPaymentUri({ address, asset: '0x12' as `0x${string}` })).toThrow(expect.objectContaining({ parameter: 'asset' }))
    expect(() => buildPaymentUri({ address, asset: zeroAddress, memo: 'x'.repeat(129) })).toThrow(expect.objectContaining({ parameter: 'memo' }))
  })
})

describe('invoice memo', () => {
  it('default: ids are short, random, URL-safe; the memo is the id, optionally a space and text', () => {
    const ids = new Set(Array.from({ length: 200 }, newInvoiceId))
    expect(ids.size).toBe(200)
    for (const id of ids) expect(id).toMatch(/^inv_[a-z2-7]{12}$/)
    const id = newInvoiceId()
    expect(invoiceMemo(id)).toBe(id)
    expect(invoiceMemo(id, 'Order 7')).toBe(`${id} Order 7`)
    expect(invoiceIdOfMemo(new TextEncoder().encode(`${id} Order 7`))).toBe(id)
    expect(invoiceIdOfMemo(id)).toBe(id)
    expect(invoiceIdOfMemo(`${id}7`)).toBeUndefined()
    expect(invoiceIdOfMemo(`Order ${id}`)).toBeUndefined()
    expect(invoiceIdOfMemo(new Uint8Array(0))).toBeUndefined()
    expect(new TextEncoder().encode(invoiceMemo(id, 'x'.repeat(111))).length).toBe(128)
    expect(() => invoiceMemo(id, 'x'.repeat(112))).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER', parameter: 'memo' }))
    expect(() => invoiceMemo('inv_UPPERCASE00')).toThrow(expect.objectContaining({ parameter: 'invoiceId' }))
  })
})

describe('QR code', () => {
  it('default: the SVG has one square per module and the terminal form two module rows per line', () => {
    const uri = buildPaymentUri({ address, amount: parseEther('0.25'), memo: 'inv_abcdefghijkl Order 7', asset: zeroAddress })
    const qr = renderQr(uri)
    const modules = encode(uri, { ecc: 'M', border: 4 }).size
    expect(qr.size).toBe(modules)
    expect(qr.svg).toMatch(new RegExp(`^<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${modules * 8} ${modules * 8}">`))
    expect(qr.svg.trim().endsWith('</svg>')).toBe(true)
    const lines = qr.terminal.split('\n')
    const side = modules - 4 // the terminal form keeps a 2-module border instead of 4
    expect(lines).toHaveLength(Math.ceil(side / 2))
    for (const line of lines) expect([...line]).toHaveLength(side)
  })

  it('behavior: the matrix decodes back to the URI (jsQR on a rasterised image)', () => {
    const uri = buildPaymentUri({ address, amount: 1_500_000n, asset: TOKEN, decimals: 6, memo: 'inv_abcdefghijkl' })
    const { data, size } = encode(uri, { ecc: 'M', border: 4 })
    const scale = 4
    const width = size * scale
    const pixels = new Uint8ClampedArray(width * width * 4)
    for (let y = 0; y < width; y++) {
      for (let x = 0; x < width; x++) {
        const v = data[Math.floor(y / scale)]![Math.floor(x / scale)] ? 0 : 255
        pixels.set([v, v, v, 255], (y * width + x) * 4)
      }
    }
    expect(jsqr.default(pixels, width, width)?.data).toBe(uri)
  })
})

describe('webhook signature', () => {
  const secret = 'whsec_test_0123456789abcdef'
  const body = JSON.stringify({ id: 'evt_x', type: 'invoice.paid' })

  it('default: a signed body verifies', () => {
    const header = signWebhook({ body, secret, timestamp: 1_800_000_000 })
    expect(header).toMatch(/^t=1800000000,v1=[0-9a-f]{64}$/)
    expect(verifyWebhookSignature({ body, header, secret, now: 1_800_000_100 })).toEqual({ ok: true, timestamp: 1_800_000_000 })
    // several v1 entries (a sender rotating secrets): one match is enough
    const rotated = `${header},v1=${'0'.repeat(64)}`
    expect(verifyWebhookSignature({ body, header: rotated, secret, now: 1_800_000_000 }).ok).toBe(true)
  })

  it('error: a tampered body, timestamp or secret, a stale delivery and a bad header are refused', () => {
    const header = signWebhook({ body, secret, timestamp: 1_800_000_000 })
    const check = (p: Partial<Parameters<typeof verifyWebhookSignature>[0]>) => verifyWebhookSignature({ body, header, secret, now: 1_800_000_000, ...p })
    expect(check({ body: body.replace('paid', 'final') })).toMatchObject({ ok: false, code: 'WEBHOOK_BAD_SIGNATURE' })
    expect(check({ header: header.replace('t=1800000000', 't=1800000001') })).toMatchObject({ ok: false, code: 'WEBHOOK_BAD_SIGNATURE' })
    expect(check({ secret: `${secret}x` })).toMatchObject({ ok: false, code: 'WEBHOOK_BAD_SIGNATURE' })
    expect(check({ now: 1_800_000_301 })).toMatchObject({ ok: false, code: 'WEBHOOK_STALE' })
    expect(check({ now: 1_800_000_301, toleranceSeconds: 600 })).toMatchObject({ ok: true })
    expect(check({ header: undefined })).toMatchObject({ ok: false, code: 'WEBHOOK_BAD_HEADER' })
    expect(check({ header: 'v1=abc' })).toMatchObject({ ok: false, code: 'WEBHOOK_BAD_HEADER' })
    expect(() => check({ secret: 'short' })).toThrow(expect.objectContaining({ parameter: 'secret' }))
  })
})
