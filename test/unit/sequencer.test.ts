import { describe, expect, it } from 'vitest'
import { ProverError, RollupRevertedError } from '../../src/errors/index.ts'
import { proofCodec } from '../../src/circuits/index.ts'
import { FAKE_PROOF } from '../helpers/fakeProver.ts'
import { openHarness, pendingTransaction, useSequencerHarness } from '../helpers/sequencerHarness.ts'
import { field } from '../helpers/storeFixtures.ts'

// The batch state machine of src/sequencer/README.md, one `step()` at a time, against the fake L1
// and prover of test/helpers and a real SQLite store. The L1 side (reconciling a submitted batch,
// reorgs, several batches in flight) is in sequencerL1.test.ts.

useSequencerHarness()

/** The outputs of tx-1 and tx-2, as the fixtures make them. */
const COMMITMENTS_1_2 = [5003, 5004, 5005, 5006, 5007, 5008].map(field)

describe('Sequencer.step: sealing', () => {
  it('behavior: pending → sealed once batchSize transactions wait', async () => {
    const h = await openHarness()
    await h.admit(1)
    await h.sequencer.step()
    expect(await h.store.listBatches(['sealed', 'proving'])).toEqual([])
    await h.admit(2)
    await h.sequencer.step()
    expect(await h.statuses(1)).toEqual([
      ['tx-1', expect.stringMatching(/batched|proving/)],
      ['tx-2', expect.stringMatching(/batched|proving/)],
    ])
    expect((await h.batch(1)).oldRoot).toBe(h.sequencer.tree.root)
    expect(h.events).toContainEqual({ type: 'batch', number: 1, state: 'sealed' })
    expect(h.events).toContainEqual({ type: 'transaction', id: 'tx-2', status: 'batched' })
  })

  it('behavior: pending → sealed once the oldest has waited batchMaxAgeMs, not a millisecond before', async () => {
    const h = await openHarness()
    await h.admit(1)
    h.clock.advance(999)
    await h.sequencer.step()
    expect(await h.store.getBatch(1)).toBeUndefined()
    h.clock.advance(1)
    await h.sequencer.step()
    expect(await h.statuses(1)).toEqual([['tx-1', expect.stringMatching(/batched|proving/)]])
  })

  it('behavior: a transaction waiting maxPriorityWaitMs goes ahead of better payers', async () => {
    const h = await openHarness({ batchSize: 1, maxPriorityWaitMs: 5_000 })
    await h.admit(1)
    h.clock.advance(5_001)
    const rich = await h.store.insertPendingTransaction({ ...pendingTransaction(2, new Date(h.clock.now())), priority: 9_000 })
    expect(rich.ok).toBe(true)
    await h.sequencer.step()
    expect((await h.statuses(1)).map(([id]) => id)).toEqual(['tx-1'])
  })
})

describe('Sequencer.step: the step itself', () => {
  it('behavior: steps called at once run one after the other (one batch sealed, one proof started)', async () => {
    const h = await openHarness()
    await h.admit(1, 2, 3, 4)
    await Promise.all([h.sequencer.step(), h.sequencer.step(), h.sequencer.step()])
    await h.prover.started()
    expect(await h.store.listBatches(['sealed', 'proving'])).toHaveLength(1)
    expect(h.prover.calls()).toBe(1)
  })

  it('default: open() schedules nothing: without a step, nothing is sealed', async () => {
    const h = await openHarness({ pollMs: 1 })
    await h.admit(1, 2)
    await new Promise((r) => setTimeout(r, 50))
    expect(await h.store.getBatch(1)).toBeUndefined()
  })
})

describe('Sequencer.step: proving', () => {
  it('behavior: sealed → proving → proven, with the witness of the tree it was sealed on', async () => {
    const h = await openHarness()
    await h.proving(1, 2)
    expect((await h.batch(1)).state).toBe('proving')
    const [job] = h.prover.waiting
    expect(job!.witness.oldRoot).toBe(h.sequencer.tree.root)
    expect(job!.witness.publicSignals.slice(3, 9)).toEqual(COMMITMENTS_1_2)
    expect((await h.sequencer.status()).prover).toEqual({ name: 'fake', stage: 'proving', batchesProving: 1 })

    await h.proveAll()
    const batch = await h.batch(1)
    expect(batch).toMatchObject({ state: 'proven', oldRoot: job!.witness.oldRoot, newRoot: job!.witness.newRoot, startIndex: 0 })
    expect(batch.proof).toEqual(proofCodec.encode(FAKE_PROOF))
    expect(h.batchEvents(1)).toEqual(['sealed', 'proving', 'proven'])
    expect(h.l1.submissions).toEqual([]) // posted by the next step, not by the proof
  })

  it('error: PROVER_JOB_FAILED releases the batch and its transactions wait again', async () => {
    const h = await openHarness()
    await h.proving(1, 2)
    h.prover.fail(new ProverError('PROVER_JOB_FAILED', 'The proving job failed on its last attempt.'))
    await h.sequencer.idle()
    expect(await h.batch(1)).toMatchObject({ state: 'failed', error: 'The proving job failed on its last attempt.' })
    expect([await h.status('tx-1'), await h.status('tx-2')]).toEqual(['pending', 'pending'])
    expect(h.batchEvents(1)).toEqual(['sealed', 'proving', 'failed'])
    // Sealed again into a new batch by the next step.
    await h.sequencer.step()
    expect((await h.statuses(2)).map(([id]) => id)).toEqual(['tx-1', 'tx-2'])
  })

  it('error: any other prover failure leaves the batch proving, and the next step proves it again', async () => {
    const h = await openHarness()
    await h.proving(1, 2)
    h.prover.fail(new ProverError('PROVER_UNAVAILABLE', 'No prover answered.'))
    await h.sequencer.idle()
    expect((await h.batch(1)).state).toBe('proving')
    expect(h.prover.calls()).toBe(1)
    await h.sequencer.step()
    await h.prover.started()
    expect(h.prover.calls()).toBe(2)
    await h.proveAll()
    expect((await h.batch(1)).state).toBe('proven')
  })
})

