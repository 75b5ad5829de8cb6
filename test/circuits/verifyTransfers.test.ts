import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ShieldedTransaction, terminateProver, transferPublicSignals, verifyTransfers } from '../../src/circuits/index.ts'
import { FIELD_SIZE } from '../../src/crypto/field.ts'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import { ProofBatcher } from '../../src/sequencer/index.ts'
import { Actor, MerkleTree } from '../helpers/rollup.ts'

// Batched verification of transfer proofs (one multi-pairing for many), as admission uses it.

let txs: ShieldedTransaction[]
const item = (t: ShieldedTransaction) => ({ proof: t.proof, publicSignals: transferPublicSignals(t) })

beforeAll(async () => {
  await initCrypto()
  const alice = new Actor(1)
  txs = []
  for (let i = 0; i < 3; i++) txs.push((await alice.transact(new MerkleTree(), { asset: 0n, extAmount: 10n + BigInt(i) })).tx)
})

afterAll(() => terminateProver())

describe('verifyTransfers', () => {
  it('default: a batch of valid proofs verifies, and so does an empty one', async () => {
    expect(await verifyTransfers(txs.map(item))).toBe(true)
    expect(await verifyTransfers([item(txs[0]!)])).toBe(true)
    expect(await verifyTransfers([])).toBe(true)
  })

  it('error: one bad member fails the batch: a changed input, swapped proofs, an input at r, a point off the curve', async () => {
    const [a, b, c] = txs.map(item) as [ReturnType<typeof item>, ReturnType<typeof item>, ReturnType<typeof item>]
    expect(await verifyTransfers([a, { ...b, publicSignals: b.publicSignals.map((s, j) => (j === 4 ? s + 1n : s)) }, c])).toBe(false)
    expect(await verifyTransfers([a, { ...b, proof: c.proof }, { ...c, proof: b.proof }])).toBe(false)
    expect(await verifyTransfers([a, { ...b, publicSignals: b.publicSignals.map((s, j) => (j === 1 ? s + FIELD_SIZE : s)) }])).toBe(false)
    expect(await verifyTransfers([a, { ...b, proof: { ...b.proof, a: [1n, 3n] } }])).toBe(false)
    expect(await verifyTransfers([a, { ...b, publicSignals: b.publicSignals.slice(1) }])).toBe(false)
  })

  it('behavior: the admission batcher answers each caller for its own proof', async () => {
    const batcher = new ProofBatcher({ windowMs: 20 })
    const forged = { ...txs[1]!, extDataHash: txs[1]!.extDataHash + 1n }
    const verdicts = await Promise.all([txs[0]!, forged, txs[2]!, txs[1]!].map((t) => batcher.verify(t)))
    expect(verdicts).toEqual([true, false, true, true])
  })
})
