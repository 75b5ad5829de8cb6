import { bytesToHex, type Hex, type PublicClient } from 'viem'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { toHex32 } from '../../src/crypto/field.ts'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import { getPrimitives, setPrimitives } from '../../src/crypto/primitives.ts'
import { decryptOutputs, type PaymentKey } from '../../src/sdk/merchant/decryptOutputs.ts'
import { createMerchant, type ObservedOutput } from '../../src/sdk/merchant/index.ts'
import { matchPayments } from '../../src/sdk/merchant/matchPayments.ts'
import { readMempool } from '../../src/sdk/merchant/readMempool.ts'
import { createNodeClient } from '../../src/sdk/nodeClient.ts'
import type { InvoiceRow, PaymentRow } from '../../src/sdk/merchant/openMerchantStore.ts'
import { scanBatches } from '../../src/sdk/merchant/scanBatches.ts'
import { scanMempool } from '../../src/sdk/merchant/scanMempool.ts'
import type { SyncedBatch } from '../../src/settlement/syncFromL1.ts'
import { asMempool, emptyChain, merchantKeys, payment, startMempoolNode, unitMerchantOptions } from '../helpers/merchant.ts'

// Trial decryption and matching, without a chain: one x25519 per transaction, mempool
// transactions decrypted once, malformed outputs ignored, and matching as a pure function.

let keys: ReturnType<typeof merchantKeys>
let key: PaymentKey
const now = 1_800_000_000_000

beforeAll(async () => {
  await initCrypto()
  keys = merchantKeys()
  key = { vsk: keys.vsk, ownerPk: keys.ownerPk }
})

/** Counts x25519 key agreements (ECDH) from here on; the primitives are restored after each test. */
const real = getPrimitives()
function countKeyAgreements(): () => number {
  let n = 0
  setPrimitives({
    ...real,
    x25519(scalar, point) {
      n++
      return real.x25519(scalar, point)
    },
  })
  return () => n
}
afterEach(() => setPrimitives(real))

describe('decryptOutputs', () => {
  it('behavior: one key agreement per transaction, not per output; an output given twice is decrypted once', () => {
    const a = payment(keys, { amount: 10n, memo: 'inv_aaaaaaaaaaaa' }).mempool()
    const b = payment(keys, { amount: 20n }).mempool()
    const stranger = payment(merchantKeys(8), { amount: 30n }).mempool()
    const ecdh = countKeyAgreements()
    // Interleaved and out of order: outputs are grouped by their transaction's key wherever they are.
    const found = decryptOutputs(key, [b[2]!, ...a, ...stranger, b[0]!, b[1]!, a[0]!])
    expect(ecdh()).toBe(3)
    expect(found.map((f) => [f.output.txId, f.output.outputIndex, f.decrypted.note.amount])).toEqual([
      [a[0]!.txId, 0, 10n],
      [b[0]!.txId, 0, 20n],
      [a[0]!.txId, 0, 10n],
    ])
  })

  it('behavior: payments only — the change and fee outputs of the same transaction, and zero-amount padding, are none', () => {
    const pay = payment(keys, { amount: 10n })
    expect(decryptOutputs(key, pay.mempool()).map((f) => f.output.outputIndex)).toEqual([0])
    expect(decryptOutputs(key, payment(keys, { amount: 0n }).mempool())).toEqual([])
  })

  it('behavior: two different outputs claiming one index under one key are both tried (a hostile source cannot hide the real one)', () => {
    const [real0] = payment(keys, { amount: 10n }).mempool()
    const forged = { ...real0!, ciphertext: new Uint8Array((real0!.ciphertext as Uint8Array).length) }
    const ecdh = countKeyAgreements()
    expect(decryptOutputs(key, [forged, real0!]).map((f) => f.output)).toEqual([real0])
    expect(ecdh()).toBe(2)
  })

  it('error: a malformed output is an error naming its field, or ignored (not an error) with malformed: skip', () => {
    const [good, change] = payment(keys, { amount: 10n }).mempool()
    const bad: [Partial<ObservedOutput>, string][] = [
      [{ epk: '0x1234' }, 'epk'],
      [{ epk: 'not hex' as Hex }, 'epk'],
      [{ ciphertext: '0xzz' as Hex }, 'ciphertext'],
      // Not the 214 bytes the contract takes: no payment, refused before any key agreement.
      [{ ciphertext: `0x${'00'.repeat(213)}` as Hex }, 'ciphertext'],
      [{ commitment: 'nope' as Hex }, 'commitment'],
      [{ outputIndex: 255 }, 'outputIndex'],
      [{ outputIndex: -1 }, 'outputIndex'],
    ]
    for (const [fields, parameter] of bad) {
      expect(() => decryptOutputs(key, [{ ...good!, ...fields }]), parameter).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER', parameter }))
    }
    // In the same transaction as a good output: the good one is still found, with one key agreement.
    const ecdh = countKeyAgreements()
    const outputs = [...bad.map(([fields]) => ({ ...change!, ...fields })), { ...change!, ciphertext: `0x${'00'.repeat(214)}` as Hex }, good!]
    expect(decryptOutputs(key, outputs, { malformed: 'skip' }).map((f) => f.output)).toEqual([good])
    // A well-formed but undecryptable output at the change's index shares the transaction's key agreement.
    expect(ecdh()).toBe(1)
  })
})

