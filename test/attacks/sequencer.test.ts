import { type Address, bytesToHex, zeroAddress } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ShieldedTransaction, terminateProver } from '../../src/circuits/index.ts'
import type { Note, Outputs } from '../../src/crypto/note.ts'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import type { SettlementClients } from '../../src/settlement/clients.ts'
import { deposit } from '../../src/settlement/deposit.ts'
import { rollupAbi } from '../../src/settlement/generated/contracts.ts'
import { readRollupState } from '../../src/settlement/readRollupState.ts'
import { reclaimDeposit } from '../../src/settlement/reclaimDeposit.ts'
import { requestInclusion } from '../../src/settlement/requestInclusion.ts'
import { skipInclusionRequest } from '../../src/settlement/skipInclusionRequest.ts'
import { submitBatch } from '../../src/settlement/submitBatch.ts'
import { Actor, type Devnet, leafIndexes, MerkleTree, proveBatchFor, startDevnet } from '../helpers/rollup.ts'
import { rejectsWith } from './helpers.ts'

// Attacks by the sequencer (the operator key the rollup trusts to post batches) and by
// griefers who post through the escape hatch: take users' deposits, ignore a user's
// transactions, keep the escape hatch shut, or throttle it. The defence is the contract's
// forced-inclusion queue: a user registers a proven transaction on L1; `escapeDelay` blocks
// later every batch must serve it first, and anyone may post batches until one does.

const ETH = 0n
const ESCAPE_DELAY = 12n

let devnet: Devnet
let sequencer: SettlementClients
let userL1: SettlementClients
let griefer: SettlementClients
let rollup: Address
let user: Actor
let operator: Actor
let tree: MerkleTree

beforeAll(async () => {
  await initCrypto()
  tree = new MerkleTree()
  user = new Actor(21)
  operator = new Actor(22)
  devnet = await startDevnet({ escapeDelay: ESCAPE_DELAY, depositTimeout: 1000n })
  ;[sequencer, userL1, griefer] = devnet.accounts as [SettlementClients, SettlementClients, SettlementClients]
  rollup = devnet.rollup
})

afterAll(async () => {
  await devnet?.stop()
  await terminateProver()
})

const head = () => devnet.publicClient.getBlockNumber({ cacheTime: 0 })
const state = () => readRollupState(devnet.publicClient, { rollup })
const spent = (nullifier: bigint) => devnet.publicClient.readContract({ address: rollup, abi: rollupAbi, functionName: 'nullifierSpent', args: [nullifier] })

/** A deposit proven by `actor`, escrowed by `payer`, settled by `by`; returns the actor's new note. */
async function settleDeposit(actor: Actor, payer: SettlementClients, amount: bigint, by: SettlementClients = sequencer): Promise<{ note: Note; leafIndex: number }> {
  const { tx, change } = await actor.transact(tree, { asset: ETH, extAmount: amount })
  await deposit(payer, { rollup, asset: zeroAddress, amount, extDataHash: tx.extDataHash, commitments: tx.commitments })
  const batch = await proveBatchFor(tree, rollup, [tx])
  await submitBatch(by, batch)
  batch.commit()
  return { note: change, leafIndex: leafIndexes(batch.startIndex, 0)[1] }
}

/** A transaction of the sequencer's own: a 1-wei deposit to itself, escrowed. */
async function ownTx(): Promise<ShieldedTransaction> {
  const { tx } = await operator.transact(tree, { asset: ETH, extAmount: 1n })
  await deposit(sequencer, { rollup, asset: zeroAddress, amount: 1n, extDataHash: tx.extDataHash, commitments: tx.commitments })
  return tx
}

/** A batch of the sequencer's own, holding one transaction of its own. */
async function ownBatch(): Promise<{ tx: ShieldedTransaction; batch: Awaited<ReturnType<typeof proveBatchFor>> }> {
  const tx = await ownTx()
  return { tx, batch: await proveBatchFor(tree, rollup, [tx]) }
}

