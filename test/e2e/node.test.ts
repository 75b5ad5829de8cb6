import { zeroAddress } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { batchEventSchema, batchSchema, statusSchema, transactionStatusSchema } from '../../src/api/schemas.ts'
import { type ShieldedTransaction, terminateProver, type TransactionJson, toTransactionJson } from '../../src/circuits/index.ts'
import { encodeAddress } from '../../src/crypto/address.ts'
import { extDataHash } from '../../src/crypto/extData.ts'
import { FIELD_SIZE, randomFieldElement, toHex32 } from '../../src/crypto/field.ts'
import { deriveKeys } from '../../src/crypto/keys.ts'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import type { FeePolicy } from '../../src/sequencer/fees.ts'
import { transactionId } from '../../src/sequencer/Admission.ts'
import { deposit } from '../../src/settlement/deposit.ts'
import { readRollupState } from '../../src/settlement/readRollupState.ts'
import { syncFromL1 } from '../../src/settlement/syncFromL1.ts'
import { startTestNode, type TestNode } from '../helpers/node.ts'
import { parseExposition, sample } from '../helpers/prometheus.ts'
import { Actor, type Devnet, MerkleTree, startDevnet } from '../helpers/rollup.ts'

// The operator node on a real anvil with real proofs: admission through the HTTP API (every
// rejection code), batching, proving, posting and settlement, double spends racing each other.

let devnet: Devnet
let node: TestNode
let alice: Actor
let bob: Actor
let tree: MerkleTree
let depositTx: ShieldedTransaction
let aliceNote: { note: ReturnType<Actor['note']>; leafIndex: number }
let spends: ShieldedTransaction[]

