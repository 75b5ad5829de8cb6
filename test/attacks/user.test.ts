import { type Address, bytesToHex, type Hex, zeroAddress } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { terminateProver, toTransactionJson, type ShieldedTransaction } from '../../src/circuits/index.ts'
import { BASE_FIELD_SIZE } from '../../src/circuits/proofPoints.ts'
import type { Outputs } from '../../src/crypto/note.ts'
import { encryptNotes } from '../../src/crypto/noteEncryption.ts'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import type { SettlementClients } from '../../src/settlement/clients.ts'
import { createRollupClient } from '../../src/settlement/createRollupClient.ts'
import { deposit } from '../../src/settlement/deposit.ts'
import { rollupAbi } from '../../src/settlement/generated/contracts.ts'
import { reclaimDeposit } from '../../src/settlement/reclaimDeposit.ts'
import { requestInclusion } from '../../src/settlement/requestInclusion.ts'
import { submitBatch } from '../../src/settlement/submitBatch.ts'
import { startTestNode, type TestNode } from '../helpers/node.ts'
import { Actor, type Devnet, MerkleTree, proveBatchFor, startDevnet } from '../helpers/rollup.ts'
import { nonSubgroupG2, rejectsWith } from './helpers.ts'

// Attacks by another user of the rollup: someone with an L1 account, a shielded key and a
// prover, who can read everything public (L1 events, the node's mempool) and submit anything
// to the node, to the contract (deposits, inclusion requests) and, once the escape hatch is
// open, batches. Every test performs the attack with real proofs on anvil and shows it fails.

const ETH = 0n
const ESCAPE_DELAY = 20n
const DEPOSIT_TIMEOUT = 60n

let victim: Actor
let attacker: Actor

beforeAll(async () => {
  await initCrypto()
  victim = new Actor(11)
  attacker = new Actor(12)
})

afterAll(() => terminateProver())