describe('a malicious sequencer', () => {
  it("the operator key consumes a user's escrowed deposit with its own outputs: refused, and the user's deposit still settles", async () => {
    const mine = await user.transact(tree, { asset: ETH, extAmount: 900n })
    await deposit(userL1, { rollup, asset: zeroAddress, amount: 900n, extDataHash: mine.tx.extDataHash, commitments: mine.tx.commitments })
    const stolen = await operator.proveWithExtData(tree, { asset: ETH, extData: mine.tx.extData })
    await rejectsWith(submitBatch(sequencer, await proveBatchFor(tree, rollup, [stolen])), 'Rollup__DepositNotEscrowed', { txIndex: 0n })
    const honest = await proveBatchFor(tree, rollup, [mine.tx])
    await submitBatch(sequencer, honest)
    honest.commit()
    expect(await spent(mine.tx.nullifiers[0])).toBe(true)
  })

  it('the sequencer ignores my transaction and keeps posting its own batches: after escapeDelay blocks its batches that leave my request out revert, and I settle it myself', async () => {
    const funds = await settleDeposit(user, userL1, 500n)
    const bob = new Actor(23)
    const { tx: payment } = await user.transact(tree, { asset: ETH, inputs: [funds], pay: { to: bob, amount: 200n } })
    const requested = await requestInclusion(userL1, { rollup, transaction: payment })
    expect(requested.dueBlock).toBe((await head()) + ESCAPE_DELAY)
    const queued = await devnet.publicClient.readContract({ address: rollup, abi: rollupAbi, functionName: 'inclusionRequests', args: [requested.index] })
    expect(queued[1]).toBe(requested.dueBlock)

    // Before it is due, the sequencer may still post around it...
    const early = await ownBatch()
    await submitBatch(sequencer, early.batch)
    early.batch.commit()
    expect((await state()).inclusionQueue).toEqual({ head: requested.index, length: requested.index + 1n })
    // ...and from the due block on it may not, however recently it posted.
    const now = await head()
    if (now < requested.dueBlock) await devnet.testClient.mine({ blocks: Number(requested.dueBlock - now) })
    const late = await ownBatch()
    await rejectsWith(submitBatch(sequencer, late.batch), 'Rollup__InclusionDue', { requestIndex: requested.index })
    const { lastSequencerBatchBlock, escapeOpenFromBlock } = await state()
    expect(lastSequencerBatchBlock + ESCAPE_DELAY).toBeGreaterThan(await head()) // the silence hatch is shut...
    expect(escapeOpenFromBlock).toBe(requested.dueBlock) // ...but the due request opened it

    // Without the sequencer's help: the user posts the batch with its own request first.
    const escape = await proveBatchFor(tree, rollup, [payment])
    const { receipt } = await submitBatch(userL1, escape)
    escape.commit()
    expect(await spent(payment.nullifiers[0])).toBe(true)
    expect(receipt.blockNumber - requested.dueBlock).toBeLessThan(5n)
    expect((await state()).inclusionQueue).toEqual({ head: requested.index + 1n, length: requested.index + 1n })
    // Served: the sequencer's own batch goes through again (rebuilt on the new root).
    const again = await proveBatchFor(tree, rollup, [late.tx])
    await submitBatch(sequencer, again)
    again.commit()
  })

  it('the sequencer serves a due request inside its own batch, in queue order, and only so', async () => {
    const funds = await settleDeposit(user, userL1, 300n)
    const { tx: payment } = await user.transact(tree, { asset: ETH, inputs: [funds], pay: { to: new Actor(24), amount: 100n } })
    const requested = await requestInclusion(userL1, { rollup, transaction: payment })
    await devnet.testClient.mine({ blocks: Number(ESCAPE_DELAY) })
    const own = await ownTx()
    // The request after the sequencer's own transaction: refused; first: accepted.
    await rejectsWith(submitBatch(sequencer, await proveBatchFor(tree, rollup, [own, payment])), 'Rollup__InclusionDue', { requestIndex: requested.index })
    const served = await proveBatchFor(tree, rollup, [payment, own])
    await submitBatch(sequencer, served)
    served.commit()
    expect((await state()).inclusionQueue.head).toBe(requested.index + 1n)
  })

  it('a griefer takes every escape slot with one-transaction batches once the sequencer is silent: others still post back to back', async () => {
    await devnet.testClient.mine({ blocks: Number(ESCAPE_DELAY) })
    const before = await state()
    expect(before.escapeOpenFromBlock).toBeLessThanOrEqual(await head())
    const griefer1 = await settleDeposit(new Actor(25), griefer, 1n, griefer)
    expect(griefer1.leafIndex).toBeGreaterThan(0)
    // The griefer's batch did not restart the sequencer's clock: the user posts in the very next block.
    const after = await state()
    expect(after.lastSequencerBatchBlock).toBe(before.lastSequencerBatchBlock)
    expect(after.escapeOpenFromBlock).toBe(before.escapeOpenFromBlock)
    const userBlock = await head()
    await settleDeposit(user, userL1, 2n, userL1)
    await settleDeposit(new Actor(25), griefer, 1n, griefer)
    await settleDeposit(user, userL1, 3n, userL1)
    expect((await state()).batchCount - after.batchCount).toBe(3n)
    expect((await head()) - userBlock).toBeLessThanOrEqual(9n) // three batches, three deposits each a block apart
    // Once the sequencer posts again, the silence hatch shuts.
    const own = await ownBatch()
    await submitBatch(sequencer, own.batch)
    own.batch.commit()
    await rejectsWith(submitBatch(griefer, await proveBatchFor(tree, rollup, [await ownTx()])), 'Rollup__NotSequencer')
  })

  it('the sequencer cannot drop a request that can still be included; one whose note was spent since is skipped by anyone', async () => {
    await rejectsWith(skipInclusionRequest(sequencer, { rollup, transaction: await ownTx() }), 'Rollup__NoInclusionRequest')
    const funds = await settleDeposit(user, userL1, 400n)
    const { tx: first } = await user.transact(tree, { asset: ETH, inputs: [funds], pay: { to: new Actor(26), amount: 1n } })
    const { tx: second } = await user.transact(tree, { asset: ETH, inputs: [funds], pay: { to: new Actor(26), amount: 2n } })
    const r1 = await requestInclusion(userL1, { rollup, transaction: first })
    await requestInclusion(userL1, { rollup, transaction: second })
    await rejectsWith(skipInclusionRequest(sequencer, { rollup, transaction: first }), 'Rollup__InclusionRequestValid', { requestIndex: r1.index })
    await rejectsWith(skipInclusionRequest(sequencer, { rollup, transaction: second }), 'Rollup__NotInclusionHead', { requestIndex: r1.index })
    // Serving the first spends the note the second also spends: the second can never be included.
    const batch = await proveBatchFor(tree, rollup, [first])
    await submitBatch(sequencer, batch)
    batch.commit()
    await skipInclusionRequest(griefer, { rollup, transaction: second })
    expect((await state()).inclusionQueue).toEqual({ head: r1.index + 2n, length: r1.index + 2n })
  })

  it('a depositor queues its deposit, then reclaims it in front of the batch that serves it: refused while queued; a request that can never be served frees the escrow again', async () => {
    const escrowOf = (tx: ShieldedTransaction) => ({ rollup, asset: zeroAddress, amount: tx.extData.extAmount, extDataHash: tx.extDataHash, commitments: tx.commitments })
    const timeout = (await state()).depositTimeout
    // Locked while queued, however long past its timeout.
    const queued = (await user.transact(tree, { asset: ETH, extAmount: 60n })).tx
    await deposit(userL1, escrowOf(queued))
    await requestInclusion(userL1, { rollup, transaction: queued })
    await devnet.testClient.mine({ blocks: Number(timeout) })
    await rejectsWith(reclaimDeposit(userL1, escrowOf(queued)), 'Rollup__DepositQueued')
    const served = await proveBatchFor(tree, rollup, [queued])
    await submitBatch(sequencer, served)
    served.commit()

    // A request whose note another transaction spent first gives its escrow back when skipped.
    const dummies = [{ note: user.note(ETH, 0n), leafIndex: 0 }, { note: user.note(ETH, 0n), leafIndex: 0 }]
    const stale = await user.proveWithExtData(tree, { asset: ETH, inputs: dummies, extData: { ...queued.extData, extAmount: 61n } })
    const first = await user.proveWithExtData(tree, { asset: ETH, inputs: dummies, extData: { ...queued.extData, extAmount: 62n } })
    expect(first.nullifiers).toEqual(stale.nullifiers)
    await deposit(userL1, escrowOf(stale))
    await deposit(userL1, escrowOf(first))
    await requestInclusion(userL1, { rollup, transaction: stale })
    const batch = await proveBatchFor(tree, rollup, [first])
    await submitBatch(sequencer, batch)
    batch.commit()
    await rejectsWith(reclaimDeposit(userL1, escrowOf(stale)), 'Rollup__DepositQueued')
    await skipInclusionRequest(griefer, { rollup, transaction: stale })
    await devnet.testClient.mine({ blocks: Number(timeout) })
    const before = await devnet.publicClient.getBalance({ address: rollup })
    await reclaimDeposit(userL1, escrowOf(stale))
    expect(await devnet.publicClient.getBalance({ address: rollup })).toBe(before - 61n)
  })

  it('a depositor tries to block the queue for good: its request, whose escrow a twin consumed and it then made again, and whose note it then spent, can still be skipped', async () => {
    const escrowOf = (tx: ShieldedTransaction) => ({ rollup, asset: zeroAddress, amount: tx.extData.extAmount, extDataHash: tx.extDataHash, commitments: tx.commitments })
    const extData = {
      recipient: zeroAddress,
      extAmount: 63n,
      fee: 0n,
      epk: bytesToHex(new Uint8Array(32).fill(1)),
      ciphertexts: [bytesToHex(new Uint8Array(214).fill(2)), bytesToHex(new Uint8Array(214).fill(3)), bytesToHex(new Uint8Array(214).fill(4))] as Outputs<`0x${string}`>,
    }
    const dummies = [{ note: user.note(ETH, 0n), leafIndex: 0 }, { note: user.note(ETH, 0n), leafIndex: 0 }]
    const outputs = [user.note(ETH, 63n), user.note(ETH, 0n), user.note(ETH, 0n)] as Outputs<Note>
    const queued = await user.proveWithExtData(tree, { asset: ETH, inputs: dummies, outputs, extData })
    const twin = await user.proveWithExtData(tree, { asset: ETH, outputs, extData }) // the same escrow, other notes spent
    const spender = await user.proveWithExtData(tree, { asset: ETH, inputs: dummies, extData: { ...extData, extAmount: 64n } }) // the same notes spent, another escrow
    await deposit(userL1, escrowOf(queued))
    const { index } = await requestInclusion(userL1, { rollup, transaction: queued })
    await deposit(userL1, escrowOf(spender))
    const batch = await proveBatchFor(tree, rollup, [twin, spender])
    await submitBatch(sequencer, batch)
    batch.commit()
    // The escrow the request counted on is gone; the same one is made again, with no request on it.
    await deposit(userL1, escrowOf(queued))
    await skipInclusionRequest(griefer, { rollup, transaction: queued })
    expect((await state()).inclusionQueue).toEqual({ head: index + 1n, length: index + 1n })
  })

  it('a request with a forged proof or an unescrowed deposit is refused at registration, so nothing false can block the queue', async () => {
    const { tx } = await user.transact(tree, { asset: ETH, extAmount: 77n })
    await rejectsWith(requestInclusion(griefer, { rollup, transaction: tx }), 'Rollup__DepositNotEscrowed', { txIndex: 0n })
    await deposit(userL1, { rollup, asset: zeroAddress, amount: 77n, extDataHash: tx.extDataHash, commitments: tx.commitments })
    const other = await ownTx()
    await rejectsWith(requestInclusion(griefer, { rollup, transaction: { ...tx, proof: other.proof } }), 'Rollup__InvalidProof')
    const ok = await requestInclusion(griefer, { rollup, transaction: tx })
    expect(ok.index).toBe((await state()).inclusionQueue.head)
  })
})