const json = (tx: ShieldedTransaction) => toTransactionJson(tx)
const request = (body: unknown, app = node.app) =>
  app.request('/v1/transactions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) })
async function expectRejected(body: unknown, status: number, code: string, app = node.app) {
  const res = await request(body, app)
  const payload = (await res.json()) as { code: string; message: string }
  expect({ status: res.status, code: payload.code }).toEqual({ status, code })
  expect(payload.message).toMatch(/\.$/)
}
/** A copy with the ext data changed and its hash recomputed, so only the intended check fails. */
function rehashed(tx: ShieldedTransaction, extData: Partial<ShieldedTransaction['extData']>, change: Partial<ShieldedTransaction> = {}): TransactionJson {
  const out = { ...tx, ...change, extData: { ...tx.extData, ...extData } }
  return json({ ...out, extDataHash: extDataHash(out.extData) })
}

beforeAll(async () => {
  await initCrypto()
  devnet = await startDevnet()
  node = await startTestNode(devnet)
  alice = new Actor(1)
  bob = new Actor(2)
  tree = new MerkleTree()
})

afterAll(async () => {
  await node?.stop()
  await devnet?.stop()
  await terminateProver()
})

/** A typed client answer that must be a 200, and its typed body. */
async function okBody<R extends { status: number; json(): Promise<unknown> }>(res: R): Promise<Awaited<ReturnType<Extract<R, { status: 200 }>['json']>>> {
  expect(res.status).toBe(200)
  return (await res.json()) as Awaited<ReturnType<Extract<R, { status: 200 }>['json']>>
}

describe('operator node', () => {
  it('default: a deposit is admitted once escrowed, batched, proven, posted and settled; wallets read its notes', async () => {
    const made = await alice.transact(tree, { asset: 0n, extAmount: 1000n })
    depositTx = made.tx
    await expectRejected(json(depositTx), 400, 'DEPOSIT_NOT_ESCROWED')
    await deposit(devnet.accounts[1]!, { rollup: devnet.rollup, asset: zeroAddress, amount: 1000n, extDataHash: depositTx.extDataHash, commitments: depositTx.commitments })

    const { status, body } = await node.post(json(depositTx))
    expect(status).toBe(202)
    expect(body).toMatchObject({ status: 'pending' })
    const mempool = await okBody(await node.client.v1.mempool.$get({ query: {} }))
    expect(mempool).toEqual({
      transactions: [{ id: body.id, status: expect.any(String), commitments: depositTx.commitments.map(toHex32), epk: depositTx.extData.epk, ciphertexts: depositTx.extData.ciphertexts }],
      next: null,
    })
    expect(mempool.transactions[0]!.commitments).toHaveLength(3)
    expect(mempool.transactions[0]!.ciphertexts).toHaveLength(3)
    // A page of one is full: its `next` is the cursor of the page after it, which is empty.
    const page = await okBody(await node.client.v1.mempool.$get({ query: { limit: '1' } }))
    expect(page.transactions.map((t) => t.id)).toEqual([body.id])
    expect(page.next).toEqual(expect.any(Number))
    expect(await okBody(await node.client.v1.mempool.$get({ query: { after: String(page.next), limit: '1' } }))).toEqual({ transactions: [], next: null })
    const settled = await node.waitFor(body.id!, ['settled', 'final'])
    expect(await okBody(await node.client.v1.mempool.$get({ query: {} }))).toEqual({ transactions: [], next: null })
    expect(['settled', 'final']).toContain(settled.status)

    const { currentRoot, nextLeafIndex } = await readRollupState(devnet.publicClient, { rollup: devnet.rollup })
    const status2 = await okBody(await node.client.v1.status.$get())
    expect(status2).toMatchObject({ root: toHex32(currentRoot), leafCount: Number(nextLeafIndex), l1: { ok: true }, fees: null })
    const notes = await okBody(await node.client.v1.notes.$get({ query: { from: '0' } }))
    // Payment (here alice's own note), change and the fee output (a zero note: this node charges nothing).
    expect(notes.notes.map((n) => [n.leafIndex, n.commitment])).toEqual([
      [0, toHex32(depositTx.commitments[0])],
      [1, toHex32(depositTx.commitments[1])],
      [2, toHex32(depositTx.commitments[2])],
    ])
    expect(notes.notes.map((n) => n.ciphertext)).toEqual([...depositTx.extData.ciphertexts])
    await syncFromL1(devnet.publicClient, { rollup: devnet.rollup, fromBlock: devnet.deployBlock, tree })
    expect(tree.root).toBe(currentRoot)
    aliceNote = { note: made.change, leafIndex: 1 }
    const batch = await okBody(await node.client.v1.batches[':number'].$get({ param: { number: '1' } }))
    expect(batch).toMatchObject({ state: expect.stringMatching(/settled|final/), transactions: [{ id: body.id }] })
    // The answers are those /openapi.json documents (its schemas are these).
    batchSchema.parse(batch)
    statusSchema.parse(status2)
    transactionStatusSchema.parse(await okBody(await node.client.v1.transactions[':id'].$get({ param: { id: body.id! } })))
  })

  it('behavior: of 20 concurrent submissions spending one note, exactly one is admitted', async () => {
    spends = []
    for (let i = 0; i < 3; i++) spends.push((await alice.transact(tree, { asset: 0n, inputs: [aliceNote], pay: { to: bob, amount: 100n + BigInt(i) } })).tx)
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => node.post(json(spends[i % 3]!))))
    const admitted = results.filter((r) => r.status === 202)
    expect(admitted).toHaveLength(1)
    expect(new Set(results.filter((r) => r.status !== 202).map((r) => `${r.status} ${r.body.code}`))).toEqual(
      new Set(['409 NULLIFIER_PENDING', '409 TRANSACTION_KNOWN']),
    )
    await node.waitFor(admitted[0]!.body.id!, ['settled', 'final'])
  })

  it('error: every admission check answers 4xx with its code and a sentence, never 500', async () => {
    // The note is spent on L1 now: the two that lost the race are double spends.
    const replies = await Promise.all(spends.map((s) => request(json(s))))
    const codes = await Promise.all(replies.map(async (r) => `${r.status} ${((await r.json()) as { code: string }).code}`))
    expect(codes.sort()).toEqual(['400 NULLIFIER_SPENT', '400 NULLIFIER_SPENT', '409 TRANSACTION_KNOWN'].sort())

    await expectRejected('{ not json', 400, 'INVALID_SCHEMA')
    await expectRejected({ ...json(spends[0]!), root: 'nope' }, 400, 'INVALID_SCHEMA')
    await expectRejected({ ...json(spends[0]!), root: toHex32(FIELD_SIZE) }, 400, 'INVALID_SCHEMA')
    await expectRejected({ ...json(spends[0]!), surprise: 1 }, 400, 'INVALID_SCHEMA')
    await expectRejected({ ...json(spends[0]!), extData: { ...json(spends[0]!).extData, ciphertexts: ['0x00', '0x00', '0x00'] } }, 400, 'INVALID_SCHEMA')
    // Two good ciphertexts, or two commitments, are the old 2-output shape: refused by the schema.
    await expectRejected({ ...json(spends[0]!), extData: { ...json(spends[0]!).extData, ciphertexts: json(spends[0]!).extData.ciphertexts.slice(0, 2) } }, 400, 'INVALID_SCHEMA')
    await expectRejected({ ...json(spends[0]!), commitments: json(spends[0]!).commitments.slice(0, 2) }, 400, 'INVALID_SCHEMA')

    const fresh = (await alice.transact(tree, { asset: 0n, extAmount: 500n })).tx
    await deposit(devnet.accounts[1]!, { rollup: devnet.rollup, asset: zeroAddress, amount: 500n, extDataHash: fresh.extDataHash, commitments: fresh.commitments })
    await expectRejected({ ...json(fresh), root: toHex32(randomFieldElement()) }, 400, 'UNKNOWN_ROOT')
    await expectRejected({ ...json(fresh), extDataHash: toHex32(fresh.extDataHash ^ 1n) }, 400, 'EXT_DATA_MISMATCH')
    await expectRejected(rehashed(fresh, { fee: 1n << 128n }), 400, 'AMOUNT_OUT_OF_RANGE')
    await expectRejected({ ...json(fresh), publicAmount: toHex32(fresh.publicAmount + 1n) }, 400, 'PUBLIC_AMOUNT_MISMATCH')
    await expectRejected(rehashed(fresh, {}, { publicAsset: 1n << 160n }), 400, 'INVALID_ASSET')
    await expectRejected(rehashed(fresh, { extAmount: -500n, recipient: zeroAddress }, { publicAmount: FIELD_SIZE - 500n }), 400, 'INVALID_RECIPIENT')
    // A proof from another transaction: every public check passes, the proof does not.
    await expectRejected({ ...json(fresh), proof: json(depositTx).proof }, 400, 'INVALID_PROOF')
    // A node that charges a fee refuses a transaction whose last output is no fee note to it
    // (here alice's zero note to herself), and names where the fee goes.
    const operator = deriveKeys(new Uint8Array(32).fill(0xfe))
    const fees: FeePolicy = {
      address: encodeAddress({ ownerPk: operator.ownerPk, vpk: operator.vpk }, 'testnet'),
      vsk: operator.vsk,
      ownerPk: operator.ownerPk,
      prices: new Map([[0n, { amount: 1n, decimals: 18 }]]),
    }
    node.sequencer.setFees(fees)
    try {
      await expectRejected(json(fresh), 400, 'FEE_TOO_LOW')
      const refused = (await (await request(json(fresh))).json()) as { message: string }
      expect(refused.message).toContain(fees.address)
      expect(await okBody(await node.client.v1.status.$get())).toMatchObject({ fees: { address: fees.address, prices: [{ asset: zeroAddress, amount: '1', decimals: 18 }] } })
    } finally {
      node.sequencer.setFees(undefined)
    }

    const big = await node.app.request('/v1/transactions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(1024 * 1024 + 1) })
    expect([big.status, ((await big.json()) as { code: string }).code]).toEqual([413, 'PAYLOAD_TOO_LARGE'])
    const missing = await node.app.request('/v1/transactions/0x1234')
    expect([missing.status, ((await missing.json()) as { code: string }).code]).toEqual([404, 'NOT_FOUND'])
    const badBatch = await node.app.request('/v1/batches/zero')
    expect(badBatch.status).toBe(400)
    const noBatch = await node.app.request('/v1/batches/999')
    expect([noBatch.status, ((await noBatch.json()) as { code: string }).code]).toEqual([404, 'NOT_FOUND'])
    const badNotes = await node.app.request('/v1/notes?from=-1')
    expect(badNotes.status).toBe(400)

    // The valid deposit is still admitted after all that.
    const ok = await node.post(json(fresh))
    expect(ok.status).toBe(202)
    await node.waitFor(ok.body.id!, ['settled', 'final'])
  })

  it('default: /metrics, /readyz, /openapi.json and the event stream describe the node; the stream names batches, never a transaction', async () => {
    // Scraped as Prometheus does, after real settled transfers.
    const scraped = await (await node.app.request('/metrics')).text()
    const samples = parseExposition(scraped)
    expect(sample(samples, 'zkpay_transactions_settled_total').value).toBe(3)
    expect(sample(samples, 'zkpay_transactions_rejected_total', { code: 'NULLIFIER_SPENT' }).value).toBe(2)
    expect(sample(samples, 'zkpay_batches_settled_total').value).toBeGreaterThanOrEqual(1)
    expect(sample(samples, 'zkpay_admission_duration_seconds_count', { outcome: 'admitted' }).value).toBeGreaterThanOrEqual(3)
    expect(sample(samples, 'zkpay_batch_proving_duration_seconds_count').value).toBeGreaterThanOrEqual(1)
    expect(sample(samples, 'zkpay_batch_proving_duration_seconds_sum').value).toBeGreaterThan(0)
    expect(sample(samples, 'zkpay_batch_settlement_duration_seconds_count').value).toBeGreaterThanOrEqual(1)
    expect(sample(samples, 'zkpay_l1_gas_used_total').value).toBeGreaterThan(100_000)
    expect(sample(samples, 'zkpay_l1_up').value).toBe(1)
    expect(sample(samples, 'zkpay_l1_head_lag_blocks').value).toBeGreaterThanOrEqual(0)
    expect(sample(samples, 'zkpay_l1_head_lag_blocks').value).toBeLessThan(10)
    expect(sample(samples, 'zkpay_operator_balance_wei').value).toBeGreaterThan(0)
    expect(samples.filter((s) => !/.-\d+$/.test(s.labels.replica ?? '') || s.labels.role !== 'all')).toEqual([])
    const ready = await node.app.request('/readyz')
    const readiness = await ready.text()
    expect([ready.status, JSON.parse(readiness)]).toEqual([200, { ready: true, checks: { database: { ok: true }, l1: { ok: true }, prover: { ok: true } } }])
    // Neither names anything an observer could tie to a payment: no transaction's id, nullifier or commitment.
    for (const tx of [depositTx, ...spends]) {
      for (const value of [transactionId(json(tx)), ...tx.nullifiers.map(toHex32), ...tx.commitments.map(toHex32)]) expect(scraped + readiness).not.toContain(value.slice(2))
    }
    const doc = (await (await node.app.request('/openapi.json')).json()) as { openapi: string; paths: Record<string, unknown> }
    expect(doc.openapi).toBe('3.1.0')
    expect(Object.keys(doc.paths)).toContain('/v1/transactions')
    // Web wallets on other origins may call the client API (public, no credentials), not the operator's routes.
    const preflight = await node.app.request('/v1/transactions', { method: 'OPTIONS', headers: { origin: 'http://wallet.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } })
    expect([preflight.status, preflight.headers.get('access-control-allow-origin'), preflight.headers.get('access-control-allow-methods')]).toEqual([204, '*', 'GET,POST'])
    const status = await node.app.request('/v1/status', { headers: { origin: 'http://wallet.example' } })
    expect(status.headers.get('access-control-allow-origin')).toBe('*')
    expect((await node.app.request('/metrics', { headers: { origin: 'http://wallet.example' } })).headers.get('access-control-allow-origin')).toBeNull()

    const controller = new AbortController()
    const res = await fetch(`${node.url}/v1/events`, { signal: controller.signal })
    const reader = res.body!.getReader()
    const next = (await alice.transact(tree, { asset: 0n, extAmount: 7n })).tx
    await deposit(devnet.accounts[1]!, { rollup: devnet.rollup, asset: zeroAddress, amount: 7n, extDataHash: next.extDataHash, commitments: next.commitments })
    const { body } = await node.post(json(next))
    const mine = toHex32(next.commitments[0])
    let text = ''
    while (!new RegExp(`"state":"settled"[^\\n]*${mine}[^\\n]*\\n\\n`).test(text)) text += new TextDecoder().decode((await reader.read()).value)
    controller.abort()
    // Its batch went by, and nothing on the stream names the transaction or its admission.
    const events = text.split('\n\n').filter((b) => b.startsWith('event: '))
    expect(new Set(events.map((b) => b.split('\n')[0]))).toEqual(new Set(['event: batch']))
    expect(text).not.toContain(body.id!.slice(2))
    expect(text).not.toContain('"status"')
    const batches = events.map((b) => JSON.parse(b.split('\n').find((l) => l.startsWith('data: '))!.slice(6)) as { state: string; at: string; commitments?: string[]; nullifiers?: string[] })
    expect(batches.map((b) => b.state)).toEqual(expect.arrayContaining(['sealed', 'proving', 'proven', 'submitted', 'settled']))
    for (const b of batches) expect(b.at).toMatch(/:\d\d\.000Z$/)
    for (const b of batches) batchEventSchema.strict().parse(b) // what /openapi.json documents, and nothing more
    // At settlement: what the batch made public on L1, so a follower can recognise its own outputs.
    const settled = batches.find((b) => b.state === 'settled' && b.commitments?.includes(mine))!
    expect(settled.commitments).toEqual(expect.arrayContaining(next.commitments.map(toHex32)))
    expect(settled.nullifiers).toEqual(expect.arrayContaining(next.nullifiers.map(toHex32)))
  })
})
