import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { merchantCommand } from '../../src/cli/merchant.ts'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import { parsePaymentUri } from '../../src/sdk/merchant/index.ts'
import { incomingKey, merchantKeys } from '../helpers/merchant.ts'

// `zkpay merchant invoice` needs no chain for an ETH invoice: it only writes the store.

const dir = mkdtempSync(join(tmpdir(), 'zkpay-merchant-cli-'))
let viewingKey: string
beforeAll(async () => {
  await initCrypto()
  viewingKey = incomingKey(merchantKeys())
  for (const name of Object.keys(process.env)) if (name.startsWith('ZKPAY_')) vi.stubEnv(name, '')
})
afterAll(() => {
  vi.unstubAllEnvs()
  rmSync(dir, { recursive: true, force: true })
})

async function cli(args: string[]): Promise<{ out: string; err: string; exitCode: number }> {
  const out: string[] = []
  const err: string[] = []
  const log = vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')))
  const error = vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')))
  process.exitCode = 0
  try {
    await merchantCommand().exitOverride().parseAsync(args, { from: 'user' })
    return { out: out.join('\n'), err: err.join('\n'), exitCode: Number(process.exitCode ?? 0) }
  } finally {
    process.exitCode = 0
    log.mockRestore()
    error.mockRestore()
  }
}

const base = () => ['--rollup', `0x${'11'.repeat(20)}`, '--store', join(dir, 'merchant.db'), '--devnet', join(dir, 'none.json')]