describe('Sequencer.step: posting and settling', () => {
  it('behavior: proven → submitted → settled when L1 mines it, → final `confirmations` blocks deep', async () => {
    const h = await openHarness()
    const genesis = h.sequencer.tree.root
    await h.proven(1, 2)
    const proven = await h.batch(1)
    await h.sequencer.step()

    expect(h.l1.submissions).toHaveLength(1)
    const [sent] = h.l1.submissions
    expect(sent).toMatchObject({ oldRoot: genesis, newRoot: proven.newRoot, commitments: COMMITMENTS_1_2 })
    const settled = await h.batch(1)
    expect(settled).toMatchObject({ state: 'settled', l1TxHash: sent!.hash, l1Block: Number(h.l1.head()) })
    expect(await h.statuses(1)).toEqual([['tx-1', 'settled'], ['tx-2', 'settled']])
    expect(h.sequencer.tree.root).toBe(proven.newRoot)
    expect(await h.l1.currentRoot()).toBe(proven.newRoot)
    expect(h.batchEvents(1)).toEqual(['sealed', 'proving', 'proven', 'submitted', 'submitted', 'settled'])
    expect(h.events).toContainEqual(expect.objectContaining({ type: 'batch', number: 1, state: 'submitted', l1TxHash: sent!.hash }))

    // Mined in the head block: one block deep of two.
    await h.sequencer.step()
    expect((await h.batch(1)).state).toBe('settled')
    await h.l1.mine()
    await h.sequencer.step()
    expect((await h.batch(1)).state).toBe('final')
    expect(await h.statuses(1)).toEqual([['tx-1', 'final'], ['tx-2', 'final']])
    expect(h.batchEvents(1).at(-1)).toBe('final')
  })

  it('error: a contract refusal naming a transaction rejects that one, requeues the others and fails the batch', async () => {
    const h = await openHarness()
    await h.proven(1, 2)
    h.l1.outcomes.push({ revert: new RollupRevertedError('Rollup__NullifierSpent', { txIndex: 1n, nullifier: field(1003) }) })
    await h.sequencer.step()
    expect(await h.store.getTransaction('tx-2')).toMatchObject({ status: 'rejected', rejectCode: 'NULLIFIER_SPENT' })
    expect(await h.status('tx-1')).toBe('pending')
    expect(await h.batch(1)).toMatchObject({ state: 'failed', error: expect.stringContaining('Rollup__NullifierSpent') })
    expect(h.events).toContainEqual(expect.objectContaining({ type: 'transaction', id: 'tx-2', status: 'rejected', code: 'NULLIFIER_SPENT' }))
    expect(h.l1.submissions).toEqual([])
    expect(await h.l1.currentRoot()).toBe(h.sequencer.tree.root)
  })

  it.each(['proving', 'proven'] as const)('behavior: the root moving under a %s batch releases it; its late proof is dropped', async (state) => {
    const h = await openHarness()
    await h.proving(1, 2)
    if (state === 'proven') await h.proveAll()
    expect((await h.batch(1)).state).toBe(state)
    // Someone else's batch (escape hatch) lands first.
    await h.l1.settleForeign([field(77), field(78), field(79)])
    await h.sequencer.step()
    expect(await h.batch(1)).toMatchObject({ state: 'failed', error: 'The note tree changed before this batch was posted.' })
    expect(h.sequencer.tree.root).toBe(await h.l1.currentRoot())
    await h.proveAll()
    expect((await h.batch(1)).state).toBe('failed')
    // Sealed again by the next step, against the tree as it now is.
    await h.sequencer.step()
    const [batch] = await h.store.listBatches(['sealed', 'proving'])
    expect(batch!.oldRoot).toBe(h.sequencer.tree.root)
    expect((await h.statuses(batch!.number)).map(([id]) => id)).toEqual(['tx-1', 'tx-2'])
    expect(h.l1.submissions).toEqual([])
  })
})
