import { describe, expect, it } from 'vitest'
import { RollupRevertedError } from '../../src/errors/index.ts'
import { type Harness, openHarness, useSequencerHarness } from '../helpers/sequencerHarness.ts'
import { field } from '../helpers/storeFixtures.ts'

// The L1 side of the batch state machine (src/sequencer/README.md), one `step()` at a time: a
// submitted batch reconciled with what L1 holds, reorgs, and several batches in flight.

useSequencerHarness()

/** Posts a proven batch of tx-1 and tx-2 whose L1 transaction stays pending: it waits `submitted`. */
async function pendingOnL1(h: Harness) {
  await h.proven(1, 2)
  h.l1.outcomes.push('pending')
  await h.sequencer.step()
  const batch = await h.batch(1)
  expect(batch).toMatchObject({ state: 'submitted', l1TxHash: h.l1.submissions[0]!.hash })
  expect(h.l1.mempool).toEqual([batch.l1TxHash])
  return batch
}

describe('Sequencer.step: a submitted batch against L1', () => {
  it('behavior: pending on L1 for feeBumpAfterMs, it is replaced with the same nonce and raised fees', async () => {
    const h = await openHarness()
    const batch = await pendingOnL1(h)
    h.clock.set(batch.updatedAt.getTime() + 59_999)
    await h.sequencer.step()
    expect(h.l1.submissions).toHaveLength(1)

    h.clock.set(batch.updatedAt.getTime() + 60_000)
    await h.sequencer.step()
    const [first, second] = h.l1.submissions
    // A quarter more than the stuck one's, or the market's when that is higher (110 gwei, 20).
    expect(second).toMatchObject({ nonce: first!.nonce, replace: { nonce: first!.nonce, maxFeePerGas: 126n, maxPriorityFeePerGas: 20n }, oldRoot: first!.oldRoot, newRoot: first!.newRoot })
    expect(await h.batch(1)).toMatchObject({ state: 'settled', l1TxHash: second!.hash })
    expect(h.l1.mempool).toEqual([])
  })

  it('behavior: lost (L1 still at its oldRoot, nothing pending), it goes back to proven and is posted again', async () => {
    const h = await openHarness()
    const batch = await pendingOnL1(h)
    h.l1.drop(batch.l1TxHash!)
    await h.sequencer.step()
    expect((await h.batch(1)).state).toBe('proven')
    expect(h.l1.submissions).toHaveLength(1)
    await h.sequencer.step()
    expect(h.l1.submissions).toHaveLength(2)
    expect(h.l1.submissions[1]!.replace).toBeUndefined()
    expect(await h.batch(1)).toMatchObject({ state: 'settled', l1TxHash: h.l1.submissions[1]!.hash })
    expect(h.batchEvents(1)).toEqual(['sealed', 'proving', 'proven', 'submitted', 'submitted', 'proven', 'submitted', 'submitted', 'settled'])
  })

  it('behavior: L1 moved past it without it, it is released and its transactions wait again', async () => {
    const h = await openHarness()
    const batch = await pendingOnL1(h)
    h.l1.drop(batch.l1TxHash!)
    await h.l1.settleForeign([field(77), field(78), field(79)])
    await h.sequencer.step()
    expect(await h.batch(1)).toMatchObject({ state: 'failed', error: 'L1 moved on without this batch.' })
    expect([await h.status('tx-1'), await h.status('tx-2')]).toEqual(['pending', 'pending'])
    expect(h.sequencer.tree.root).toBe(await h.l1.currentRoot())
  })

  it('error: an RPC failure while posting shows in the status; the next step reconciles and posts again', async () => {
    const h = await openHarness()
    await h.proven(1, 2)
    h.l1.outcomes.push('rpc-down')
    await h.sequencer.step()
    expect(await h.batch(1)).toMatchObject({ state: 'submitted', l1TxHash: null })
    const { operator } = await h.sequencer.status()
    expect(operator.lastError).toMatchObject({ code: 'L1_UNREACHABLE', at: new Date(h.clock.now()) })
    expect(h.l1.submissions).toEqual([])

    await h.sequencer.step()
    expect((await h.batch(1)).state).toBe('proven')
    await h.sequencer.step()
    expect((await h.batch(1)).state).toBe('settled')
    expect((await h.sequencer.status()).operator.lastError).toBeUndefined()
  })

  it('error: an RPC outage stops nothing but the L1 work: the status shows it and the next step carries on', async () => {
    const h = await openHarness()
    await h.proven(1, 2)
    h.l1.down = true
    await h.sequencer.step()
    expect((await h.sequencer.status()).l1).toMatchObject({ ok: false, code: 'L1_UNREACHABLE' })
    // Posting failed too: the batch waits `submitted` for L1 to say whether it landed.
    expect((await h.batch(1)).state).toBe('submitted')
    h.l1.down = false
    await h.sequencer.step()
    expect((await h.sequencer.status()).l1).toMatchObject({ ok: true, block: h.l1.head() })
    expect((await h.batch(1)).state).toBe('proven')
    await h.sequencer.step()
    expect((await h.batch(1)).state).toBe('settled')
  })
})