describe('scanMempool', () => {
  it('behavior: a transaction seen at the previous scan is not decrypted again, and still gives its payment; the memory keeps only what the last read listed', () => {
    const a = asMempool(payment(keys, { amount: 10n, memo: 'inv_aaaaaaaaaaaa' }).mempool())
    const b = asMempool(payment(merchantKeys(8), { amount: 20n }).mempool())
    const c = asMempool(payment(keys, { amount: 30n }).mempool())
    const ecdh = countKeyAgreements()
    const first = scanMempool(key, [a, b])
    expect([ecdh(), first.found.map((f) => f.decrypted.note.amount)]).toEqual([2, [10n]])
    const second = scanMempool(key, [a, b, c], first.scan)
    expect([ecdh(), second.found.map((f) => f.decrypted.note.amount)]).toEqual([3, [10n, 30n]])
    // a and b left the mempool (settled): forgotten, so the memory is bounded by one read.
    const third = scanMempool(key, [c], second.scan)
    expect([ecdh(), third.found.length, third.scan.size]).toEqual([3, 1, 1])
    // Back in the mempool (a reorg returned it to the node): decrypted again.
    expect(scanMempool(key, [a, c], third.scan).found.map((f) => f.decrypted.note.amount)).toEqual([10n, 30n])
    expect(ecdh()).toBe(4)
  })

  it('error: malformed entries are ignored, not errors', () => {
    const good = asMempool(payment(keys, { amount: 10n }).mempool())
    const found = scanMempool(key, [
      { ...good, id: 'tx_bad_epk', epk: '0x1234' },
      { ...good, id: 'tx_bad_ciphertexts', ciphertexts: good.ciphertexts.map(() => '0x00' as Hex) },
      good,
    ]).found
    expect(found.map((f) => f.output.txId)).toEqual([good.id])
  })
})

describe('scanBatches', () => {
  it('behavior: one key agreement per transaction of a batch; payments are dated by their block, read only for batches holding one', async () => {
    const toBatch = (blockNumber: bigint, pays: ReturnType<typeof payment>[]) =>
      ({
        blockNumber,
        blockHash: `0x${'bb'.repeat(32)}`,
        l1TxHash: `0x${'cc'.repeat(32)}`,
        transactions: pays.map((p, t) => {
          const os = p.mempool()
          return { leafIndex: 64 + 3 * t, commitments: os.map((o) => o.commitment), epk: bytesToHex(os[0]!.epk as Uint8Array), ciphertexts: os.map((o) => bytesToHex(o.ciphertext as Uint8Array)) }
        }),
      }) as unknown as SyncedBatch
    const blocks: bigint[] = []
    const client = { getBlock: async ({ blockNumber }: { blockNumber: bigint }) => (blocks.push(blockNumber), { timestamp: 1_700_000_000n + blockNumber }) } as unknown as PublicClient
    const others = toBatch(5n, [payment(merchantKeys(8), { amount: 1n }), payment(merchantKeys(9), { amount: 2n })])
    const mine = toBatch(6n, [payment(merchantKeys(8), { amount: 3n }), payment(keys, { amount: 4n })])
    const ecdh = countKeyAgreements()
    const found = await scanBatches(client, key, [others, mine])
    expect(ecdh()).toBe(4)
    expect(blocks).toEqual([6n])
    expect(found.map((f) => [f.decrypted.note.amount, f.output.leafIndex, f.output.blockNumber, f.output.timestamp])).toEqual([[4n, 67, 6n, 1_700_000_006_000]])
  })
})

