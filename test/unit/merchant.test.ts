import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseEther } from 'viem'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { encodeAddress } from '../../src/crypto/address.ts'
import { exportViewingKey } from '../../src/crypto/viewingKeys.ts'
import { randomFieldElement } from '../../src/crypto/field.ts'
import { noteCommitment } from '../../src/crypto/note.ts'
import { encryptNotes, type NoteRecipient } from '../../src/crypto/noteEncryption.ts'
import { generateMnemonic } from '../../src/crypto/keys.ts'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import { createMerchant, invoiceEvents, invoiceStatus, type Merchant, type MerchantEvent, parsePaymentUri } from '../../src/sdk/merchant/index.ts'
import { openMerchantStore } from '../../src/sdk/merchant/openMerchantStore.ts'
import { merchantKeys, payment, unitMerchantOptions } from '../helpers/merchant.ts'

let keys: ReturnType<typeof merchantKeys>
const TOKEN = '0x00000000000000000000000000000000000000aa'
let now: number
let merchant: Merchant
let seen: MerchantEvent[]
const dir = mkdtempSync(join(tmpdir(), 'zkpay-merchant-'))

const open = (store?: string) =>
  createMerchant({ ...unitMerchantOptions(keys), now: () => now, confirmations: 3, ...(store ? { store } : {}) })