describe('Sequencer.step: reorgs', () => {
  it('behavior: a reorg that removes a settled batch rolls it back to submitted; it is posted again and settles', async () => {
    const h = await openHarness()
    await h.proven(1, 2)
    await h.sequencer.step()
    const settled = await h.batch(1)
    expect(settled.state).toBe('settled')
    const block = Number(h.l1.head())

    h.l1.reorg(1)
    await h.sequencer.step()
    const { lastReorg } = (await h.sequencer.status()).l1
    expect(lastReorg).toMatchObject({ fromBlock: 0, toBlock: block, reverted: [1], removed: [] })
    // Rolled back (announced `submitted`), then found missing on L1 in the same step: posted again next.
    const sinceReorg = h.batchEvents(1).slice(6)
    expect(sinceReorg).toEqual(['submitted', 'proven'])
    expect(h.events).toContainEqual({ type: 'transaction', id: 'tx-2', status: 'submitted' })
    expect(h.sequencer.tree.root).toBe(settled.oldRoot)
    expect(await h.store.knownRoot(settled.newRoot!)).toBe(false)

    await h.sequencer.step()
    expect(h.l1.submissions).toHaveLength(2)
    expect(await h.batch(1)).toMatchObject({ state: 'settled', newRoot: settled.newRoot, l1TxHash: h.l1.submissions[1]!.hash })
    expect(h.sequencer.tree.root).toBe(settled.newRoot)
  })
})

describe('Sequencer.step: two batches in flight (maxBatchesInFlight 2)', () => {
  /** Seals tx-1, tx-2 into batch 1 and tx-3, tx-4 into batch 2, proving both at once. */
  async function twoInFlight() {
    const h = await openHarness({ maxBatchesInFlight: 2 })
    await h.admit(1, 2, 3, 4)
    await h.sequencer.step()
    await h.sequencer.step()
    await h.prover.started(2)
    const [one, two] = h.prover.waiting
    expect([one!.witness.startIndex, two!.witness.startIndex]).toEqual([0, 64])
    // Batch 2 is sealed on the tree batch 1 will make.
    expect(two!.witness.oldRoot).toBe(one!.witness.newRoot)
    expect((await h.batch(2)).oldRoot).toBe(one!.witness.newRoot)
    return h
  }

  it('behavior: proven at once, in any order; posted strictly in order', async () => {
    const h = await twoInFlight()
    h.prover.resolve(64)
    await h.prover.started(1)
    h.prover.resolve(0)
    await h.sequencer.idle()
    expect([(await h.batch(1)).state, (await h.batch(2)).state]).toEqual(['proven', 'proven'])

    await h.sequencer.step()
    expect([(await h.batch(1)).state, (await h.batch(2)).state]).toEqual(['settled', 'proven'])
    await h.sequencer.step()
    // Batch 2's block is the second on top of batch 1's: that one is final now.
    expect([(await h.batch(1)).state, (await h.batch(2)).state]).toEqual(['final', 'settled'])
    const [first, second] = h.l1.submissions
    expect(second!.oldRoot).toBe(first!.newRoot)
    expect([first!.newRoot, second!.newRoot]).toEqual([(await h.batch(1)).newRoot, (await h.batch(2)).newRoot])
  })

  it('error: the batch behind one L1 refused is released too, and its transactions are sealed again on the tree as it is', async () => {
    const h = await twoInFlight()
    await h.proveAll()
    h.l1.outcomes.push({ revert: new RollupRevertedError('Rollup__NullifierSpent', { txIndex: 0n, nullifier: field(1002) }) })
    await h.sequencer.step()
    expect((await h.batch(1)).state).toBe('failed')
    expect(await h.store.getTransaction('tx-1')).toMatchObject({ status: 'rejected', rejectCode: 'NULLIFIER_SPENT' })
    expect((await h.batch(2)).state).toBe('proven')

    await h.sequencer.step()
    expect(await h.batch(2)).toMatchObject({ state: 'failed', error: 'The note tree changed before this batch was posted.' })
    expect(h.l1.submissions).toEqual([])
    await h.sequencer.step()
    const [again] = await h.store.listBatches(['sealed', 'proving'])
    expect(again!.oldRoot).toBe(h.sequencer.tree.root)
    expect((await h.statuses(again!.number)).map(([id]) => id)).toEqual(['tx-2', 'tx-3'])
  })
})
