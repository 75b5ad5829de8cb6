import { parseEther, zeroAddress } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { terminateProver, toTransactionJson } from '../../src/circuits/index.ts'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import { escrowKey } from '../../src/settlement/createRollupClient.ts'
import { deposit } from '../../src/settlement/deposit.ts'
import { rollupAbi } from '../../src/settlement/generated/contracts.ts'
import { reclaimDeposit } from '../../src/settlement/reclaimDeposit.ts'
import { startTestNode, type TestNode } from '../helpers/node.ts'
import { Actor, type Devnet, escrowedDeposit, startDevnet } from '../helpers/rollup.ts'

// The node keeps every transaction it admitted under its id, rejected ones too. Posting one
// again is a client retrying: one pending or settled answers TRANSACTION_KNOWN (it is never
// included twice); one the node had rejected is checked anew and, if it passes now, admitted
// under the same id and settled. Through HTTP, real proofs, real anvil.

let devnet: Devnet
let node: TestNode
const DEPOSIT_TIMEOUT = 30n
const MARGIN = 5n

beforeAll(async () => {
  await initCrypto()
  devnet = await startDevnet({ depositTimeout: DEPOSIT_TIMEOUT })
  // Batches wait for 3 s of age: long enough for a test to move L1 while a deposit is pending.
  node = await startTestNode(devnet, { depositMarginBlocks: MARGIN, batchMaxAgeMs: 3_000 })
}, 120_000)

afterAll(async () => {
  await node?.stop()
  await devnet?.stop()
  await terminateProver()
})

const depositorOf = async (key: `0x${string}`) => (await devnet.publicClient.readContract({ address: devnet.rollup, abi: rollupAbi, functionName: 'escrows', args: [key] }))[0]
const currentRoot = () => devnet.publicClient.readContract({ address: devnet.rollup, abi: rollupAbi, functionName: 'currentRoot' })

describe('a transaction posted again', () => {
  it('behavior: pending, it answers TRANSACTION_KNOWN; rejected at sealing (its escrow expiring), it is checked anew (DEPOSIT_NOT_ESCROWED once reclaimed) and, escrowed again, admitted under the same id and settled; settled, it answers TRANSACTION_KNOWN and nothing is included twice', async () => {
    const amount = parseEther('0.1')
    const tx = await escrowedDeposit(devnet, new Actor(71), amount)
    const json = toTransactionJson(tx)
    const key = escrowKey(0n, amount, tx.extDataHash, tx.commitments)

    const first = await node.post(json)
    expect(first).toMatchObject({ status: 202, body: { id: expect.stringMatching(/^0x/) } })
    const id = first.body.id!
    // Pending: a retry learns it got in, and nothing more happens.
    expect(await node.post(json)).toMatchObject({ status: 409, body: { code: 'TRANSACTION_KNOWN' } })

    // Before the batch is sealed, L1 moves past the escrow's margin: sealing turns the deposit away.
    await devnet.testClient.mine({ blocks: Number(DEPOSIT_TIMEOUT) })
    expect(await node.waitFor(id, ['rejected'], 60_000)).toMatchObject({ status: 'rejected', code: 'DEPOSIT_EXPIRING' })

    // Checked anew, not TRANSACTION_KNOWN: still expiring.
    expect(await node.post(json)).toMatchObject({ status: 400, body: { code: 'DEPOSIT_EXPIRING' } })
    // The depositor takes the escrow back: the transaction is checked against L1 again.
    await reclaimDeposit(devnet.accounts[1]!, { rollup: devnet.rollup, asset: zeroAddress, amount, extDataHash: tx.extDataHash, commitments: tx.commitments })
    expect(await node.post(json)).toMatchObject({ status: 400, body: { code: 'DEPOSIT_NOT_ESCROWED' } })

    // Escrowed again (the same key: the same transaction's notes): admitted under its id, settled.
    await deposit(devnet.accounts[1]!, { rollup: devnet.rollup, asset: zeroAddress, amount, extDataHash: tx.extDataHash, commitments: tx.commitments })
    expect(await node.post(json)).toMatchObject({ status: 202, body: { id } })
    expect(await node.waitFor(id, ['settled', 'final'], 120_000)).toMatchObject({ status: expect.stringMatching(/settled|final/) })
    expect(await depositorOf(key)).toBe(zeroAddress) // consumed

    // Settled: a retry is TRANSACTION_KNOWN, and no batch follows (the root stays).
    const root = await currentRoot()
    expect(await node.post(json)).toMatchObject({ status: 409, body: { code: 'TRANSACTION_KNOWN' } })
    await new Promise((resolve) => setTimeout(resolve, 4_000)) // past a batch's maximum age
    expect(await currentRoot()).toBe(root)
    expect(await node.get(`/v1/transactions/${id}`)).toMatchObject({ status: expect.stringMatching(/settled|final/) })
  }, 300_000)
})
