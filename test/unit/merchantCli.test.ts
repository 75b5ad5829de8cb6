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
})
