import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ShieldedTransaction, terminateProver, transferPublicSignals, verifyTransfers } from '../../src/circuits/index.ts'
import { FIELD_SIZE } from '../../src/crypto/field.ts'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import { ProofBatcher, type VerifyMany } from '../../src/sequencer/index.ts'
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

  // A client sends one garbage proof into every 3 ms window: without bisection each honest proof
  // in it falls back to a single verification (31 ms), a cheap way to slow admission for all.
  it('behavior: invalid proofs in a window are found by bisection: one among eight is rejected alone in 5 multi-verifications instead of 9', async () => {
    const sizes: number[] = []
    const counting: VerifyMany = async (items) => {
      sizes.push(items.length)
      return verifyTransfers(items)
    }
    const batcher = new ProofBatcher({ windowMs: 50, verify: counting })
    const forged = { ...txs[1]!, extDataHash: txs[1]!.extDataHash + 1n }
    const window = [0, 1, 2, 0, 1, forged, 2, 0].map((t) => (typeof t === 'number' ? txs[t]! : t))
    const verdicts = await Promise.all(window.map((t) => batcher.verify(t)))
    expect(verdicts).toEqual([true, true, true, true, true, false, true, true])
    // all 8 fail; [0..3] pass, so [4..7] holds the bad one: [4,5] fail, [4] passes, so [5] is it
    // (unchecked); [6,7] pass.
    expect(sizes).toEqual([8, 4, 2, 1, 2])

    sizes.length = 0
    expect(await Promise.all(window.map((t) => batcher.verify(t === forged ? txs[1]! : t)))).toEqual(Array(8).fill(true))
    expect(sizes).toEqual([8])

    sizes.length = 0
    const two = await Promise.all([forged, txs[0]!, txs[1]!, { ...txs[2]!, proof: txs[0]!.proof }].map((t) => batcher.verify(t)))
    expect(two).toEqual([false, true, true, false])
    // all 4 fail; [0,1] fail: [0] fails, [1] passes; [2,3] fail: [2] passes, so [3] is bad (unchecked)
    expect(sizes).toEqual([4, 2, 1, 1, 2, 1])
  })
})
