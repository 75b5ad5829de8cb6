import { toHex } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ShieldedTransaction, terminateProver, toTransactionJson } from '../../src/circuits/index.ts'
import { toHex32 } from '../../src/crypto/field.ts'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import { readRollupState } from '../../src/settlement/readRollupState.ts'
import { getJson, type NodeProcess, postTransaction, spawnNode, spawnProverWorker, until, untilSettled, type ZkpayProcess } from '../helpers/nodeProcess.ts'
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts'
import { Actor, DEV_MNEMONIC, type Devnet, escrowedDeposit, startDevnet } from '../helpers/rollup.ts'

// `zkpay node` on Postgres: a leader and a standby sharing one database. The leader is killed
// with -9 while it proves; the standby takes the lease, resumes from the database and L1, and
// the batch settles once.

let pg: TestPostgres
let devnet: Devnet
let env: Record<string, string>
const nodes: NodeProcess[] = []
const workers: ZkpayProcess[] = []
let alice: Actor

type Status = { root: string; leafCount: number; prover: { stage: string } }
const get = getJson
const post = postTransaction
const settled = (node: NodeProcess, id: string) => untilSettled(node, id, () => node.output().slice(-3000))
async function expectNodeEqualsL1(node: NodeProcess, batches: bigint) {
  const l1 = await readRollupState(devnet.publicClient, { rollup: devnet.rollup })
  expect(l1.batchCount).toBe(batches)
  const status = await get<Status>(node.url, '/v1/status')
  expect({ root: status.root, leafCount: status.leafCount }).toEqual({ root: toHex32(l1.currentRoot), leafCount: Number(l1.nextLeafIndex) })
}

beforeAll(async () => {
  await initCrypto()
  alice = new Actor(1)
  pg = await startPostgres()
  devnet = await startDevnet()
  env = {
    ZKPAY_RPC_URL: devnet.anvil.rpcUrl,
    ZKPAY_ROLLUP_ADDRESS: devnet.rollup,
    ZKPAY_FROM_BLOCK: String(devnet.deployBlock),
    ZKPAY_OPERATOR_KEY: toHex(mnemonicToAccount(DEV_MNEMONIC, { addressIndex: 0 }).getHdKey().privateKey!),
    ZKPAY_DATABASE_URL: await pg.createDatabase(),
    ZKPAY_BATCH_SIZE: '4',
    ZKPAY_BATCH_MAX_AGE_MS: '200',
  }
}, 120_000)

afterAll(async () => {
  for (const node of nodes) await node.stop()
  for (const worker of workers) await worker.stop()
  await devnet?.stop()
  await pg?.stop()
  await terminateProver()
})

describe('zkpay node on Postgres, leader and standby', () => {
  it('behavior: one leader serves and settles; a second process on the same database waits as standby', async () => {
    const leader = await spawnNode(env)
    nodes.push(leader)
    expect(leader.output()).toMatch(/leader: this process runs the sequencer/)
    const standby = await spawnNode(env, 60_000, { logged: /standby: another process leads the sequencer/ })
    nodes.push(standby)

    const tx = await escrowedDeposit(devnet, alice, 100n)
    const { status, body } = await post(leader.url, tx)
    expect(status).toBe(202)
    expect(await settled(leader, body.id!)).toMatch(/settled|final/)
    await expectNodeEqualsL1(leader, 1n)
    // Still waiting: the lease is held, so the standby neither serves nor sequences.
    expect(standby.output()).not.toMatch(/leader: this process runs the sequencer/)
    expect(standby.child.exitCode).toBeNull()
  })

  it('security: the leader killed with -9 while proving: the standby takes over and the batch settles once', async () => {
    const [leader, standby] = nodes as [NodeProcess, NodeProcess]
    const tx = await escrowedDeposit(devnet, alice, 200n)
    const { body } = await post(leader.url, tx)
    await until('the leader to start proving', async () => ((await get<Status>(leader.url, '/v1/status')).prover.stage === 'proving' ? true : undefined), {
      context: () => leader.output().slice(-3000),
    })
    await leader.kill9()
    await until('the standby to take the lease', async () => (/leader: this process runs the sequencer/.test(standby.output()) ? true : undefined), {
      timeoutMs: 30_000,
      context: () => standby.output().slice(-3000),
    })
    await until('the new leader to serve', async () => ((await fetch(`${standby.url}/v1/status`)).ok ? true : undefined))
    expect(await settled(standby, body.id!)).toMatch(/settled|final/)
    await expectNodeEqualsL1(standby, 2n)
    // Submitted again to the new leader (a client's retry): known, not admitted twice.
    expect((await post(standby.url, tx)).body.code).toBe('TRANSACTION_KNOWN')
  })

  it('security: a prover worker killed with -9 mid-proof: its job times out, another worker proves it, the batch settles once', async () => {
    // The leader now proves through the job queue in the same database.
    await nodes.pop()!.stop()
    const node = await spawnNode({ ...env, ZKPAY_PROVER_JOB_QUEUE: '1', ZKPAY_PROVER_JOB_TIMEOUT_MS: '6000' })
    nodes.push(node)
    const first = await spawnProverWorker(env.ZKPAY_DATABASE_URL!)
    workers.push(first)
    const tx = await escrowedDeposit(devnet, alice, 300n)
    const { body } = await post(node.url, tx)
    await until('the worker to take the job', async () => (/proving job taken/.test(first.output()) ? true : undefined), { context: () => node.output().slice(-3000) })
    await first.kill9()
    const second = await spawnProverWorker(env.ZKPAY_DATABASE_URL!)
    workers.push(second)
    expect(await settled(node, body.id!)).toMatch(/settled|final/)
    expect(second.output()).toMatch(/proving job done/)
    await expectNodeEqualsL1(node, 3n)
  })

  it('behavior: a batch whose job fails every attempt fails, and its transactions are sealed again and settle', async () => {
    for (const worker of workers.splice(0)) await worker.stop()
    await nodes.pop()!.stop()
    // One attempt of 3 s, and a worker that holds every job for 20 s past its proof.
    const node = await spawnNode({ ...env, ZKPAY_PROVER_JOB_QUEUE: '1', ZKPAY_PROVER_JOB_TIMEOUT_MS: '3000', ZKPAY_PROVER_JOB_ATTEMPTS: '1' })
    nodes.push(node)
    const slow = await spawnProverWorker(env.ZKPAY_DATABASE_URL!, { ZKPAY_PROVER_BENCH_DELAY_MS: '20000' })
    workers.push(slow)
    const tx = await escrowedDeposit(devnet, alice, 400n)
    const { body } = await post(node.url, tx)
    const first = await until('the transaction to be batched', async () => (await get<{ batchNumber: number | null }>(node.url, `/v1/transactions/${body.id}`)).batchNumber ?? undefined)
    const failed = await until(
      'the batch to fail',
      async () => {
        const batch = await get<{ state: string; error: string | null }>(node.url, `/v1/batches/${first}`)
        return batch.state === 'failed' ? batch : undefined
      },
      { context: () => node.output().slice(-3000) },
    )
    expect(failed.error).toMatch(/failed after 1 attempt/)
    // A worker that answers in time: the transaction, back in the mempool, goes in a new batch.
    await slow.kill9()
    workers.push(await spawnProverWorker(env.ZKPAY_DATABASE_URL!))
    expect(await settled(node, body.id!)).toMatch(/settled|final/)
    expect((await get<{ batchNumber: number }>(node.url, `/v1/transactions/${body.id}`)).batchNumber).toBeGreaterThan(first)
    await expectNodeEqualsL1(node, 4n)
  })
})
