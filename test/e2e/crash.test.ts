import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { toHex, zeroAddress } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ShieldedTransaction, terminateProver, toTransactionJson } from '../../src/circuits/index.ts'
import { toHex32 } from '../../src/crypto/field.ts'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import { deposit } from '../../src/settlement/deposit.ts'
import { readRollupState } from '../../src/settlement/readRollupState.ts'
import { type NodeProcess, spawnNode, until } from '../helpers/nodeProcess.ts'
import { Actor, DEV_MNEMONIC, type Devnet, MerkleTree, startDevnet } from '../helpers/rollup.ts'

// kill -9 of a `zkpay node` child process while it proves and while its batch is on the way to
// L1, then a restart on the same data directory: nothing admitted is lost or settled twice, and
// the node's state equals L1's.

let devnet: Devnet
let dataDir: string
let env: Record<string, string>
let node: NodeProcess
let alice: Actor

type Status = { root: string; leafCount: number; prover: { stage: string }; queue: { pending: number } }
const get = async <T>(path: string): Promise<T> => (await (await fetch(`${node.url}${path}`)).json()) as T
const post = async (tx: ShieldedTransaction) =>
  (await (await fetch(`${node.url}/v1/transactions`, { method: 'POST', body: JSON.stringify(toTransactionJson(tx)), headers: { 'content-type': 'application/json' } })).json()) as { id: string }
const waitFor = <T>(what: string, probe: () => Promise<T | undefined>) => until(what, probe, { context: () => node.output().slice(-3000) })
async function escrowedDeposit(amount: bigint) {
  const { tx } = await alice.transact(new MerkleTree(), { asset: 0n, extAmount: amount })
  await deposit(devnet.accounts[1]!, { rollup: devnet.rollup, asset: zeroAddress, amount, extDataHash: tx.extDataHash, commitments: tx.commitments })
  return tx
}
async function expectNodeEqualsL1(batches: bigint) {
  const l1 = await readRollupState(devnet.publicClient, { rollup: devnet.rollup })
  expect(l1.batchCount).toBe(batches)
  const status = await get<Status>('/v1/status')
  expect({ root: status.root, leafCount: status.leafCount }).toEqual({ root: toHex32(l1.currentRoot), leafCount: Number(l1.nextLeafIndex) })
}

beforeAll(async () => {
  await initCrypto()
  alice = new Actor(1)
  devnet = await startDevnet()
  dataDir = mkdtempSync(path.join(tmpdir(), 'zkpay-node-'))
  env = {
    ZKPAY_RPC_URL: devnet.anvil.rpcUrl,
    ZKPAY_ROLLUP_ADDRESS: devnet.rollup,
    ZKPAY_FROM_BLOCK: String(devnet.deployBlock),
    ZKPAY_OPERATOR_KEY: toHex(mnemonicToAccount(DEV_MNEMONIC, { addressIndex: 0 }).getHdKey().privateKey!),
    ZKPAY_DATA_DIR: dataDir,
    ZKPAY_BATCH_SIZE: '4',
    ZKPAY_BATCH_MAX_AGE_MS: '200',
  }
  node = await spawnNode(env)
})

afterAll(async () => {
  await node?.stop()
  await devnet?.stop()
  rmSync(dataDir, { recursive: true, force: true })
  await terminateProver()
})

describe('crash safety of zkpay node', () => {
  it('behavior: killed with -9 while proving, the restarted node proves again and settles the batch once', async () => {
    const tx = await escrowedDeposit(100n)
    const { id } = await post(tx)
    await waitFor('the prover to start', async () => ((await get<Status>('/v1/status')).prover.stage === 'proving' ? true : undefined))
    await node.kill9()
    expect((await readRollupState(devnet.publicClient, { rollup: devnet.rollup })).batchCount).toBe(0n)

    node = await spawnNode(env)
    const settled = await waitFor('settlement', async () => {
      const t = await get<{ status: string }>(`/v1/transactions/${id}`)
      return ['settled', 'final'].includes(t.status) ? t : undefined
    })
    expect(settled.status).toMatch(/settled|final/)
    await expectNodeEqualsL1(1n)
  })

  it('behavior: killed with -9 while its batch waits to be mined, the restarted node waits for it instead of posting twice', async () => {
    const tx = await escrowedDeposit(200n)
    await devnet.testClient.setAutomine(false)
    const { id } = await post(tx)
    // The batch is posted (its L1 hash recorded) but no block includes it yet.
    const batchNumber = await waitFor('the batch to be posted', async () => {
      const t = await get<{ batchNumber: number | null }>(`/v1/transactions/${id}`)
      if (t.batchNumber === null) return undefined
      const b = await get<{ state: string; l1TxHash: string | null }>(`/v1/batches/${t.batchNumber}`)
      return b.state === 'submitted' && b.l1TxHash ? t.batchNumber : undefined
    })
    await node.kill9()
    node = await spawnNode(env)
    // Give the restarted node a few passes of its loop with the transaction still unmined.
    await new Promise((r) => setTimeout(r, 1_500))
    await devnet.testClient.mine({ blocks: 1 })
    await devnet.testClient.setAutomine(true)
    await waitFor('settlement', async () => {
      const t = await get<{ status: string }>(`/v1/transactions/${id}`)
      return ['settled', 'final'].includes(t.status) ? t : undefined
    })
    const batch = await get<{ state: string; attempts: number }>(`/v1/batches/${batchNumber}`)
    expect(batch.state).toMatch(/settled|final/)
    expect(batch.attempts).toBe(1)
    await expectNodeEqualsL1(2n)
    // The operator sent exactly three transactions: the deployment and one per batch. A node
    // that posted the waiting batch again would have sent a fourth (reverting) one.
    const operator = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: 0 }).address
    expect(await devnet.publicClient.getTransactionCount({ address: operator })).toBe(3)
  })
})
