import { type Address, zeroAddress } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ShieldedTransaction, terminateProver } from '../../src/circuits/index.ts'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import type { SettlementClients } from '../../src/settlement/clients.ts'
import { deposit } from '../../src/settlement/deposit.ts'
import { rollupAbi } from '../../src/settlement/generated/contracts.ts'
import { reclaimDeposit } from '../../src/settlement/reclaimDeposit.ts'
import { submitBatch } from '../../src/settlement/submitBatch.ts'
import { Actor, type Devnet, MerkleTree, proveBatchFor, startDevnet } from '../helpers/rollup.ts'
import { rejectsWith } from './helpers.ts'

// Attacks by an L1 front-runner: someone who watches the public mempool and the chain, copies
// what it sees into transactions of its own and gets them mined first (a searcher, a block
// builder). Reorgs by a block producer are in test/e2e/reorg.test.ts.

const ETH = 0n
const DEPOSIT_TIMEOUT = 30n
let devnet: Devnet
let sequencer: SettlementClients
let victimL1: SettlementClients
let runner: SettlementClients
let rollup: Address
let tree: MerkleTree
let victim: Actor
let attacker: Actor

beforeAll(async () => {
  await initCrypto()
  tree = new MerkleTree()
  victim = new Actor(61)
  attacker = new Actor(62)
  devnet = await startDevnet({ escapeDelay: 1000n, depositTimeout: DEPOSIT_TIMEOUT })
  ;[sequencer, victimL1, runner] = devnet.accounts as [SettlementClients, SettlementClients, SettlementClients]
  rollup = devnet.rollup
})

afterAll(async () => {
  await devnet?.stop()
  await terminateProver()
})

const escrowOf = (tx: ShieldedTransaction) => ({ rollup, asset: zeroAddress, amount: tx.extData.extAmount, extDataHash: tx.extDataHash, commitments: tx.commitments })
const balance = (a: Address) => devnet.publicClient.getBalance({ address: a })

describe('an L1 front-runner', () => {
  it("copies a pending deposit's ext data into an escrow of its own with its own notes: it only deposits its own money, and the victim's escrow stays the victim's", async () => {
    const mine = await victim.transact(tree, { asset: ETH, extAmount: 400n })
    // Seen in the mempool before the victim's deposit is mined: same ext data, the runner's notes.
    const copy = await attacker.proveWithExtData(tree, { asset: ETH, extData: mine.tx.extData })
    await deposit(runner, escrowOf(copy))
    await deposit(victimL1, escrowOf(mine.tx))
    const batch = await proveBatchFor(tree, rollup, [copy, mine.tx])
    await submitBatch(sequencer, batch)
    batch.commit()
    // Two escrows of 400, each consumed by its own transaction: the rollup holds 800, each party owns its notes.
    expect(await balance(rollup)).toBe(800n)
    for (const tx of [copy, mine.tx]) {
      expect(await devnet.publicClient.readContract({ address: rollup, abi: rollupAbi, functionName: 'nullifierSpent', args: [tx.nullifiers[0]] })).toBe(true)
    }
  })

  it("copies the victim's deposit call itself and gets it mined first: the victim's call reverts and costs it nothing but gas; the runner paid for the victim's notes", async () => {
    const mine = await victim.transact(tree, { asset: ETH, extAmount: 300n })
    await deposit(runner, escrowOf(mine.tx))
    const before = await balance(victimL1.walletClient.account.address)
    await rejectsWith(deposit(victimL1, escrowOf(mine.tx)), 'Rollup__DepositExists')
    // Simulated before sending: the victim did not even pay gas.
    expect(await balance(victimL1.walletClient.account.address)).toBe(before)
    // Settling the victim's transaction consumes the runner's escrow: the runner cannot get it back.
    const batch = await proveBatchFor(tree, rollup, [mine.tx])
    await submitBatch(sequencer, batch)
    batch.commit()
    await devnet.testClient.mine({ blocks: Number(DEPOSIT_TIMEOUT) })
    await rejectsWith(reclaimDeposit(runner, escrowOf(mine.tx)), 'Rollup__DepositUnknown')
  })

  it("races the depositor to reclaim its escrow after the timeout: only the depositor may", async () => {
    const mine = await victim.transact(tree, { asset: ETH, extAmount: 200n })
    await deposit(victimL1, escrowOf(mine.tx))
    await devnet.testClient.mine({ blocks: Number(DEPOSIT_TIMEOUT) })
    await rejectsWith(reclaimDeposit(runner, escrowOf(mine.tx)), 'Rollup__NotDepositor')
    await reclaimDeposit(victimL1, escrowOf(mine.tx))
  })

  it("copies the sequencer's pending batch to collect its fees, or replays a settled one: refused", async () => {
    const mine = await victim.transact(tree, { asset: ETH, extAmount: 100n, fee: 5n })
    await deposit(victimL1, escrowOf(mine.tx))
    const batch = await proveBatchFor(tree, rollup, [mine.tx])
    // While the sequencer is active only it may post: a copy from another account, with the
    // runner as fee recipient, reverts.
    await rejectsWith(submitBatch(runner, { ...batch, feeRecipient: runner.walletClient.account.address }), 'Rollup__NotSequencer')
    await submitBatch(sequencer, batch)
    batch.commit()
    expect(await devnet.publicClient.readContract({ address: rollup, abi: rollupAbi, functionName: 'owed', args: [sequencer.walletClient.account.address, zeroAddress] })).toBe(5n)
    // The same batch again: its root is stale; the same transaction in a fresh batch: its notes are spent.
    await rejectsWith(submitBatch(sequencer, batch), 'Rollup__StaleRoot')
    await rejectsWith(submitBatch(sequencer, await proveBatchFor(tree, rollup, [mine.tx])), 'Rollup__NullifierSpent', { txIndex: 0n })
  })
})