describe('another user, against the contract', () => {
  let devnet: Devnet
  let sequencer: SettlementClients
  let victimL1: SettlementClients
  let attackerL1: SettlementClients
  let rollup: Address
  let tree: MerkleTree

  beforeAll(async () => {
    tree = new MerkleTree()
    devnet = await startDevnet({ escapeDelay: ESCAPE_DELAY, depositTimeout: DEPOSIT_TIMEOUT })
    ;[sequencer, victimL1, attackerL1] = devnet.accounts as [SettlementClients, SettlementClients, SettlementClients]
    rollup = devnet.rollup
  })
  afterAll(() => devnet?.stop())

  const escrow = (tx: ShieldedTransaction) => ({ rollup, asset: zeroAddress, amount: tx.extData.extAmount, extDataHash: tx.extDataHash, commitments: tx.commitments })
  const balance = (a: Address) => devnet.publicClient.getBalance({ address: a })

  it('another user consumes my escrowed deposit with their own outputs under my ext data: refused, and my deposit still settles into my note', async () => {
    const mine = await victim.transact(tree, { asset: ETH, extAmount: 1000n })
    await deposit(victimL1, escrow(mine.tx))
    // Everything a deposit's ext data holds is public before it settles (the Deposited event,
    // the node's mempool): the attacker proves its own notes under the victim's ext data.
    const stolen = await attacker.proveWithExtData(tree, { asset: ETH, extData: mine.tx.extData })
    expect(stolen.extDataHash).toBe(mine.tx.extDataHash)
    expect(stolen.commitments).not.toEqual(mine.tx.commitments)

    // Through the escape hatch, open once the sequencer has been silent for escapeDelay blocks.
    await devnet.testClient.mine({ blocks: Number(ESCAPE_DELAY) })
    const batch = await proveBatchFor(tree, rollup, [stolen])
    await rejectsWith(submitBatch(attackerL1, batch), 'Rollup__DepositNotEscrowed', { txIndex: 0n })
    // Through the forced-inclusion queue, which checks a request as a batch would.
    await rejectsWith(requestInclusion(attackerL1, { rollup, transaction: stolen }), 'Rollup__DepositNotEscrowed', { txIndex: 0n })

    const honest = await proveBatchFor(tree, rollup, [mine.tx])
    await submitBatch(sequencer, honest)
    honest.commit()
    expect(tree.leaf(honest.startIndex)).toBe(mine.tx.commitments[0])
    expect(mine.payment.ownerPk === victim.keys.ownerPk || mine.change.ownerPk === victim.keys.ownerPk).toBe(true)
    expect(await devnet.publicClient.readContract({ address: rollup, abi: rollupAbi, functionName: 'nullifierSpent', args: [stolen.nullifiers[0]] })).toBe(false)
  })

  it('another user consumes my escrow through the escape hatch while nobody settles it: refused, and I reclaim it after the timeout', async () => {
    const mine = await victim.transact(tree, { asset: ETH, extAmount: 700n })
    await deposit(victimL1, escrow(mine.tx))
    const stolen = await attacker.proveWithExtData(tree, { asset: ETH, extData: mine.tx.extData })
    await devnet.testClient.mine({ blocks: Number(ESCAPE_DELAY) })
    await rejectsWith(submitBatch(attackerL1, await proveBatchFor(tree, rollup, [stolen])), 'Rollup__DepositNotEscrowed', { txIndex: 0n })
    // Only the depositor reclaims, and only once the timeout has passed.
    await rejectsWith(reclaimDeposit(attackerL1, escrow(mine.tx)), 'Rollup__NotDepositor')
    await devnet.testClient.mine({ blocks: Number(DEPOSIT_TIMEOUT) })
    expect(await balance(rollup)).toBe(1000n + 700n)
    await reclaimDeposit(victimL1, escrow(mine.tx))
    // What stays is the first test's settled deposit, nothing else.
    expect(await balance(rollup)).toBe(1000n)
  })

  it('another user breaks wallet restores with a 65,750-byte ciphertext (a wrapped u16 length): the contract refuses any ciphertext but 214 bytes', async () => {
    // A zero-value transfer whose first output's ciphertext is 65,750 bytes (65,750 mod 2^16 = 214).
    const ciphertext = bytesToHex(new Uint8Array(214).fill(3))
    const extData = { recipient: zeroAddress, extAmount: 0n, fee: 0n, epk: bytesToHex(new Uint8Array(32).fill(4)), ciphertexts: [bytesToHex(new Uint8Array(65_750).fill(9)), ciphertext, ciphertext] as Outputs<Hex> }
    const hostile = await attacker.proveWithExtData(tree, { asset: ETH, extData })
    await devnet.testClient.mine({ blocks: Number(ESCAPE_DELAY) })
    // 131 kB of calldata costs over a million gas before the contract runs: the attacker pays it.
    const hostileBatch = { ...(await proveBatchFor(tree, rollup, [hostile])), gas: 10_000_000n }
    await rejectsWith(submitBatch(attackerL1, hostileBatch), 'Rollup__InvalidCiphertext', { txIndex: 0n })
    await rejectsWith(requestInclusion(attackerL1, { rollup, transaction: hostile, gas: 10_000_000n }), 'Rollup__InvalidCiphertext', { txIndex: 0n })
    const short = await attacker.proveWithExtData(tree, { asset: ETH, extData: { ...extData, ciphertexts: ['0x', ciphertext, ciphertext] } })
    await rejectsWith(submitBatch(attackerL1, await proveBatchFor(tree, rollup, [short])), 'Rollup__InvalidCiphertext', { txIndex: 0n })
    // The fee note's ciphertext (the third) is held to the same size.
    const shortFee = await attacker.proveWithExtData(tree, { asset: ETH, extData: { ...extData, ciphertexts: [ciphertext, ciphertext, '0x'] } })
    await rejectsWith(submitBatch(attackerL1, await proveBatchFor(tree, rollup, [shortFee])), 'Rollup__InvalidCiphertext', { txIndex: 0n })
  })
})

