import { toHex, zeroAddress } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ShieldedTransaction, terminateProver, toTransactionJson } from '../../src/circuits/index.ts'
import { toHex32 } from '../../src/crypto/field.ts'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import { readRollupState } from '../../src/settlement/readRollupState.ts'
import { reclaimDeposit } from '../../src/settlement/reclaimDeposit.ts'
import { type NodeProcess, spawnNode, spawnProverWorker, until, type ZkpayProcess } from '../helpers/nodeProcess.ts'
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts'
import { Actor, DEV_MNEMONIC, type Devnet, escrowedDeposit, startDevnet } from '../helpers/rollup.ts'

// Parallel proving through the job queue: consecutive batches are proven at the same time by
// two workers and posted in order; when L1 refuses one, the batch proven behind it (against
// the tree the refused one would have made) is released, sealed again, proven again and
// settles, and nothing is posted twice.

const DEPOSIT_TIMEOUT = 40n
let pg: TestPostgres
let devnet: Devnet
let node: NodeProcess
const workers: ZkpayProcess[] = []
let alice: Actor

type Tx = { status: string; code?: string; batchNumber: number | null }
const get = async <T>(path: string): Promise<T> => (await (await fetch(`${node.url}${path}`)).json()) as T
async function submit(tx: ShieldedTransaction): Promise<string> {
  const res = await fetch(`${node.url}/v1/transactions`, { method: 'POST', body: JSON.stringify(toTransactionJson(tx)), headers: { 'content-type': 'application/json' } })
  const body = (await res.json()) as { id: string }
  expect(res.status).toBe(202)
  return body.id
}
const reaches = (id: string, statuses: string[]) =>
  until(`transaction ${id} to be ${statuses.join(' or ')}`, async () => {
    const t = await get<Tx>(`/v1/transactions/${id}`)
    return statuses.includes(t.status) ? t : undefined
  }, { timeoutMs: 180_000, context: () => node.output().slice(-3000) })
const count = (text: string, pattern: RegExp) => text.match(new RegExp(pattern, 'g'))?.length ?? 0

beforeAll(async () => {
  await initCrypto()
  alice = new Actor(1)
  pg = await startPostgres()
  devnet = await startDevnet({ depositTimeout: DEPOSIT_TIMEOUT })
  const databaseUrl = await pg.createDatabase()
  node = await spawnNode({
    ZKPAY_RPC_URL: devnet.anvil.rpcUrl,
    ZKPAY_ROLLUP_ADDRESS: devnet.rollup,
    ZKPAY_FROM_BLOCK: String(devnet.deployBlock),
    ZKPAY_OPERATOR_KEY: toHex(mnemonicToAccount(DEV_MNEMONIC, { addressIndex: 0 }).getHdKey().privateKey!),
    ZKPAY_DATABASE_URL: databaseUrl,
    ZKPAY_PROVER_JOB_QUEUE: '1',
    ZKPAY_MAX_BATCHES_IN_FLIGHT: '4',
    ZKPAY_DEPOSIT_MARGIN_BLOCKS: '5',
    ZKPAY_BATCH_SIZE: '1',
    ZKPAY_BATCH_MAX_AGE_MS: '100',
  })
  // Each proof held 6 s more: long enough that a second job is taken while the first is held.
  for (let i = 0; i < 2; i++) workers.push(await spawnProverWorker(databaseUrl, { ZKPAY_PROVER_BENCH_DELAY_MS: '6000' }))
}, 180_000)

afterAll(async () => {
  await node?.stop()
  for (const w of workers) await w.stop()
  await devnet?.stop()
  await pg?.stop()
  await terminateProver()
})

describe('parallel proving', () => {
  it('behavior: two consecutive batches are proven at the same time by two workers and settle in order', async () => {
    const a = await escrowedDeposit(devnet, alice, 100n)
    const b = await escrowedDeposit(devnet, alice, 200n)
    const ids = [await submit(a), await submit(b)]
    // Both jobs are taken before either is done: with one batch at a time, the second job
    // would exist only after the first batch settled.
    await until('both workers to hold a job', async () => (workers.every((w) => /proving job taken/.test(w.output())) ? true : undefined), {
      timeoutMs: 60_000,
      context: () => node.output().slice(-3000),
    })
    expect(workers.map((w) => count(w.output(), /proving job done/))).toEqual([0, 0])
    const settled = await Promise.all(ids.map((id) => reaches(id, ['settled', 'final'])))
    expect(settled[1]!.batchNumber).toBeGreaterThan(settled[0]!.batchNumber!)
    const l1 = await readRollupState(devnet.publicClient, { rollup: devnet.rollup })
    expect(l1.batchCount).toBe(2n)
    const status = await get<{ root: string; leafCount: number }>('/v1/status')
    expect({ root: status.root, leafCount: status.leafCount }).toEqual({ root: toHex32(l1.currentRoot), leafCount: Number(l1.nextLeafIndex) })
  })

  it('security: L1 refuses a batch; the batch proven behind it is released, sealed again and settles once', async () => {
    const before = (await readRollupState(devnet.publicClient, { rollup: devnet.rollup })).batchCount
    const doomed = await escrowedDeposit(devnet, alice, 300n)
    const doomedId = await submit(doomed)
    await until('the first batch to be proving', async () => ((await get<Tx>(`/v1/transactions/${doomedId}`)).status === 'proving' ? true : undefined))
    // While it is proven, its depositor waits out the escrow and takes it back: L1 will refuse
    // the batch, which consumes an escrow that is gone. A second deposit, made after that
    // wait, is sealed and proven behind it meanwhile.
    await devnet.testClient.mine({ blocks: Number(DEPOSIT_TIMEOUT) + 1 })
    const next = await escrowedDeposit(devnet, alice, 400n)
    const nextId = await submit(next)
    const behind = (await until('the second batch to be sealed', async () => (await get<Tx>(`/v1/transactions/${nextId}`)).batchNumber ?? undefined)) as number
    await reclaimDeposit(devnet.accounts[1]!, { rollup: devnet.rollup, asset: zeroAddress, amount: 300n, extDataHash: doomed.extDataHash, commitments: doomed.commitments })
    const rejected = await reaches(doomedId, ['rejected'])
    expect(rejected.code).toBe('DEPOSIT_NOT_ESCROWED')
    const settled = await reaches(nextId, ['settled', 'final'])
    expect(settled.batchNumber).toBeGreaterThan(behind)
    expect(await get<{ state: string; error: string }>(`/v1/batches/${behind}`)).toMatchObject({ state: 'failed', error: expect.stringMatching(/note tree changed/) })
    const l1 = await readRollupState(devnet.publicClient, { rollup: devnet.rollup })
    expect(l1.batchCount).toBe(before + 1n)
  })
})