beforeAll(async () => {
  await initCrypto()
  keys = merchantKeys()
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

beforeEach(async () => {
  now = 1_800_000_000_000
  merchant = await open()
  seen = []
  merchant.on('*', (e) => seen.push(e))
  return () => merchant.close()
})

const types = () => seen.map((e) => e.type)

describe('createMerchant', () => {
  it('default: the address comes from the viewing key; an invoice carries its id in the URI memo', async () => {
    expect(merchant.address).toBe(encodeAddress({ ownerPk: keys.ownerPk, vpk: keys.vpk }, 'testnet'))
    const invoice = await merchant.createInvoice({ amount: parseEther('0.25'), memo: 'Order 1042', expiresIn: 900, label: 'Corner café' })
    expect(invoice.id).toMatch(/^inv_[a-z2-7]{12}$/)
    expect(invoice).toMatchObject({ state: 'open', amount: parseEther('0.25'), memo: `${invoice.id} Order 1042`, expiresAt: now + 900_000, received: 0n })
    expect(invoice.uri).toMatch(/^zkpay:zkpt1[a-z0-9]+\?amount=0\.25&memo=[A-Za-z0-9_-]+&label=Corner%20caf%C3%A9$/)
    expect(parsePaymentUri(invoice.uri)).toMatchObject({ address: merchant.address, amount: parseEther('0.25'), memo: invoice.memo, label: 'Corner café' })
    expect(invoice.qr.svg).toMatch(/^<svg /)
    expect(merchant.getInvoice(invoice.id)).toEqual(invoice)
    expect(merchant.listInvoices().map((i) => i.id)).toEqual([invoice.id])
  })

  it('behavior: watch-only — it holds no spending key and has no operation that moves money', async () => {
    const methods = Object.getOwnPropertyNames(Object.getPrototypeOf(merchant)).filter((m) => m !== 'constructor').sort()
    expect(methods).toEqual(
      [
        'close',
        'createApiKey',
        'createInvoice',
        'deliverWebhooks',
        'getInvoice',
        'hasApiKeys',
        'ingest',
        'listApiKeys',
        'listEvents',
        'listInvoicePage',
        'listInvoices',
        'listPayments',
        'on',
        'revokeApiKey',
        'stop',
        'sync',
        'verifyApiKey',
        'viewingKeyKind',
        'watch',
      ].sort(),
    )
    expect(merchant.viewingKeyKind).toBe('incoming')
    // Nothing reachable from the object holds the spending key's bytes or its value.
    const spendingKey = keys.sk.toString(16)
    const reachable = JSON.stringify(merchant, (_k, v) => (typeof v === 'bigint' ? v.toString(16) : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v))
    expect(reachable).not.toContain(spendingKey)
    expect(Object.keys(merchant)).toEqual(['address'])
    // It is built from a viewing key only: a mnemonic, or a missing key, is refused.
    await expect(createMerchant({ ...unitMerchantOptions(keys), viewingKey: generateMnemonic() })).rejects.toMatchObject({ code: 'VIEWING_KEY_INVALID' })
    await expect(createMerchant({ ...unitMerchantOptions(keys), viewingKey: undefined as unknown as string })).rejects.toMatchObject({ code: 'INVALID_PARAMETER', parameter: 'viewingKey' })
    const full = await createMerchant({ ...unitMerchantOptions(keys), viewingKey: exportViewingKey(keys, 'full', 'testnet') })
    expect(full.address).toBe(merchant.address)
    await full.close()
  })

  it('error: bad invoice parameters name the parameter', async () => {
    const bad = async (p: Record<string, unknown>, parameter: string) =>
      expect(merchant.createInvoice({ amount: 1n, expiresIn: 60, ...p } as never)).rejects.toMatchObject({ code: 'INVALID_PARAMETER', parameter })
    await bad({ amount: 0n }, 'amount')
    await bad({ amount: 10 }, 'amount')
    await bad({ expiresIn: 0 }, 'expiresIn')
    await bad({ asset: '0x1234' }, 'asset')
    await bad({ memo: 'x'.repeat(112) }, 'memo')
    await bad({ memo: 'é'.repeat(56) }, 'memo') // 112 bytes of UTF-8 in 56 characters
    await expect(merchant.createInvoice({ amount: 1n, expiresIn: 60, memo: 'x'.repeat(111) })).resolves.toMatchObject({ state: 'open' })
    expect(() => merchant.getInvoice('inv_aaaaaaaaaaaa')).toThrow(expect.objectContaining({ code: 'INVOICE_NOT_FOUND' }))
  })
})

describe('invoice states', () => {
  it('default: open → paid (sequenced) → settled (L1 batch) → final (confirmations blocks on top)', async () => {
    const invoice = await merchant.createInvoice({ amount: 100n, expiresIn: 60 })
    const pay = payment(keys, { amount: 100n, memo: invoice.memo })
    merchant.ingest(pay.mempool(), { tipBlock: 10n })
    expect(merchant.getInvoice(invoice.id)).toMatchObject({ state: 'paid', received: 100n, overpaid: false })
    expect(merchant.getInvoice(invoice.id).payments).toMatchObject([{ status: 'sequenced', txId: expect.stringMatching(/^tx_/), match: 'counted' }])
    merchant.ingest(pay.settle(11n), { tipBlock: 11n })
    expect(merchant.getInvoice(invoice.id).state).toBe('settled')
    expect(merchant.getInvoice(invoice.id).payments).toMatchObject([{ status: 'settled', blockNumber: 11n, leafIndex: 64 }])
    merchant.ingest([], { tipBlock: 12n })
    expect(merchant.getInvoice(invoice.id).state).toBe('settled') // one block on top, two needed
    merchant.ingest([], { tipBlock: 13n })
    expect(merchant.getInvoice(invoice.id).state).toBe('final')
    expect(types()).toEqual(['invoice.paid', 'invoice.settled', 'invoice.final'])
    expect(seen.map((e) => e.invoice.state)).toEqual(['paid', 'settled', 'final'])
    // Seeing it all again changes nothing, and the clock passing expiry does not expire a paid invoice.
    now += 3_600_000
    merchant.ingest([...pay.mempool(), ...pay.settle(11n)], { tipBlock: 20n })
    expect(types()).toHaveLength(3)
    expect(merchant.getInvoice(invoice.id).state).toBe('final')
  })

  it('behavior: underpaid, then a second payment completes it; the two add up', async () => {
    const invoice = await merchant.createInvoice({ amount: 100n, expiresIn: 60 })
    merchant.ingest(payment(keys, { amount: 30n, memo: invoice.id }).mempool())
    expect(merchant.getInvoice(invoice.id)).toMatchObject({ state: 'underpaid', received: 30n })
    merchant.ingest(payment(keys, { amount: 70n, memo: `${invoice.id} rest` }).mempool())
    expect(merchant.getInvoice(invoice.id)).toMatchObject({ state: 'paid', received: 100n, overpaid: false })
    expect(types()).toEqual(['invoice.underpaid', 'invoice.paid'])
  })

  it('behavior: settled needs the settled payments to cover the amount, not only one of them', async () => {
    const invoice = await merchant.createInvoice({ amount: 100n, expiresIn: 60 })
    const a = payment(keys, { amount: 60n, memo: invoice.id })
    const b = payment(keys, { amount: 40n, memo: invoice.id })
    merchant.ingest([...a.mempool(), ...b.mempool()], { tipBlock: 5n })
    merchant.ingest(a.settle(6n), { tipBlock: 6n })
    expect(merchant.getInvoice(invoice.id).state).toBe('paid')
    merchant.ingest(b.settle(7n), { tipBlock: 7n })
    expect(merchant.getInvoice(invoice.id).state).toBe('settled')
    merchant.ingest([], { tipBlock: 8n })
    expect(merchant.getInvoice(invoice.id).state).toBe('settled') // b is one block deep
    merchant.ingest([], { tipBlock: 9n })
    expect(merchant.getInvoice(invoice.id).state).toBe('final')
  })

  it('behavior: overpaid is flagged with its own event and still settles', async () => {
    const invoice = await merchant.createInvoice({ amount: 100n, expiresIn: 60 })
    const pay = payment(keys, { amount: 150n, memo: invoice.id })
    merchant.ingest(pay.mempool())
    expect(merchant.getInvoice(invoice.id)).toMatchObject({ state: 'paid', received: 150n, overpaid: true })
    merchant.ingest(pay.settle(3n), { tipBlock: 3n })
    expect(merchant.getInvoice(invoice.id)).toMatchObject({ state: 'settled', overpaid: true })
    expect(types()).toEqual(['invoice.paid', 'invoice.overpaid', 'invoice.settled'])
  })

  it('behavior: a payment on top of a paid invoice makes it overpaid', async () => {
    const invoice = await merchant.createInvoice({ amount: 100n, expiresIn: 60 })
    merchant.ingest(payment(keys, { amount: 100n, memo: invoice.id }).mempool())
    merchant.ingest(payment(keys, { amount: 1n, memo: invoice.id }).mempool())
    expect(merchant.getInvoice(invoice.id)).toMatchObject({ state: 'paid', received: 101n, overpaid: true })
    expect(types()).toEqual(['invoice.paid', 'invoice.overpaid'])
  })

  it('behavior: an open invoice expires at expiresAt; a payment after that makes it late, and each late payment is an event', async () => {
    const invoice = await merchant.createInvoice({ amount: 100n, expiresIn: 60 })
    now += 59_999
    merchant.ingest([])
    expect(merchant.getInvoice(invoice.id).state).toBe('open')
    now += 1
    merchant.ingest([])
    expect(merchant.getInvoice(invoice.id).state).toBe('expired')
    merchant.ingest(payment(keys, { amount: 100n, memo: invoice.id }).mempool())
    expect(merchant.getInvoice(invoice.id)).toMatchObject({ state: 'late', received: 100n })
    merchant.ingest(payment(keys, { amount: 5n, memo: invoice.id }).mempool())
    expect(merchant.getInvoice(invoice.id)).toMatchObject({ state: 'late', received: 105n })
    expect(types()).toEqual(['invoice.expired', 'invoice.late', 'invoice.late'])
    expect(new Set(seen.map((e) => e.id)).size).toBe(3)
  })

  it('behavior: an underpaid invoice expires too, and a payment that completes it after expiry is late, not paid', async () => {
    const invoice = await merchant.createInvoice({ amount: 100n, expiresIn: 60 })
    merchant.ingest(payment(keys, { amount: 40n, memo: invoice.id }).mempool())
    now += 61_000
    merchant.ingest(payment(keys, { amount: 60n, memo: invoice.id }).mempool())
    expect(merchant.getInvoice(invoice.id)).toMatchObject({ state: 'late', received: 100n })
    expect(types()).toEqual(['invoice.underpaid', 'invoice.expired', 'invoice.late'])
  })

  it('behavior: a payment first seen on L1 after expiry counts at its block time; skipped milestones are all emitted in order', async () => {
    const invoice = await merchant.createInvoice({ amount: 100n, expiresIn: 60 })
    const pay = payment(keys, { amount: 100n, memo: invoice.id })
    const blockTime = now + 30_000
    now += 3_600_000 // the merchant was offline until long after expiry
    merchant.ingest(pay.settle(4n, { timestamp: blockTime }), { tipBlock: 10n })
    expect(merchant.getInvoice(invoice.id).state).toBe('final')
    expect(types()).toEqual(['invoice.paid', 'invoice.settled', 'invoice.final'])
  })

  it('behavior: when a reorg takes a settlement back, settled goes back to paid (still sequenced) or open, with invoice.unsettled; it does not expire meanwhile; final never goes back', () => {
    const base = { amount: 100n, expiresAt: 1_000, now: 500, tipBlock: 20n, confirmations: 3 }
    const sequenced = { commitment: '0x01', amount: 100n, seenAt: 100, blockNumber: null }
    const settled = { state: 'settled' as const, received: 100n, overpaid: false }
    const paid = invoiceStatus({ ...base, previous: 'settled', payments: [sequenced] })
    expect(paid).toEqual({ state: 'paid', received: 100n, overpaid: false })
    expect(invoiceEvents(settled, paid, [])).toEqual([{ type: 'invoice.unsettled', key: '' }])
    // Not seen anywhere: nothing counts; past its expiry it waits for the payment instead of expiring.
    const gone = invoiceStatus({ ...base, now: 2_000, previous: 'settled', payments: [], waiting: true })
    expect(gone).toEqual({ state: 'open', received: 0n, overpaid: false })
    expect(invoiceEvents(settled, gone, [])).toEqual([{ type: 'invoice.unsettled', key: '' }])
    expect(invoiceStatus({ ...base, now: 2_000, previous: 'open', payments: [] }).state).toBe('expired')
    // Seen again and settled again: the milestones come again.
    expect(invoiceEvents(gone, settled, [])).toEqual([
      { type: 'invoice.paid', key: '' },
      { type: 'invoice.settled', key: '' },
    ])
    expect(invoiceStatus({ ...base, previous: 'final', payments: [sequenced] }).state).toBe('final')
    expect(invoiceStatus({ ...base, previous: 'final', payments: [], waiting: true }).state).toBe('final')
  })

  it('error: the store refuses to take back the payment of a final invoice (REORG_TOO_DEEP); a settled one becomes orphaned and counts for nothing', async () => {
    const path = join(dir, 'reorg.db')
    const shop = await createMerchant({ ...unitMerchantOptions(keys), now: () => now, confirmations: 3, store: path })
    const done = await shop.createInvoice({ amount: 100n, expiresIn: 60 })
    const pending = await shop.createInvoice({ amount: 100n, expiresIn: 60 })
    shop.ingest(payment(keys, { amount: 100n, memo: done.memo }).settle(11n), { tipBlock: 13n })
    shop.ingest(payment(keys, { amount: 100n, memo: pending.memo }).settle(13n), { tipBlock: 13n })
    expect([shop.getInvoice(done.id).state, shop.getInvoice(pending.id).state]).toEqual(['final', 'settled'])
    await shop.close()
    const store = openMerchantStore(path)
    expect(() => store.rollback('l1', { fromBlock: 11n, hash: null, now })).toThrow(expect.objectContaining({ code: 'REORG_TOO_DEEP', block: 11n }))
    expect(store.getCursor('l1')).toBeUndefined()
    store.rollback('l1', { fromBlock: 12n, hash: `0x${'ab'.repeat(32)}`, now })
    expect(store.getCursor('l1')).toEqual({ block: 12n, hash: `0x${'ab'.repeat(32)}` })
    store.close()
    const reopened = await createMerchant({ ...unitMerchantOptions(keys), now: () => now, confirmations: 3, store: path })
    expect(reopened.getInvoice(pending.id).payments).toMatchObject([{ status: 'orphaned', blockNumber: null }])
    expect(reopened.getInvoice(done.id).payments).toMatchObject([{ status: 'settled', blockNumber: 11n }])
    const events: MerchantEvent[] = []
    reopened.on('*', (e) => events.push(e))
    reopened.ingest([], { tipBlock: 14n })
    expect(reopened.getInvoice(pending.id)).toMatchObject({ state: 'open', received: 0n })
    expect(events.map((e) => [e.type, e.invoice.id])).toEqual([['invoice.unsettled', pending.id]])
    await reopened.close()
  })

  it('behavior: the wrong asset, an unknown invoice id and no memo are recorded but pay no invoice', async () => {
    const invoice = await merchant.createInvoice({ amount: 100n, expiresIn: 60, asset: TOKEN, decimals: 6 })
    expect(invoice.uri).toContain('amount=0.0001&asset=0x00000000000000000000000000000000000000AA')
    merchant.ingest([
      ...payment(keys, { amount: 100n, memo: invoice.id }).mempool(), // ETH, not the token
      ...payment(keys, { amount: 100n, memo: 'inv_zzzzzzzzzzzz' }).mempool(),
      ...payment(keys, { amount: 100n }).mempool(),
      ...payment(keys, { amount: 100n, memo: `${invoice.id}x` }).mempool(), // not followed by a space or the end
    ])
    expect(merchant.getInvoice(invoice.id)).toMatchObject({ state: 'open', received: 0n })
    expect(merchant.listPayments().map((p) => [p.match, p.invoiceId])).toEqual([
      ['wrong_asset', invoice.id],
      ['unknown_invoice', null],
      ['no_invoice_id', null],
      ['no_invoice_id', null],
    ])
    expect(seen).toEqual([])
    merchant.ingest(payment(keys, { amount: 100n, memo: invoice.id, asset: BigInt(TOKEN) }).mempool())
    expect(merchant.getInvoice(invoice.id).state).toBe('paid')
  })

  it('behavior: outputs for someone else and the change output are ignored', async () => {
    const invoice = await merchant.createInvoice({ amount: 100n, expiresIn: 60 })
    const other = merchantKeys(8)
    merchant.ingest(payment(other, { amount: 100n, memo: invoice.id }).mempool())
    expect(merchant.listPayments()).toEqual([])
    // An output presented at the wrong index does not decrypt (its key depends on the index).
    const [first] = payment(keys, { amount: 100n, memo: invoice.id }).mempool()
    merchant.ingest([{ ...first!, outputIndex: 1 }])
    expect(merchant.getInvoice(invoice.id).state).toBe('open')
  })

  it("behavior: the account's notes to itself (change, a deposit) are no payments, with the incoming or the full viewing key", async () => {
    const invoice = await merchant.createInvoice({ amount: 100n, expiresIn: 60 })
    const stranger = merchantKeys(8)
    // The merchant's own account pays a stranger, keeps 100 as change and pays a node's fee, with
    // the invoice id as memo so that a merchant reading it would count it; then deposits 100 (and
    // two zero pads: no change, and a node that charges nothing).
    const own = (amounts: bigint[], recipients: NoteRecipient[], owners: bigint[]) => {
      const notes = amounts.map((amount, i) => ({ asset: 0n, amount, ownerPk: owners[i]!, blinding: randomFieldElement() }))
      const { epk, ciphertexts } = encryptNotes(
        notes.map((note) => ({ note, memo: invoice.id })),
        recipients,
      )
      return notes.map((note, i) => ({ source: 'mempool' as const, txId: `tx_own_${amounts.join('_')}`, outputIndex: i, commitment: noteCommitment(note), epk, ciphertext: ciphertexts[i]! }))
    }
    const internal = { internalKey: keys.internalKey }
    const operator = merchantKeys(9)
    const spend = own([5n, 100n, 1n], [stranger.vpk, internal, operator.vpk], [stranger.ownerPk, keys.ownerPk, operator.ownerPk])
    const deposit = own([100n, 0n, 0n], [internal, internal, internal], [keys.ownerPk, keys.ownerPk, keys.ownerPk])
    const fvkMerchant = await createMerchant({ ...unitMerchantOptions(keys), viewingKey: exportViewingKey(keys, 'full', 'testnet'), now: () => now })
    try {
      for (const m of [merchant, fvkMerchant]) {
        m.ingest([...spend, ...deposit])
        expect(m.listPayments()).toEqual([])
      }
      expect(fvkMerchant.viewingKeyKind).toBe('full')
      expect(merchant.getInvoice(invoice.id).state).toBe('open')
      // The same note sent to the address is a payment: the outputs above were readable in form.
      const paid = own([100n], [keys.vpk], [keys.ownerPk])
      merchant.ingest(paid)
      expect(merchant.getInvoice(invoice.id)).toMatchObject({ state: 'paid', received: 100n })
    } finally {
      await fvkMerchant.close()
    }
  })

  it('error: malformed observed outputs name the bad field', () => {
    const [first] = payment(keys, { amount: 1n }).mempool()
    expect(() => merchant.ingest([{ ...first!, source: 'p2p' as never }])).toThrow(expect.objectContaining({ parameter: 'outputs[0].source' }))
    expect(() => merchant.ingest([{ ...first!, source: 'l1' }])).toThrow(expect.objectContaining({ parameter: 'outputs[0]' }))
    expect(() => merchant.ingest([{ ...first!, epk: '0x1234' }])).toThrow(expect.objectContaining({ parameter: 'epk' }))
  })

  it('behavior: a restarted merchant keeps its invoices and payments, and re-seeing everything gives no event twice nor a new id', async () => {
    const store = join(dir, 'restart.db')
    const first = await open(store)
    const invoice = await first.createInvoice({ amount: 100n, expiresIn: 60 })
    const pay = payment(keys, { amount: 100n, memo: invoice.id })
    first.ingest(pay.mempool())
    const before = first.listEvents().map((e) => [e.id, e.type])
    await first.close()

    const second = await open(store)
    const again: MerchantEvent[] = []
    second.on('*', (e) => again.push(e))
    second.ingest([...pay.mempool(), ...pay.mempool()])
    expect(again).toEqual([])
    second.ingest(pay.settle(2n), { tipBlock: 2n })
    expect(second.getInvoice(invoice.id).state).toBe('settled')
    expect(second.listEvents().map((e) => [e.id, e.type])).toEqual([...before, [again[0]!.id, 'invoice.settled']])
    expect(before).toEqual([[expect.stringMatching(/^evt_[a-z2-7]{16}$/), 'invoice.paid']])
    await second.close()
    expect(() => second.listInvoices()).toThrow(expect.objectContaining({ code: 'MERCHANT_CLOSED' }))
  })
})
