import { zeroAddress } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ShieldedTransaction, terminateProver, toTransactionJson } from '../../src/circuits/index.ts'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import { transactionId } from '../../src/sequencer/Admission.ts'
import { Sequencer } from '../../src/sequencer/Sequencer.ts'
import { deposit } from '../../src/settlement/deposit.ts'
import { readRollupState } from '../../src/settlement/readRollupState.ts'
import { requestInclusion } from '../../src/settlement/requestInclusion.ts'
import { startTestNode, type TestNode } from '../helpers/node.ts'
import { until } from '../helpers/nodeProcess.ts'
import { Actor, type Devnet, startDevnet } from '../helpers/rollup.ts'

// The honest node and the rollup's forced-inclusion queue: whatever a user queues on L1, the
// node puts first into its next batch, even a transaction it turned away or one that collides
// with its mempool; a request that can no longer be included it skips on L1, so the queue never
// blocks its batches.

let devnet: Devnet
let node: TestNode
let user: Actor

beforeAll(async () => {
  await initCrypto()
  user = new Actor(41)
  devnet = await startDevnet({ escapeDelay: 50n, depositTimeout: 40n })
  // Batches only by age, and a long one: whatever settles quickly here was forced.
  node = await startTestNode(devnet, { batchSize: 21, batchMaxAgeMs: 600_000, depositMarginBlocks: 5n })
})

afterAll(async () => {
  await node?.stop()
  await devnet?.stop()
  await terminateProver()
})

const idOf = (tx: ShieldedTransaction) => transactionId(toTransactionJson(tx))
const queue = async () => (await readRollupState(devnet.publicClient, { rollup: devnet.rollup })).inclusionQueue
/** The node's own copy of the note tree, in step with L1 once a transaction of ours settled. */
const tree = () => node.sequencer.tree
async function escrowed(amount: bigint) {
  const made = await user.transact(tree(), { asset: 0n, extAmount: amount })
  await deposit(devnet.accounts[1]!, { rollup: devnet.rollup, asset: zeroAddress, amount, extDataHash: made.tx.extDataHash, commitments: made.tx.commitments })
  return made
}

async function leafOf(commitment: bigint): Promise<number> {
  return (await node.store.listNotes(0, 10_000)).find((n) => n.commitment === commitment)!.leafIndex
}