describe('zkpay merchant', () => {
  it('default: invoice --json prints the invoice; its URI pays the viewing key’s address', async () => {
    const { out, exitCode } = await cli(['invoice', '--amount', '0.25', '--memo', 'Order 7', '--expires-in', '600', '--json', '--viewing-key', viewingKey, ...base()])
    expect(exitCode).toBe(0)
    const invoice = JSON.parse(out) as { id: string; amount: string; uri: string; memo: string; state: string }
    expect(invoice).toMatchObject({ amount: '250000000000000000', state: 'open', memo: `${invoice.id} Order 7` })
    expect(parsePaymentUri(invoice.uri)).toMatchObject({ amount: 250_000_000_000_000_000n, memo: invoice.memo })
  })

  it('default: invoice prints the terminal QR code and the URI; the viewing key may come from ZKPAY_VIEWING_KEY', async () => {
    vi.stubEnv('ZKPAY_VIEWING_KEY', viewingKey)
    const { out, exitCode } = await cli(['invoice', '--amount', '1', ...base()])
    vi.stubEnv('ZKPAY_VIEWING_KEY', '')
    expect(exitCode).toBe(0)
    expect(out).toMatch(/[█▀▄]/)
    expect(out).toMatch(/^invoice {2}inv_[a-z2-7]{12} \(1 ETH, expires /m)
    expect(out).toMatch(/^pay to {3}zkpay:zkpt1/m)
  })

  it('error: bad input prints `error CODE: sentence` and exits non-zero, without a stack', async () => {
    const cases: [string[], RegExp][] = [
      [['invoice', '--amount', 'abc', '--viewing-key', viewingKey, ...base()], /^error INVALID_PARAMETER: Invalid `amount`/],
      [['invoice', '--amount', '1', '--expires-in', '0', '--viewing-key', viewingKey, ...base()], /^error INVALID_PARAMETER: Invalid `expiresIn`/],
      [['invoice', '--amount', '1', ...base()], /^error CONFIG_INVALID: ZKPAY_VIEWING_KEY is not set/],
      [['invoice', '--amount', '1', '--viewing-key', 'zkptivk1nope', ...base()], /^error VIEWING_KEY_INVALID: /],
      [['invoice', '--amount', '1', '--viewing-key', viewingKey, '--store', join(dir, 'merchant.db'), '--devnet', join(dir, 'none.json')], /^error CONFIG_INVALID: ZKPAY_ROLLUP_ADDRESS/],
    ]
    for (const [args, expected] of cases) {
      const { err, exitCode } = await cli(args)
      expect(err, args.join(' ')).toMatch(expected)
      expect(err).not.toMatch(/\n\s+at /)
      expect(exitCode).toBe(2)
    }
  })

  it('default: api-key create prints a key once; list shows ids only; revoke marks it; the key opens the app', async () => {
    const store = ['--viewing-key', viewingKey, '--rollup', `0x${'11'.repeat(20)}`, '--store', join(dir, 'keys.db'), '--devnet', join(dir, 'none.json')]
    const created = await cli(['api-key', 'create', '--json', ...store])
    expect(created.exitCode).toBe(0)
    const { id, key } = JSON.parse(created.out) as { id: string; key: string }
    expect([id, key]).toEqual([expect.stringMatching(/^key_[a-z2-7]{8}$/), expect.stringMatching(/^zkpmk_/)])
    const listed = await cli(['api-key', 'list', ...store])
    expect(listed.out).toMatch(new RegExp(`^${id}  created \\S+$`))
    expect(listed.out).not.toContain(key)
    const { createMerchant } = await import('../../src/sdk/merchant/index.ts')
    const { unitMerchantOptions } = await import('../helpers/merchant.ts')
    const check = async () => {
      const m = await createMerchant({ ...unitMerchantOptions(merchantKeys()), store: join(dir, 'keys.db') })
      try {
        return m.verifyApiKey(key)
      } finally {
        await m.close()
      }
    }
    expect(await check()).toBe(true)
    expect(await cli(['api-key', 'revoke', id, ...store])).toMatchObject({ out: `revoked ${id}`, exitCode: 0 })
    expect(await check()).toBe(false)
    expect((await cli(['api-key', 'list', ...store])).out).toMatch(/ revoked \S+$/)
    const again = await cli(['api-key', 'revoke', id, ...store])
    expect([again.err, again.exitCode]).toEqual([expect.stringMatching(/^error API_KEY_NOT_FOUND: /), 2])
  })

  it('error: serve on a non-loopback address with no API key is API_KEY_REQUIRED, before listening', async () => {
    const store = ['--viewing-key', viewingKey, '--rollup', `0x${'11'.repeat(20)}`, '--store', join(dir, 'nokeys.db'), '--devnet', join(dir, 'none.json')]
    for (const host of ['0.0.0.0', '::', '192.168.1.20']) {
      const { err, exitCode } = await cli(['serve', '--host', host, '--port', '0', ...store])
      expect([err, exitCode], host).toEqual([expect.stringMatching(new RegExp(`^error API_KEY_REQUIRED: Refusing to serve on ${host.replace(/\./g, '\\.')}, `)), 2])
    }
  })

  it('default: list and status show invoices, newest first, with --status and --json', async () => {
    const store = ['--viewing-key', viewingKey, '--rollup', `0x${'11'.repeat(20)}`, '--store', join(dir, 'list.db'), '--devnet', join(dir, 'none.json')]
    const a = JSON.parse((await cli(['invoice', '--amount', '1', '--order-id', 'A-1', '--metadata', '{"c":1}', '--redirect-url', 'https://shop.example/ok', '--json', ...store])).out) as { id: string }
    const b = JSON.parse((await cli(['invoice', '--amount', '2', '--json', ...store])).out) as { id: string }
    const listed = await cli(['list', ...store])
    expect(listed.out.split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^${b.id}  open +0 of 2000000000000000000  expires \\S+$`)),
      expect.stringMatching(new RegExp(`^${a.id}  open +0 of 1000000000000000000  expires \\S+  order A-1$`)),
    ])
    const page = JSON.parse((await cli(['list', '--limit', '1', '--json', ...store])).out) as { invoices: { id: string }[]; next: string }
    expect(page.invoices.map((i) => i.id)).toEqual([b.id])
    const rest = JSON.parse((await cli(['list', '--cursor', page.next, '--json', ...store])).out) as { invoices: { id: string }[]; next: null }
    expect([rest.invoices.map((i) => i.id), rest.next]).toEqual([[a.id], null])
    expect((await cli(['list', '--status', 'paid', ...store])).out).toBe('no invoices')
    const status = JSON.parse((await cli(['status', a.id, '--json', ...store])).out)
    expect(status).toMatchObject({ id: a.id, state: 'open', orderId: 'A-1', metadata: { c: 1 }, redirectUrl: 'https://shop.example/ok', payments: [] })
    expect((await cli(['status', a.id, ...store])).out).toMatch(new RegExp(`^${a.id}  open `))
    for (const [args, expected] of [
      [['status', 'inv_aaaaaaaaaaaa', ...store], /^error INVOICE_NOT_FOUND: /],
      [['list', '--status', 'nope', ...store], /^error INVALID_PARAMETER: Invalid `status`/],
      [['list', '--limit', 'x', ...store], /^error INVALID_PARAMETER: Invalid `limit`/],
      [['invoice', '--amount', '1', '--metadata', '{oops', ...store], /^error INVALID_PARAMETER: Invalid `metadata`/],
      [['invoice', '--amount', '1', '--redirect-url', 'javascript:alert(1)', ...store], /^error INVALID_PARAMETER: Invalid `redirectUrl`/],
    ] as [string[], RegExp][]) {
      const { err, exitCode } = await cli(args)
      expect([err, exitCode], args.join(' ')).toEqual([expect.stringMatching(expected), 2])
    }
  })
})