describe('another user, against the node', () => {
  let devnet: Devnet
  let depositorL1: SettlementClients
  const nodes: TestNode[] = []
  let tree: MerkleTree

  beforeAll(async () => {
    tree = new MerkleTree()
    devnet = await startDevnet({ escapeDelay: 1000n, depositTimeout: 30n })
    depositorL1 = devnet.accounts[1]!
  })
  afterAll(async () => {
    for (const n of nodes) await n.stop()
    await devnet?.stop()
  })

  const node = async (options: Parameters<typeof startTestNode>[1] = {}) => {
    const n = await startTestNode(devnet, options)
    nodes.push(n)
    return n
  }
  /** A deposit of `amount` proven and escrowed on L1 by the depositor. */
  const escrowed = async (amount: bigint) => {
    const { tx } = await victim.transact(tree, { asset: ETH, extAmount: amount })
    await deposit(depositorL1, { rollup: devnet.rollup, asset: zeroAddress, amount, extDataHash: tx.extDataHash, commitments: tx.commitments })
    return tx
  }
  const mineTo = async (block: bigint) => {
    const head = await devnet.publicClient.getBlockNumber({ cacheTime: 0 })
    if (block > head) await devnet.testClient.mine({ blocks: Number(block - head) })
  }

  it('another user halts every batch with a proof coordinate written as x + p, or a B outside the G2 subgroup: admission refuses both, as the contract does', async () => {
    const n = await node({ batchSize: 1 })
    const tx = await escrowed(41n)
    const l1 = createRollupClient(devnet.accounts[0]!, devnet.rollup)
    const plusP = { ...tx, proof: { ...tx.proof, a: [tx.proof.a[0] + BASE_FIELD_SIZE, tx.proof.a[1]] as [bigint, bigint] } }
    const offSubgroup = { ...tx, proof: { ...tx.proof, b: nonSubgroupG2() } }
    for (const bad of [plusP, offSubgroup]) {
      // The hex still fits the 64-digit field of the API: only the curve check can catch it.
      const res = await n.post(toTransactionJson(bad))
      expect([res.status, res.body.code]).toEqual([400, 'INVALID_PROOF'])
      expect((await l1.checkTransfer(bad))?.errorName).toBe('Rollup__InvalidProof')
    }
    // The honest spelling of the same transaction goes through and settles.
    const res = await n.post(toTransactionJson(tx))
    expect(res.status).toBe(202)
    await n.waitFor(res.body.id!, ['settled', 'final'])
    await n.stop()
    nodes.pop()
  })

  it('another user slips a transaction the contract refuses into a batch (below admission): it alone is rejected, and the rest settles within two batches', async () => {
    const n = await node({ batchSize: 3, batchMaxAgeMs: 1_000 })
    const first = await escrowed(51n)
    const second = await escrowed(52n)
    const forged = await escrowed(53n)
    // Valid encodings, but the proof of another transaction: only the pairing fails.
    const bad = { ...forged, proof: first.proof }
    const badJson = toTransactionJson(bad)
    await n.store.insertPendingTransaction({ id: 'injected', payload: badJson, nullifiers: bad.nullifiers, commitments: bad.commitments, extDataHash: bad.extDataHash, root: bad.root })
    const ids = []
    for (const tx of [first, second]) ids.push((await n.post(toTransactionJson(tx))).body.id!)
    for (const id of ids) await n.waitFor(id, ['settled', 'final'])
    expect(await n.store.getTransaction('injected')).toMatchObject({ status: 'rejected', rejectCode: 'INVALID_PROOF' })
    const batches = await n.store.listBatches(['failed', 'settled', 'final'])
    expect(batches.map((b) => b.state).filter((s) => s === 'failed')).toHaveLength(1)
    expect(batches.filter((b) => b.state !== 'failed').length).toBeLessThanOrEqual(2)
    await n.stop()
    nodes.pop()
  })

  it('a depositor proves many transactions against one escrow (the same notes, other dummy inputs) to make batch after batch revert: only the first is admitted', async () => {
    const n = await node({ batchSize: 4, batchMaxAgeMs: 1_000 })
    const outputs: Outputs<ReturnType<Actor['note']>> = [victim.note(ETH, 71n), victim.note(ETH, 0n), victim.note(ETH, 0n)]
    const { epk, ciphertexts } = encryptNotes(outputs.map((note) => ({ note })), outputs.map(() => victim.keys.vpk))
    const extData = { recipient: zeroAddress, extAmount: 71n, fee: 0n, epk: bytesToHex(epk), ciphertexts: ciphertexts.map((c) => bytesToHex(c)) as Outputs<Hex> }
    // Same outputs, same ext data: one escrow key, new nullifiers each time.
    const copies = [await victim.proveWithExtData(tree, { asset: ETH, extData, outputs }), await victim.proveWithExtData(tree, { asset: ETH, extData, outputs })]
    expect(copies[0]!.nullifiers).not.toEqual(copies[1]!.nullifiers)
    await deposit(depositorL1, { rollup: devnet.rollup, asset: zeroAddress, amount: 71n, extDataHash: copies[0]!.extDataHash, commitments: copies[0]!.commitments })
    const admitted = await n.post(toTransactionJson(copies[0]!))
    expect(admitted.status).toBe(202)
    const second = await n.post(toTransactionJson(copies[1]!))
    expect([second.status, second.body.code]).toEqual([409, 'DEPOSIT_PENDING'])
    await n.waitFor(admitted.body.id!, ['settled', 'final'])
    // Once consumed, the escrow is gone for good, and the copy says so.
    const again = await n.post(toTransactionJson(copies[1]!))
    expect([again.status, again.body.code]).toEqual([400, 'DEPOSIT_NOT_ESCROWED'])
    expect(await n.store.listBatches(['failed'])).toEqual([])
    await n.stop()
    nodes.pop()
  })

  it('a depositor who would reclaim in front of the batch is refused within the margin at admission, and dropped at sealing if the margin runs out while it waits', async () => {
    const n = await node({ batchSize: 2, batchMaxAgeMs: 600_000, depositMarginBlocks: 5n })
    // At admission: the escrow unlocks 30 blocks after it was made; 26 blocks later it is inside the margin.
    const late = await escrowed(61n)
    const escrowBlock = await devnet.publicClient.getBlockNumber({ cacheTime: 0 })
    await mineTo(escrowBlock + 26n)
    const refused = await n.post(toTransactionJson(late))
    expect([refused.status, refused.body.code]).toEqual([400, 'DEPOSIT_EXPIRING'])
    expect(refused.body.message).toMatch(/unlocks at block \d+/)

    // At sealing: admitted in time, then it waits for a batch until the margin runs out.
    const waiting = await escrowed(62n)
    const admitted = await n.post(toTransactionJson(waiting))
    expect(admitted.status).toBe(202)
    await mineTo((await devnet.publicClient.getBlockNumber({ cacheTime: 0 })) + 26n)
    const fresh = await escrowed(63n)
    const freshId = (await n.post(toTransactionJson(fresh))).body.id!
    expect(await n.waitFor(admitted.body.id!, ['rejected'])).toMatchObject({ code: 'DEPOSIT_EXPIRING' })
    await n.waitFor(freshId, ['settled', 'final'])
    // The depositor may now reclaim whenever it likes: no batch of the node contains it.
    expect(await n.store.listBatches(['failed'])).toEqual([])
    await mineTo((await devnet.publicClient.getBlockNumber({ cacheTime: 0 })) + 5n)
    await reclaimDeposit(depositorL1, { rollup: devnet.rollup, asset: zeroAddress, amount: 62n, extDataHash: waiting.extDataHash, commitments: waiting.commitments })
    await reclaimDeposit(depositorL1, { rollup: devnet.rollup, asset: zeroAddress, amount: 61n, extDataHash: late.extDataHash, commitments: late.commitments })
  })
})
