import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { initCrypto } from '../src/crypto/poseidon.ts'
import { createMerchant, invoiceMemo, newInvoiceId } from '../src/sdk/merchant/index.ts'
import { openMerchantStore } from '../src/sdk/merchant/openMerchantStore.ts'
import { merchantKeys, payment, unitMerchantOptions } from '../test/helpers/merchant.ts'
import type { Row } from './crypto.ts'

const OPEN = 100_000
const RUNS = 5
const PAYMENTS = 3

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/**
 * Merchant sync with 100,000 open invoices (issue: merchant basics). The invoices are written
 * straight into a merchant SQLite file (WAL, synchronous FULL, as a merchant runs), then a
 * merchant on that file runs passes: one with nothing new, one with a few payments (real note
 * encryption, fed through `ingest` as the mempool would show them; no proofs), and one where a
 * thousand invoices expire at once. Also the time to create one more invoice (the open-invoice
 * count is checked on each).
 */
export async function benchMerchant(log: (line: string) => void): Promise<Row[]> {
  await initCrypto()
  const keys = merchantKeys()
  const dir = mkdtempSync(join(tmpdir(), 'zkpay-bench-merchant-'))
  const path = join(dir, 'merchant.db')
  try {
    let now = Date.now()
    const store = openMerchantStore(path)
    const ids: string[] = []
    store.transaction(() => {
      for (let i = 0; i < OPEN; i++) {
        const id = newInvoiceId()
        ids.push(id)
        // A thousand expire a minute in; the rest in a day.
        const expiresAt = now + (i < 1_000 ? 60_000 : 86_400_000)
        store.insertInvoice({ id, amount: '1000', asset: '0x0000000000000000000000000000000000000000', decimals: 18, memo: invoiceMemo(id), label: null, message: null, createdAt: now, expiresAt, state: 'open', updatedAt: now })
      }
    })
    store.close()
    log(`${OPEN.toLocaleString('en-US')} open invoices written`)

    const merchant = await createMerchant({ ...unitMerchantOptions(keys), store: path, now: () => now, maxOpenInvoices: OPEN + 1_000 })
    try {
      const idle: number[] = []
      for (let r = 0; r < RUNS; r++) {
        const t0 = performance.now()
        merchant.ingest([])
        idle.push(performance.now() - t0)
      }
      const paying: number[] = []
      for (let r = 0; r < RUNS; r++) {
        const outputs = Array.from({ length: PAYMENTS }, (_, k) => payment(keys, { amount: 1000n, memo: ids[1_000 + r * PAYMENTS + k]! }).mempool()).flat()
        const t0 = performance.now()
        const { events } = merchant.ingest(outputs)
        paying.push(performance.now() - t0)
        if (events.length !== PAYMENTS) throw new Error(`expected ${PAYMENTS} paid events, got ${events.length}`)
      }
      const create: number[] = []
      for (let r = 0; r < RUNS; r++) {
        const t0 = performance.now()
        await merchant.createInvoice({ amount: 1n, expiresIn: 600 })
        create.push(performance.now() - t0)
      }
      now += 61_000
      // A pass expires a bounded number of invoices: the slowest pass and how many it takes.
      const expiring: number[] = []
      let expired = 0
      for (;;) {
        const t0 = performance.now()
        const { events } = merchant.ingest([])
        if (events.length === 0) break
        expiring.push(performance.now() - t0)
        expired += events.length
      }
      if (expired !== 1_000) throw new Error(`expected 1,000 expiries, got ${expired}`)
      log(`idle pass ${median(idle).toFixed(1)} ms, pass with ${PAYMENTS} payments (${PAYMENTS * 3} outputs) ${median(paying).toFixed(1)} ms, 1,000 expiries in ${expiring.length} passes of at most ${Math.max(...expiring).toFixed(0)} ms, createInvoice ${median(create).toFixed(1)} ms`)
      return [
        { key: 'merchant.idlePass100k', label: `Merchant pass with ${OPEN.toLocaleString('en-US')} open invoices, nothing new (median of ${RUNS})`, value: median(idle), unit: 'ms', target: '≤ 50' },
        { key: 'merchant.paymentPass100k', label: `Merchant pass with ${OPEN.toLocaleString('en-US')} open invoices, ${PAYMENTS} payments (median of ${RUNS})`, value: median(paying), unit: 'ms', target: '≤ 50' },
        { key: 'merchant.expiryPass100k', label: `Merchant pass while 1,000 of ${OPEN.toLocaleString('en-US')} open invoices expire at once (slowest of ${expiring.length} passes)`, value: Math.max(...expiring), unit: 'ms', target: '≤ 500' },
        { key: 'merchant.createInvoice100k', label: `createInvoice with ${OPEN.toLocaleString('en-US')} open invoices (median of ${RUNS})`, value: median(create), unit: 'ms' },
      ]
    } finally {
      await merchant.close()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
