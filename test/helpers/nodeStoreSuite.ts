import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FIELD_SIZE } from '../../src/crypto/field.ts'
import { BatchTransitionError, InvalidParameterError, StoreError } from '../../src/errors/index.ts'
import type { NodeStore } from '../../src/state/index.ts'
import { field, hash, leavesOf, makeTransaction, proofJson } from './storeFixtures.ts'

export type StoreHandle = { store: NodeStore; dispose(): Promise<void> }

/**
 * The behaviour every `NodeStore` implementation must have (CONVENTIONS: stores share one suite).
 * `open` gives a fresh, empty store for each test.
 */
export function nodeStoreSuite(name: string, open: () => Promise<StoreHandle>): void {
  describe(`NodeStore: ${name}`, () => {
    let handle: StoreHandle
    let store: NodeStore
    beforeEach(async () => {
      handle = await open()
      store = handle.store
    })
    afterEach(() => handle.dispose())

    /** Admits `n` transactions, seals them into one batch and walks it to `submitted`. */
    async function submittedBatch(ids: number[], startIndex = 0) {
      for (const n of ids) expect((await store.insertPendingTransaction(makeTransaction(n))).ok).toBe(true)
      const sealed = await store.sealBatch({ maxTransactions: ids.length, oldRoot: field(7), startIndex })
      if (!sealed) throw new Error('nothing sealed')
      const number = sealed.batch.number
      await store.setBatchState(number, 'proving')
      await store.setBatchState(number, 'proven', { proof: proofJson(number), newRoot: field(8 + startIndex) })
      await store.setBatchState(number, 'submitted', { l1TxHash: hash(0xbeef) })
      return sealed
    }

    it('behavior: releasing a batch fails it and puts its unrejected transactions back in the queue, in order', async () => {
      const sealed = await submittedBatch([1, 2, 3])
      const number = sealed.batch.number
      await store.rejectTransaction('tx-2', { code: 'UNKNOWN_ROOT', message: 'The root is not known.' })
      const released = await store.releaseBatch(number, 'The contract refused transaction 1.')
      expect(released.map((t) => [t.id, t.status, t.batchNumber])).toEqual([
        ['tx-1', 'pending', null],
        ['tx-3', 'pending', null],
      ])
      expect(await store.getBatch(number)).toMatchObject({ state: 'failed', error: 'The contract refused transaction 1.' })
      expect((await store.getTransaction('tx-2'))?.status).toBe('rejected')
      const again = await store.sealBatch({ maxTransactions: 21 })
      expect(again?.transactions.map((t) => t.id)).toEqual(['tx-1', 'tx-3'])
      // The released transactions keep their notes reserved: a double spend still bounces.
      expect(await store.insertPendingTransaction({ ...makeTransaction(9), nullifiers: (await store.getTransaction('tx-1'))!.nullifiers })).toMatchObject({
        ok: false,
        code: 'NULLIFIER_PENDING',
      })
      await expect(store.releaseBatch(number, 'twice')).rejects.toBeInstanceOf(BatchTransitionError)
    })

    it('default: a new store is empty', async () => {
      expect(await store.getTransaction('tx-1')).toBeUndefined()
      expect(await store.getPendingSummary()).toEqual({ count: 0, oldestCreatedAt: null })
      expect(await store.sealBatch({ maxTransactions: 21 })).toBeUndefined()
      expect(await store.listBatches(['open', 'sealed', 'proving', 'proven', 'submitted', 'settled', 'final', 'failed'])).toEqual([])
      expect(await store.latestRoot()).toBeUndefined()
      expect(await store.knownRoot(field(7))).toBe(false)
      expect(await store.listNotes(0, 100)).toEqual([])
      expect(await store.getCursor('l1-events')).toBeUndefined()
    })

    it('default: an admitted transaction is pending and reads back equal, field elements included', async () => {
      const input = makeTransaction(1, { nullifiers: [0n, FIELD_SIZE - 1n], extDataHash: FIELD_SIZE - 2n })
      const result = await store.insertPendingTransaction(input)
      const expected = {
        id: 'tx-1',
        status: 'pending',
        rejectCode: null,
        rejectMessage: null,
        payload: input.payload,
        nullifiers: [0n, FIELD_SIZE - 1n],
        commitments: input.commitments,
        extDataHash: FIELD_SIZE - 2n,
        root: field(7),
        createdAt: input.createdAt,
        batchNumber: null,
        position: null,
        escrowKey: null,
        seq: 1,
        priority: 0,
      }
      expect(result).toEqual({ ok: true, transaction: expected })
      expect(await store.getTransaction('tx-1')).toEqual(expected)
      expect(await store.getPendingSummary()).toEqual({ count: 1, oldestCreatedAt: input.createdAt })
      expect(await store.listUnsettledTransactions(10)).toEqual([expected])
      await store.rejectTransaction('tx-1', { code: 'INVALID_PROOF', message: 'no' })
      expect(await store.listUnsettledTransactions(10)).toEqual([])
      await expect(store.listUnsettledTransactions(0)).rejects.toThrow(/limit/)
    })

    it('behavior: a nullifier reserved by a pending transaction rejects the next one as a value, storing nothing of it', async () => {
      expect((await store.insertPendingTransaction(makeTransaction(1))).ok).toBe(true)
      const other = field(424242)
      const second = makeTransaction(2, { nullifiers: [other, field(1003)] }) // field(1003) is tx-1's second
      expect(await store.insertPendingTransaction(second)).toEqual({
        ok: false,
        code: 'NULLIFIER_PENDING',
        message: 'The note is already being spent by a pending transaction.',
        nullifier: field(1003),
      })
      expect(await store.getTransaction('tx-2')).toBeUndefined()
      // The rejected transaction's other nullifier was not left reserved.
      expect((await store.insertPendingTransaction(makeTransaction(3, { nullifiers: [other] }))).ok).toBe(true)
    })

    it('behavior: takenNullifiers reports reserved and spent nullifiers, and nothing for free ones', async () => {
      expect(await store.takenNullifiers([])).toEqual([])
      expect((await store.insertPendingTransaction(makeTransaction(1))).ok).toBe(true)
      expect(await store.takenNullifiers([field(1002), field(4242)])).toEqual([{ value: field(1002), status: 'pending', txId: 'tx-1' }])
      await store.rejectTransaction('tx-1', { code: 'INVALID_PROOF', message: 'no' })
      expect(await store.takenNullifiers([field(1002), field(1003)])).toEqual([])
      await expect(store.takenNullifiers([FIELD_SIZE])).rejects.toBeInstanceOf(InvalidParameterError)
    })

    it('behavior: sealing puts the given pending transactions first, in their order, then the oldest others', async () => {
      for (const n of [1, 2, 3, 4]) expect((await store.insertPendingTransaction(makeTransaction(n))).ok).toBe(true)
      await store.rejectTransaction('tx-2', { code: 'FEE_TOO_LOW', message: 'no' })
      const sealed = await store.sealBatch({ maxTransactions: 3, first: ['tx-4', 'tx-2', 'tx-9', 'tx-3'] })
      // tx-2 is rejected and tx-9 unknown: passed over.
      expect(sealed?.transactions.map((t) => [t.id, t.position])).toEqual([
        ['tx-4', 0],
        ['tx-3', 1],
        ['tx-1', 2],
      ])
      const small = await store.insertPendingTransaction(makeTransaction(5))
      expect(small.ok).toBe(true)
      expect((await store.sealBatch({ maxTransactions: 1, first: ['tx-5'] }))?.transactions.map((t) => t.id)).toEqual(['tx-5'])
    })

    it('behavior: a rejected transaction is requeued with its nullifiers reserved again, unless one was taken meanwhile', async () => {
      expect((await store.insertPendingTransaction(makeTransaction(1))).ok).toBe(true)
      await store.rejectTransaction('tx-1', { code: 'DEPOSIT_EXPIRING', message: 'too late' })
      const requeued = await store.requeueTransaction('tx-1')
      expect(requeued).toMatchObject({ ok: true, transaction: { id: 'tx-1', status: 'pending', rejectCode: null, rejectMessage: null } })
      expect(await store.takenNullifiers([field(1002), field(1003)])).toHaveLength(2)
      // Not rejected: returned as it is.
      expect(await store.requeueTransaction('tx-1')).toMatchObject({ ok: true, transaction: { status: 'pending' } })
      await store.rejectTransaction('tx-1', { code: 'DEPOSIT_EXPIRING', message: 'too late' })
      expect((await store.insertPendingTransaction(makeTransaction(2, { nullifiers: [field(1003)] }))).ok).toBe(true)
      expect(await store.requeueTransaction('tx-1')).toMatchObject({ ok: false, code: 'NULLIFIER_PENDING', nullifier: field(1003) })
      expect((await store.getTransaction('tx-1'))?.status).toBe('rejected')
      expect(await store.takenNullifiers([field(1002)])).toEqual([])
      await expect(store.requeueTransaction('tx-404')).rejects.toMatchObject({ code: 'STORE_NOT_FOUND' })
    })

    it('behavior: 20 concurrent submissions spending one note admit exactly one', async () => {
      const shared = field(31337)
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, n) => store.insertPendingTransaction(makeTransaction(n, { nullifiers: [shared, field(50_000 + n)] }))),
      )
      const admitted = results.filter((r) => r.ok)
      expect(admitted).toHaveLength(1)
      expect(results.filter((r) => !r.ok && r.code === 'NULLIFIER_PENDING')).toHaveLength(19)
      expect((await store.getPendingSummary()).count).toBe(1)
    })

    it('behavior: a transaction id already submitted is rejected with TRANSACTION_KNOWN', async () => {
      expect((await store.insertPendingTransaction(makeTransaction(1))).ok).toBe(true)
      await store.rejectTransaction('tx-1', { code: 'PROOF_INVALID', message: 'The proof does not verify.' })
      // Its nullifiers are free again, so only the id check can refuse it.
      expect(await store.insertPendingTransaction(makeTransaction(1))).toEqual({
        ok: false,
        code: 'TRANSACTION_KNOWN',
        message: 'This transaction was already submitted.',
      })
    })

    it('behavior: rejecting a transaction records the reason once and frees its notes', async () => {
      expect((await store.insertPendingTransaction(makeTransaction(1))).ok).toBe(true)
      const rejected = await store.rejectTransaction('tx-1', { code: 'FEE_TOO_LOW', message: 'The fee is below the minimum.' })
      expect(rejected).toMatchObject({ status: 'rejected', rejectCode: 'FEE_TOO_LOW', rejectMessage: 'The fee is below the minimum.' })
      const again = await store.rejectTransaction('tx-1', { code: 'OTHER', message: 'Other.' })
      expect(again.rejectCode).toBe('FEE_TOO_LOW')
      expect(await store.getPendingSummary()).toEqual({ count: 0, oldestCreatedAt: null })
      // The same notes in a new transaction are admitted.
      expect((await store.insertPendingTransaction(makeTransaction(2, { nullifiers: makeTransaction(1).nullifiers }))).ok).toBe(true)
    })

    it('behavior: sealBatch takes the oldest pending transactions in admission order, up to maxTransactions', async () => {
      const sameTime = new Date(1_700_000_000_000)
      for (const n of [0, 1, 2, 3, 4]) expect((await store.insertPendingTransaction(makeTransaction(n, { createdAt: sameTime }))).ok).toBe(true)
      const first = await store.sealBatch({ maxTransactions: 3, oldRoot: field(7), newRoot: field(8), startIndex: 64 })
      expect(first?.transactions.map((t) => [t.id, t.position, t.status])).toEqual([
        ['tx-0', 0, 'batched'],
        ['tx-1', 1, 'batched'],
        ['tx-2', 2, 'batched'],
      ])
      expect(first?.batch).toMatchObject({ state: 'sealed', attempts: 1, oldRoot: field(7), newRoot: field(8), startIndex: 64, proof: null })
      expect(await store.getPendingSummary()).toEqual({ count: 2, oldestCreatedAt: sameTime })
      const second = await store.sealBatch({ maxTransactions: 21 })
      expect(second?.batch.number).toBeGreaterThan(first!.batch.number)
      expect(second?.transactions.map((t) => t.id)).toEqual(['tx-3', 'tx-4'])
      expect(await store.sealBatch({ maxTransactions: 21 })).toBeUndefined()
      expect((await store.listBatchTransactions(first!.batch.number)).map((t) => t.id)).toEqual(['tx-0', 'tx-1', 'tx-2'])
      expect((await store.getTransaction('tx-4'))?.batchNumber).toBe(second!.batch.number)
    })

    it('behavior: sealBatch takes the highest fee priority first, then admission order; the given ones still come first', async () => {
      const priorities = [0, 1500, 1000, 1500, 0]
      for (const [n, priority] of priorities.entries()) expect((await store.insertPendingTransaction(makeTransaction(n, { priority }))).ok).toBe(true)
      expect((await store.getTransaction('tx-1'))?.priority).toBe(1500)
      const first = await store.sealBatch({ maxTransactions: 3 })
      expect(first?.transactions.map((t) => [t.id, t.position])).toEqual([
        ['tx-1', 0],
        ['tx-3', 1],
        ['tx-2', 2],
      ])
      const second = await store.sealBatch({ maxTransactions: 21, first: ['tx-4'] })
      expect(second?.transactions.map((t) => t.id)).toEqual(['tx-4', 'tx-0'])
      await expect(store.insertPendingTransaction(makeTransaction(9, { priority: -1 }))).rejects.toMatchObject({ parameter: 'priority' })
    })

    it('behavior: sealBatch serves transactions that waited past agedBefore first, oldest first, so better payers cannot starve them', async () => {
      // tx-0 and tx-1 (priority 0) were admitted before the bound; tx-2 and tx-3 pay more, later.
      for (const [n, priority] of [0, 0, 3000, 2000].entries()) {
        expect((await store.insertPendingTransaction(makeTransaction(n, { priority, createdAt: new Date(1_700_000_000_000 + n * 1000) }))).ok).toBe(true)
      }
      const sealed = await store.sealBatch({ maxTransactions: 3, first: ['tx-3'], agedBefore: new Date(1_700_000_001_500) })
      expect(sealed?.transactions.map((t) => t.id)).toEqual(['tx-3', 'tx-0', 'tx-1'])
      const next = await store.sealBatch({ maxTransactions: 3, agedBefore: new Date(1_700_000_000_000) })
      expect(next?.transactions.map((t) => t.id)).toEqual(['tx-2'])
    })

    it('behavior: listUnsettledTransactions pages in admission order after a seq, leaving out rejected ones', async () => {
      for (const n of [1, 2, 3, 4]) expect((await store.insertPendingTransaction(makeTransaction(n, { priority: 5 - n }))).ok).toBe(true)
      await store.rejectTransaction('tx-2', { code: 'INVALID_PROOF', message: 'no' })
      const page1 = await store.listUnsettledTransactions(2)
      expect(page1.map((t) => t.id)).toEqual(['tx-1', 'tx-3'])
      expect(page1[0]!.seq).toBeLessThan(page1[1]!.seq)
      const page2 = await store.listUnsettledTransactions(2, page1.at(-1)!.seq)
      expect(page2.map((t) => t.id)).toEqual(['tx-4'])
      expect(await store.listUnsettledTransactions(2, page2.at(-1)!.seq)).toEqual([])
      await expect(store.listUnsettledTransactions(2, -1)).rejects.toMatchObject({ parameter: 'afterSeq' })
    })

    it("behavior: each batch state shows in its transactions' status, with the fields written along", async () => {
      const { batch } = (await submittedBatch([1, 2]))!
      expect((await store.getTransaction('tx-1'))?.status).toBe('submitted')
      expect(await store.getBatch(batch.number)).toMatchObject({
        state: 'submitted',
        proof: proofJson(1),
        oldRoot: field(7),
        newRoot: field(8),
        l1TxHash: hash(0xbeef),
      })
      // A fee bump replaces the L1 transaction: submitted → submitted with the new hash.
      await store.setBatchState(batch.number, 'submitted', { l1TxHash: hash(0xcafe) })
      expect((await store.getBatch(batch.number))?.l1TxHash).toBe(hash(0xcafe))
      expect((await store.listBatches(['submitted'])).map((b) => b.number)).toEqual([batch.number])
      await store.recordSettledBatch({ batchNumber: batch.number, newRoot: field(8), startIndex: 0, leafCount: 64, leaves: [], nullifiers: [], l1Block: 12 })
      expect((await store.getTransaction('tx-2'))?.status).toBe('settled')
      await store.setBatchState(batch.number, 'final')
      expect((await store.getTransaction('tx-2'))?.status).toBe('final')
      expect(await store.getBatch(batch.number)).toMatchObject({ state: 'final', l1Block: 12 })
    })

    it('behavior: a failed batch is retried through sealed, counting attempts, and keeps its error', async () => {
      expect((await store.insertPendingTransaction(makeTransaction(1))).ok).toBe(true)
      const { batch } = (await store.sealBatch({ maxTransactions: 21 }))!
      await store.setBatchState(batch.number, 'proving')
      expect((await store.getTransaction('tx-1'))?.status).toBe('proving')
      const failed = await store.setBatchState(batch.number, 'failed', { error: 'The prover ran out of memory.' })
      expect(failed).toMatchObject({ state: 'failed', attempts: 1, error: 'The prover ran out of memory.' })
      expect((await store.getTransaction('tx-1'))?.status).toBe('batched')
      const retried = await store.setBatchState(batch.number, 'sealed')
      expect(retried).toMatchObject({ state: 'sealed', attempts: 2, error: 'The prover ran out of memory.' })
    })

    it('error: an illegal batch transition throws BatchTransitionError and changes nothing', async () => {
      expect((await store.insertPendingTransaction(makeTransaction(1))).ok).toBe(true)
      const { batch } = (await store.sealBatch({ maxTransactions: 21 }))!
      const error = await store.setBatchState(batch.number, 'submitted').catch((e: unknown) => e)
      expect(error).toBeInstanceOf(BatchTransitionError)
      expect(error).toMatchObject({
        name: 'BatchTransitionError',
        code: 'BATCH_TRANSITION_INVALID',
        from: 'sealed',
        to: 'submitted',
        message: `Batch ${batch.number} cannot move from sealed to submitted: it can only move to proving, failed.`,
      })
      expect((await store.getBatch(batch.number))?.state).toBe('sealed')
      expect((await store.getTransaction('tx-1'))?.status).toBe('batched')
      // Settling goes through recordSettledBatch only, so leaves and nullifiers cannot be forgotten.
      await expect(store.setBatchState(batch.number, 'settled')).rejects.toMatchObject({ name: 'StoreError', code: 'STORE_CONFLICT' })
      await expect(store.recordSettledBatch({ batchNumber: batch.number, newRoot: field(8), startIndex: 0, leafCount: 64, leaves: [], nullifiers: [] })).rejects.toThrow(
        `Batch ${batch.number} cannot move from sealed to settled`,
      )
      await expect(store.setBatchState(999, 'proving')).rejects.toMatchObject({ code: 'STORE_NOT_FOUND', message: 'Batch 999 is not in the store.' })
    })

    it('error: a final batch cannot move at all', async () => {
      const { batch } = (await submittedBatch([1]))!
      await store.recordSettledBatch({ batchNumber: batch.number, newRoot: field(8), startIndex: 0, leafCount: 64, leaves: [], nullifiers: [] })
      await store.setBatchState(batch.number, 'final')
      for (const to of ['failed', 'sealed', 'submitted'] as const) {
        await expect(store.setBatchState(batch.number, to)).rejects.toThrow(`Batch ${batch.number} cannot move from final to ${to}: final is a final state.`)
      }
    })

    it('behavior: a settled batch records its notes, its root and its spent nullifiers', async () => {
      await store.recordGenesisRoot(field(7))
      const { batch, transactions } = (await submittedBatch([1, 2]))!
      const leaves = leavesOf(transactions)
      const spent = transactions.flatMap((t) => t.nullifiers)
      const result = await store.recordSettledBatch({ batchNumber: batch.number, oldRoot: field(7), newRoot: field(8), startIndex: 0, leafCount: 64, leaves, nullifiers: spent, l1Block: 5 })
      expect(result).toEqual({ batchNumber: batch.number, rejected: [] })
      const notes = await store.listNotes(0, 100)
      expect(notes).toEqual(leaves.map((l, leafIndex) => ({ ...l, leafIndex, batchNumber: batch.number })))
      expect(notes).toHaveLength(6) // three outputs per transaction
      expect(await store.listNotes(1, 2)).toEqual(notes.slice(1, 3))
      expect(await store.listNotes(6, 10)).toEqual([])
      expect(await store.knownRoot(field(7))).toBe(true)
      expect(await store.knownRoot(field(8))).toBe(true)
      expect(await store.latestRoot()).toEqual({ root: field(8), leafCount: 64, batchNumber: batch.number })
      expect(await store.getBatch(batch.number)).toMatchObject({ state: 'settled', l1Block: 5 })
      expect((await store.getBatch(batch.number))?.settledAt).toBeInstanceOf(Date)
      expect(await store.takenNullifiers([spent[0]!])).toEqual([{ value: spent[0], status: 'spent', txId: transactions[0]!.id }])
      // A spent note can never be spent again, and says so.
      expect(await store.insertPendingTransaction(makeTransaction(9, { nullifiers: [spent[0]!] }))).toEqual({
        ok: false,
        code: 'NULLIFIER_SPENT',
        message: 'The note was already spent.',
        nullifier: spent[0],
      })
      await expect(store.rejectTransaction('tx-1', { code: 'X', message: 'X.' })).rejects.toThrow('Transaction tx-1 is already settled on L1 and cannot be rejected.')
    })

    it('behavior: a batch someone else settled that carries one of our pending transactions settles it, at its position, instead of rejecting it', async () => {
      expect((await store.insertPendingTransaction(makeTransaction(1))).ok).toBe(true)
      const ours = makeTransaction(1)
      const foreign = { commitment: field(77), ciphertext: new Uint8Array(214), epk: new Uint8Array(32) }
      const carried = ours.commitments.map((commitment) => ({ commitment, ciphertext: new Uint8Array(214), epk: new Uint8Array(32) }))
      expect(carried).toHaveLength(3)
      const external = await store.recordSettledBatch({
        newRoot: field(8),
        startIndex: 64,
        leafCount: 128,
        // A foreign transaction's three outputs, then ours: position 1.
        leaves: [foreign, { ...foreign, commitment: field(78) }, { ...foreign, commitment: field(79) }, ...carried],
        nullifiers: [field(88), field(89), ...ours.nullifiers],
      })
      expect(external.rejected).toEqual([])
      expect(await store.getTransaction('tx-1')).toMatchObject({ status: 'settled', batchNumber: external.batchNumber, position: 1 })
      expect(await store.takenNullifiers(ours.nullifiers)).toEqual(ours.nullifiers.map((value) => ({ value, status: 'spent', txId: 'tx-1' })))
    })

    it('behavior: an escrow is reserved by the first admitted deposit that consumes it: a second is DEPOSIT_PENDING, naming the first, until the first is rejected', async () => {
      const key = hash(0xe5c0)
      expect((await store.insertPendingTransaction(makeTransaction(1, { escrowKey: key }))).ok).toBe(true)
      expect(await store.escrowHolder(key)).toBe('tx-1')
      expect(await store.escrowHolder(hash(0xe5c1))).toBeUndefined()
      expect(await store.insertPendingTransaction(makeTransaction(2, { escrowKey: key.toUpperCase().replace('0X', '0x') as typeof key }))).toEqual({
        ok: false,
        code: 'DEPOSIT_PENDING',
        message: 'The deposit’s escrow is already being consumed by another admitted transaction.',
        holder: 'tx-1',
      })
      expect(await store.getTransaction('tx-2')).toBeUndefined()
      await store.rejectTransaction('tx-1', { code: 'INVALID_PROOF', message: 'no' })
      expect(await store.escrowHolder(key)).toBeUndefined()
      expect((await store.insertPendingTransaction(makeTransaction(2, { escrowKey: key }))).ok).toBe(true)
      // Requeueing the first would consume the escrow twice: refused as a value.
      expect(await store.requeueTransaction('tx-1')).toMatchObject({ ok: false, code: 'DEPOSIT_PENDING', holder: 'tx-2' })
      await expect(store.insertPendingTransaction(makeTransaction(3, { escrowKey: '0x1234' }))).rejects.toBeInstanceOf(InvalidParameterError)
    })

    it('behavior: a batch someone else settled rejects the local pending transactions it spends from under them', async () => {
      expect((await store.insertPendingTransaction(makeTransaction(1))).ok).toBe(true)
      expect((await store.insertPendingTransaction(makeTransaction(2))).ok).toBe(true)
      const stolen = makeTransaction(1).nullifiers[0]!
      const external = await store.recordSettledBatch({
        newRoot: field(8),
        startIndex: 0,
        leafCount: 64,
        leaves: [{ commitment: field(77), ciphertext: new Uint8Array(214), epk: new Uint8Array(32) }],
        nullifiers: [stolen, field(88)],
      })
      expect(external.rejected).toEqual(['tx-1'])
      expect(await store.getBatch(external.batchNumber)).toMatchObject({ state: 'settled', attempts: 0 })
      expect(await store.getTransaction('tx-1')).toMatchObject({ status: 'rejected', rejectCode: 'NULLIFIER_SPENT' })
      expect((await store.getTransaction('tx-2'))?.status).toBe('pending')
      // tx-1's other note was released; the stolen one is spent.
      const [, other] = makeTransaction(1).nullifiers
      expect((await store.insertPendingTransaction(makeTransaction(3, { nullifiers: [other!] }))).ok).toBe(true)
      expect(await store.insertPendingTransaction(makeTransaction(4, { nullifiers: [stolen] }))).toMatchObject({ ok: false, code: 'NULLIFIER_SPENT' })
    })

    it('error: recording a settled batch twice throws and leaves the first record intact', async () => {
      const { batch, transactions } = (await submittedBatch([1]))!
      const leaves = leavesOf(transactions)
      await store.recordSettledBatch({ batchNumber: batch.number, newRoot: field(8), startIndex: 0, leafCount: 64, leaves, nullifiers: transactions[0]!.nullifiers })
      const replay = store.recordSettledBatch({ newRoot: field(9), startIndex: 0, leafCount: 64, leaves, nullifiers: [] })
      await expect(replay).rejects.toMatchObject({ name: 'StoreError', code: 'STORE_CONFLICT', message: `Leaf 0 is already recorded: batch ${batch.number + 1} overlaps a settled batch.` })
      // The failed call's SQL transaction rolled back entirely: no batch, no root.
      expect(await store.getBatch(batch.number + 1)).toBeUndefined()
      expect(await store.knownRoot(field(9))).toBe(false)
      expect(await store.listNotes(0, 10)).toHaveLength(3)
    })

    /** Our batch of `ids` settled at `l1Block`, then `between`, then someone else's batch at `l1Block + 1` spending `stolen`. */
    async function settledPair(ids: number[], startIndex: number, l1Block: number, stolen: bigint, between = async () => {}) {
      const { batch, transactions } = (await submittedBatch(ids, startIndex))!
      const leaves = leavesOf(transactions)
      const spent = transactions.flatMap((t) => t.nullifiers)
      const newRoot = field(8 + startIndex)
      await store.recordSettledBatch({ batchNumber: batch.number, newRoot, startIndex, leafCount: startIndex + 64, leaves, nullifiers: spent, l1Block, l1BlockHash: hash(l1Block) })
      await between()
      const external = await store.recordSettledBatch({
        newRoot: field(9 + startIndex),
        startIndex: startIndex + 64,
        leafCount: startIndex + 128,
        leaves: [{ commitment: field(77 + startIndex), ciphertext: new Uint8Array(214), epk: new Uint8Array(32) }],
        nullifiers: [stolen],
        l1Block: l1Block + 1,
        l1BlockHash: hash(l1Block + 1),
      })
      return { batch, transactions, leaves, spent, newRoot, external }
    }

    it('behavior: a rollback returns our orphaned batch to submitted without its leaves, root and nullifiers, removes the others’ batch, and moves the cursor, all at once', async () => {
      await store.recordGenesisRoot(field(7))
      const kept = await settledPair([1], 0, 4, field(66))
      const victim = async () => expect((await store.insertPendingTransaction(makeTransaction(3))).ok).toBe(true)
      const orphan = await settledPair([2], 128, 6, makeTransaction(3).nullifiers[0]!, victim)
      expect(orphan.external.rejected).toEqual(['tx-3'])
      await store.setCursor('l1', { block: 9n, blockHash: hash(8) })
      expect((await store.reorgCheckpoints()).map((c) => [c.batchNumber, c.l1Block])).toEqual([
        [orphan.external.batchNumber, 7],
        [orphan.batch.number, 6],
        [kept.external.batchNumber, 5],
        [kept.batch.number, 4],
      ])

      const result = await store.rollbackSettled({ fromBlock: 6n, cursorKey: 'l1', cursorHash: hash(5) })
      expect(result.removed).toEqual([orphan.external.batchNumber])
      expect(result.reverted).toMatchObject([{ number: orphan.batch.number, state: 'submitted', l1Block: null, l1BlockHash: null, settledAt: null, l1TxHash: hash(0xbeef) }])
      expect((await store.getTransaction('tx-2'))?.status).toBe('submitted')
      expect(await store.getBatch(orphan.external.batchNumber)).toBeUndefined()
      expect((await store.listNotes(0, 1000)).map((n) => n.batchNumber)).toEqual([kept.batch.number, kept.batch.number, kept.batch.number, kept.external.batchNumber])
      expect(await store.latestRoot()).toEqual({ root: field(9), leafCount: 128, batchNumber: kept.external.batchNumber })
      expect(await store.knownRoot(orphan.newRoot)).toBe(false)
      expect(await store.knownRoot(field(9 + 128))).toBe(false)
      expect(await store.getCursor('l1')).toEqual({ block: 6n, blockHash: hash(5) })
      // tx-2's notes are reserved by tx-2 again, not spent; the others' nullifier is free; tx-3 stays rejected.
      expect(await store.insertPendingTransaction(makeTransaction(8, { nullifiers: [orphan.spent[0]!] }))).toMatchObject({ ok: false, code: 'NULLIFIER_PENDING' })
      expect((await store.insertPendingTransaction(makeTransaction(9, { nullifiers: [makeTransaction(3).nullifiers[0]!] }))).ok).toBe(true)
      expect((await store.getTransaction('tx-3'))?.status).toBe('rejected')
      expect(await store.insertPendingTransaction(makeTransaction(10, { nullifiers: [kept.spent[0]!] }))).toMatchObject({ ok: false, code: 'NULLIFIER_SPENT' })

      // Re-mined on the new chain, the batch is recorded again as if for the first time.
      await store.recordSettledBatch({
        batchNumber: orphan.batch.number,
        newRoot: orphan.newRoot,
        startIndex: 128,
        leafCount: 192,
        leaves: orphan.leaves,
        nullifiers: orphan.spent,
        l1Block: 7,
        l1BlockHash: hash(0x777),
      })
      expect(await store.getBatch(orphan.batch.number)).toMatchObject({ state: 'settled', l1Block: 7, l1BlockHash: hash(0x777) })
      expect((await store.getTransaction('tx-2'))?.status).toBe('settled')
      expect(await store.listNotes(128, 10)).toHaveLength(3)
    })

    it('error: a rollback that would undo a final batch throws REORG_TOO_DEEP and changes nothing; settled leaves only through a rollback', async () => {
      await store.recordGenesisRoot(field(7))
      const { batch, external } = await settledPair([1], 0, 4, field(66))
      await expect(store.setBatchState(batch.number, 'submitted')).rejects.toMatchObject({ code: 'STORE_CONFLICT', message: expect.stringContaining('rollbackSettled') })
      await store.setBatchState(batch.number, 'final')
      expect((await store.reorgCheckpoints()).map((c) => [c.batchNumber, c.state])).toEqual([
        [external.batchNumber, 'settled'],
        [batch.number, 'final'],
      ])
      await store.setCursor('l1', { block: 9n, blockHash: hash(8) })
      const error = await store.rollbackSettled({ fromBlock: 3n, cursorKey: 'l1', cursorHash: null }).catch((e: unknown) => e)
      expect(error).toMatchObject({ name: 'ReorgTooDeepError', code: 'REORG_TOO_DEEP', block: 4n })
      expect(await store.getBatch(external.batchNumber)).toMatchObject({ state: 'settled' })
      expect(await store.listNotes(0, 1000)).toHaveLength(4)
      expect(await store.getCursor('l1')).toEqual({ block: 9n, blockHash: hash(8) })
      await expect(store.rollbackSettled({ fromBlock: 3n, cursorKey: 'l1', cursorHash: '0x12' })).rejects.toMatchObject({ parameter: 'cursorHash' })
    })

    it('behavior: the genesis root is recorded once and a different one is refused', async () => {
      await store.recordGenesisRoot(field(7))
      await store.recordGenesisRoot(field(7))
      expect(await store.latestRoot()).toEqual({ root: field(7), leafCount: 0, batchNumber: null })
      await expect(store.recordGenesisRoot(field(6))).rejects.toBeInstanceOf(StoreError)
      expect(await store.knownRoot(field(6))).toBe(false)
    })

    it('behavior: sync cursors are stored per key and overwritten', async () => {
      await store.setCursor('l1-events', { block: 10n })
      await store.setCursor('deposits', { block: 3n, blockHash: hash(0xabc) })
      await store.setCursor('l1-events', { block: 12n, blockHash: hash(0xdef) })
      expect(await store.getCursor('l1-events')).toEqual({ block: 12n, blockHash: hash(0xdef) })
      expect(await store.getCursor('deposits')).toEqual({ block: 3n, blockHash: hash(0xabc) })
    })

    it('error: bad arguments are refused naming the parameter, before touching the database', async () => {
      const cases: [Promise<unknown>, string][] = [
        [store.insertPendingTransaction(makeTransaction(1, { nullifiers: [FIELD_SIZE] })), 'nullifiers[0]'],
        [store.insertPendingTransaction(makeTransaction(1, { nullifiers: [field(1), field(1)] })), 'nullifiers'],
        [store.insertPendingTransaction(makeTransaction(1, { root: -1n })), 'root'],
        [store.insertPendingTransaction(makeTransaction(1, { id: '' })), 'id'],
        [store.sealBatch({ maxTransactions: 0 }), 'maxTransactions'],
        [store.listNotes(-1, 10), 'fromLeafIndex'],
        [store.listNotes(0, 0), 'limit'],
        [store.setCursor('k', { block: -1n }), 'block'],
      ]
      for (const [call, parameter] of cases) {
        const error = await call.catch((e: unknown) => e)
        expect(error).toBeInstanceOf(InvalidParameterError)
        expect((error as InvalidParameterError).parameter).toBe(parameter)
      }
      expect(await store.getTransaction('tx-1')).toBeUndefined()
    })
  })
}