describe('the node and the inclusion queue', () => {
  let note: { note: ReturnType<Actor['note']>; leafIndex: number }

  it('default: a transaction the node never saw, queued on L1 by its owner, goes into the next batch at once and settles', async () => {
    const { tx, change } = await escrowed(1000n)
    const { index } = await requestInclusion(devnet.accounts[1]!, { rollup: devnet.rollup, transaction: tx })
    const settled = await node.waitFor(idOf(tx), ['settled', 'final'])
    expect(settled.status).toMatch(/settled|final/)
    expect(await queue()).toEqual({ head: index + 1n, length: index + 1n })
    note = { note: change, leafIndex: await leafOf(tx.commitments[1]) }
  })

  it('behavior: a pending transaction that spends the same note gives way to the queued one', async () => {
    const bob = new Actor(42)
    const slow = (await user.transact(tree(), { asset: 0n, inputs: [note], pay: { to: bob, amount: 10n } })).tx
    const queued = (await user.transact(tree(), { asset: 0n, inputs: [note], pay: { to: bob, amount: 20n } })).tx
    const posted = await node.post(toTransactionJson(slow))
    expect(posted.status).toBe(202)
    await requestInclusion(devnet.accounts[1]!, { rollup: devnet.rollup, transaction: queued })
    expect(await node.waitFor(posted.body.id!, ['rejected'])).toMatchObject({ code: 'NULLIFIER_PENDING' })
    await node.waitFor(idOf(queued), ['settled', 'final'])
  })

  it('behavior: deposits the node turned away (refused at admission, dropped at sealing) are included once their owner queues them', async () => {
    const refused = await escrowed(30n)
    const escrowBlock = await devnet.publicClient.getBlockNumber({ cacheTime: 0 })
    await devnet.testClient.mine({ blocks: 36 })
    const answer = await node.post(toTransactionJson(refused.tx))
    expect([answer.status, answer.body.code]).toEqual([400, 'DEPOSIT_EXPIRING'])
    expect(await devnet.publicClient.getBlockNumber({ cacheTime: 0 })).toBeLessThan(escrowBlock + 40n)

    const dropped = await escrowed(31n)
    const admitted = await node.post(toTransactionJson(dropped.tx))
    expect(admitted.status).toBe(202)
    // What sealing does to a deposit that waited past its margin (test/attacks/user.test.ts shows it happen).
    await node.store.rejectTransaction(admitted.body.id!, { code: 'DEPOSIT_EXPIRING', message: 'dropped at sealing' })

    for (const { tx } of [refused, dropped]) await requestInclusion(devnet.accounts[1]!, { rollup: devnet.rollup, transaction: tx })
    for (const { tx } of [refused, dropped]) await node.waitFor(idOf(tx), ['settled', 'final'])
  })

  it('behavior: a queued request whose note an earlier request spends is skipped on L1 by the node, and the queue empties', async () => {
    const { tx, change } = await escrowed(500n)
    await requestInclusion(devnet.accounts[1]!, { rollup: devnet.rollup, transaction: tx })
    await node.waitFor(idOf(tx), ['settled', 'final'])
    const mine = { note: change, leafIndex: await leafOf(tx.commitments[1]) }
    const first = (await user.transact(tree(), { asset: 0n, inputs: [mine], pay: { to: new Actor(43), amount: 1n } })).tx
    const second = (await user.transact(tree(), { asset: 0n, inputs: [mine], pay: { to: new Actor(43), amount: 2n } })).tx
    const r1 = await requestInclusion(devnet.accounts[1]!, { rollup: devnet.rollup, transaction: first })
    await requestInclusion(devnet.accounts[1]!, { rollup: devnet.rollup, transaction: second })
    await node.waitFor(idOf(first), ['settled', 'final'])
    await until('the stale request to be skipped', async () => {
      const q = await queue()
      return q.head === r1.index + 2n && q.length === r1.index + 2n ? q : undefined
    })
    expect(await node.store.getTransaction(idOf(second))).toBeUndefined()
  })

  it('behavior: two requests spending one note fall due while the node is down, an ordinary transaction waiting too: it serves the first alone (no batch reverts), skips the second, then goes on', async () => {
    const { tx, change } = await escrowed(800n)
    await requestInclusion(devnet.accounts[1]!, { rollup: devnet.rollup, transaction: tx })
    await node.waitFor(idOf(tx), ['settled', 'final'])
    const mine = { note: change, leafIndex: await leafOf(tx.commitments[1]) }
    const first = (await user.transact(tree(), { asset: 0n, inputs: [mine], pay: { to: new Actor(44), amount: 3n } })).tx
    const second = (await user.transact(tree(), { asset: 0n, inputs: [mine], pay: { to: new Actor(44), amount: 4n } })).tx
    // The node's loop stops (its API still admits): both requests fall due, a deposit waits.
    const stopped = node.sequencer
    await stopped.stop()
    const r1 = await requestInclusion(devnet.accounts[1]!, { rollup: devnet.rollup, transaction: first })
    await requestInclusion(devnet.accounts[1]!, { rollup: devnet.rollup, transaction: second })
    // (a private transfer of zero: no escrow that the 50 blocks below would let expire)
    const other = await user.transact(tree(), { asset: 0n })
    const posted = await node.post(toTransactionJson(other.tx))
    expect(posted.status).toBe(202)
    await devnet.testClient.mine({ blocks: 50 })
    // The loop starts again on the same store: [first, deposit] would revert (second is due and
    // stands between them in the queue), so it posts [first], skips second, then the deposit.
    const revived = await Sequencer.start({ ...stopped.options, batchMaxAgeMs: 500 })
    try {
      await node.waitFor(idOf(first), ['settled', 'final'])
      await node.waitFor(posted.body.id!, ['settled', 'final'])
      expect(await queue()).toEqual({ head: r1.index + 2n, length: r1.index + 2n })
      expect(await node.store.listBatches(['failed'])).toEqual([])
    } finally {
      await revived.stop()
    }
  })
})