describe('matchPayments', () => {
  const invoice = { id: 'inv_aaaaaaaaaaaa', asset: '0x0000000000000000000000000000000000000000' } as InvoiceRow
  const invoiceOf = (id: string) => (id === invoice.id ? invoice : undefined)

  it('default: a new payment counts towards the invoice its memo names; sequenced then settled in one pass is one payment, then settled', () => {
    const pay = payment(keys, { amount: 10n, memo: `${invoice.id} thanks` })
    const found = decryptOutputs(key, [...pay.mempool(), ...pay.settle(7n, { timestamp: now - 5 })])
    const { changes, touched } = matchPayments(found, { now, paymentOf: () => undefined, invoiceOf })
    const commitment = toHex32(pay.commitment)
    expect(changes).toEqual([
      {
        type: 'insert',
        payment: { commitment, invoiceId: invoice.id, match: 'counted', amount: '10', asset: invoice.asset, memo: `${invoice.id} thanks`, txId: expect.stringMatching(/^tx_/), seenAt: now, leafIndex: null, blockNumber: null, l1TxHash: null },
      },
      { type: 'settle', commitment, leafIndex: 64, blockNumber: 7n, l1TxHash: `0x${'ab'.repeat(32)}` },
    ])
    expect([...touched]).toEqual([invoice.id])
  })

  it('behavior: a recorded payment is not recorded again; one a reorg orphaned counts again when seen; the wrong asset, an unknown id and no id are recorded for no invoice', () => {
    const seen = payment(keys, { amount: 10n, memo: invoice.id })
    const orphaned = payment(keys, { amount: 10n, memo: invoice.id })
    const rows = new Map<string, PaymentRow>([
      [toHex32(seen.commitment), { invoiceId: invoice.id, blockNumber: null, orphanedAt: null } as PaymentRow],
      [toHex32(orphaned.commitment), { invoiceId: invoice.id, blockNumber: null, orphanedAt: now - 1 } as PaymentRow],
    ])
    const strays = [payment(keys, { amount: 1n, memo: invoice.id, asset: 0xaan }), payment(keys, { amount: 2n, memo: 'inv_zzzzzzzzzzzz' }), payment(keys, { amount: 3n })]
    const found = decryptOutputs(key, [seen, orphaned, ...strays].flatMap((p) => p.mempool()))
    const { changes, touched } = matchPayments(found, { now, paymentOf: (c) => rows.get(c), invoiceOf })
    expect(changes.map((c) => (c.type === 'insert' ? [c.type, c.payment.match, c.payment.invoiceId] : [c.type, c.commitment]))).toEqual([
      ['seenAgain', toHex32(orphaned.commitment)],
      ['insert', 'wrong_asset', invoice.id],
      ['insert', 'unknown_invoice', null],
      ['insert', 'no_invoice_id', null],
    ])
    expect([...touched]).toEqual([invoice.id])
  })
})

describe('Merchant', () => {
  it('behavior: ingest does one key agreement per transaction', async () => {
    const merchant = await createMerchant({ ...unitMerchantOptions(keys), now: () => now })
    try {
      const invoice = await merchant.createInvoice({ amount: 30n, expiresIn: 600 })
      const pays = [payment(keys, { amount: 10n, memo: invoice.id }), payment(keys, { amount: 20n, memo: invoice.id }), payment(merchantKeys(8), { amount: 5n })]
      const ecdh = countKeyAgreements()
      merchant.ingest(pays.flatMap((p) => p.mempool()))
      expect(ecdh()).toBe(3) // for 9 outputs, each of which had its own before
      expect(merchant.getInvoice(invoice.id)).toMatchObject({ state: 'paid', received: 30n })
    } finally {
      await merchant.close()
    }
  })

  it('behavior: sync decrypts a mempool transaction once, however many polls see it; malformed entries are ignored', async () => {
    const node = await startMempoolNode()
    const merchant = await createMerchant({ ...unitMerchantOptions(keys), sequencerUrl: node.url, publicClient: emptyChain(), now: () => now })
    try {
      const invoice = await merchant.createInvoice({ amount: 30n, expiresIn: 600 })
      const first = asMempool(payment(keys, { amount: 10n, memo: invoice.id }).mempool())
      const stranger = asMempool(payment(merchantKeys(8), { amount: 5n }).mempool())
      const second = asMempool(payment(keys, { amount: 20n, memo: invoice.id }).mempool())
      const listed = [first, { id: 'tx_bad', epk: 42 }, { ...stranger, epk: '0x1234' }, stranger]
      node.list(listed)
      const ecdh = countKeyAgreements()
      await merchant.sync()
      expect(ecdh()).toBe(2)
      await merchant.sync()
      await merchant.sync()
      expect(ecdh()).toBe(2)
      expect(merchant.getInvoice(invoice.id)).toMatchObject({ state: 'underpaid', received: 10n })
      node.list([...listed, second])
      const { events } = await merchant.sync()
      expect(ecdh()).toBe(3)
      expect(events.map((e) => e.type)).toEqual(['invoice.paid'])
      expect(merchant.listPayments().map((p) => p.amount)).toEqual([10n, 20n])
    } finally {
      await merchant.close()
      await node.close()
    }
  })
})

describe('readMempool', () => {
  it('error: a page longer than the node serves, and entries with more outputs than a transaction has, are cut to what an honest node could send', async () => {
    const node = await startMempoolNode()
    try {
      const entry = (i: number, outputs = 3) => ({ id: `0x${i.toString(16).padStart(64, '0')}`, epk: `0x${'11'.repeat(32)}`, commitments: Array.from({ length: outputs }, () => `0x${'22'.repeat(32)}`), ciphertexts: Array.from({ length: outputs }, () => `0x${'33'.repeat(214)}`) })
      node.list([entry(0, 4), ...Array.from({ length: 1_000 }, (_, i) => entry(i + 1))])
      const read = await readMempool(createNodeClient(node.url))
      expect(read).toHaveLength(999) // the first 1,000 entries, less the one with 4 outputs
      expect(read[0]!.id).toBe(entry(1).id)
    } finally {
      await node.close()
    }
  })
})

