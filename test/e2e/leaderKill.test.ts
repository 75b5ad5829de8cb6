import pg from 'pg'
import { toHex } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { terminateProver } from '../../src/circuits/index.ts'
import { toHex32 } from '../../src/crypto/field.ts'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import { readRollupState } from '../../src/settlement/readRollupState.ts'
import { getJson, type NodeProcess, postTransaction, spawnNode, until, untilSettled } from '../helpers/nodeProcess.ts'
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts'
import { Actor, DEV_MNEMONIC, type Devnet, escrowedDeposit, startDevnet } from '../helpers/rollup.ts'

// The sequencer leader killed with -9 in each state a batch can be in, on Postgres, with a
// standby waiting and an api replica taking the transactions. To kill it in a state that lasts
// a millisecond (sealed, proven), the test holds the leader there: a trigger makes the update
// that moves a batch out of that state sleep, so the leader waits with the batch recorded in it;
// then the leader dies, the sleeping session is ended and the trigger dropped. The standby must
// take over from the database and L1 and settle the batch exactly once.

const STATES = ['sealed', 'proving', 'proven', 'submitted', 'settled'] as const

let postgres: TestPostgres
let devnet: Devnet
let db: pg.Client
let env: Record<string, string>
let leader: NodeProcess
let standby: NodeProcess
let api: NodeProcess
const alice = new Actor(9)
const operator = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: 0 })

const spawnSequencer = () => spawnNode({ ...env, ZKPAY_NODE_ROLE: 'sequencer', ZKPAY_OPERATOR_KEY: toHex(operator.getHdKey().privateKey!) }, 60_000, { logged: /standby: another process leads|node listening/ })
const leads = (node: NodeProcess) => /leader: this process runs the sequencer/.test(node.output())

beforeAll(async () => {
  await initCrypto()
  postgres = await startPostgres()
  devnet = await startDevnet()
  env = {
    ZKPAY_RPC_URL: devnet.anvil.rpcUrl,
    ZKPAY_ROLLUP_ADDRESS: devnet.rollup,
    ZKPAY_FROM_BLOCK: String(devnet.deployBlock),
    ZKPAY_DATABASE_URL: await postgres.createDatabase(),
    ZKPAY_BATCH_SIZE: '4',
    ZKPAY_BATCH_MAX_AGE_MS: '200',
    ZKPAY_CONFIRMATIONS: '2',
  }
  leader = await spawnSequencer()
  expect(leads(leader)).toBe(true)
  standby = await spawnSequencer()
  api = await spawnNode({ ...env, ZKPAY_NODE_ROLE: 'api' })
  db = new pg.Client({ connectionString: env.ZKPAY_DATABASE_URL })
  await db.connect()
  await db.query(`create function zkpay_test_hold() returns trigger language plpgsql as $$ begin perform pg_sleep(600); return new; end $$`)
}, 180_000)

afterAll(async () => {
  // A leader still held (a failed round) would wait out its sleep before it stops.
  await db?.query(`select pg_terminate_backend(pid) from pg_stat_activity where wait_event = 'PgSleep'`)
  await db?.query('drop trigger if exists hold on batches')
  await db?.end()
  for (const node of [api, standby, leader]) await node?.stop()
  await devnet?.stop()
  await postgres?.stop()
  await terminateProver()
})

describe('the sequencer leader killed with -9 in every batch state', () => {
  it.each(STATES)('failure: killed with its batch %s, the standby takes over and the batch settles once', async (state) => {
    // The batches of earlier rounds final first: the trigger must hold this round's batch only.
    await devnet.testClient.mine({ blocks: 2 })
    await until('earlier batches to be final', async () => ((await db.query(`select 1 from batches where state = 'settled'`)).rowCount === 0 ? true : undefined))
    const posted = await devnet.publicClient.getTransactionCount({ address: operator.address })
    await db.query(`create trigger hold before update on batches for each row when (old.state = '${state}' and new.state is distinct from old.state) execute function zkpay_test_hold()`)
    const tx = await escrowedDeposit(devnet, alice, 500n)
    const { status, body } = await postTransaction(api.url, tx)
    expect(status).toBe(202)
    // The leader is held with the batch recorded in `state`.
    const batch = await until(
      `the leader to be held with its batch ${state}`,
      async () => {
        const { rows } = await db.query<{ n: string }>(`select count(*) as n from pg_stat_activity where wait_event = 'PgSleep'`)
        const t = await getJson<{ status: string; batchNumber: number | null }>(api.url, `/v1/transactions/${body.id}`)
        // A settled batch turns final two blocks on: mine them (only blocks move it).
        if (rows[0]!.n !== '1' && t.status === 'settled') await devnet.testClient.mine({ blocks: 1 })
        if (rows[0]!.n !== '1') return undefined
        return t.batchNumber ?? undefined
      },
      { timeoutMs: 60_000, context: () => leader.output().slice(-3000) },
    )
    const { rows } = await db.query<{ state: string }>('select state from batches where number = $1', [batch])
    expect(rows[0]!.state).toBe(state)

    await leader.kill9()
    await db.query(`select pg_terminate_backend(pid) from pg_stat_activity where wait_event = 'PgSleep'`)
    await db.query('drop trigger hold on batches')
    await until('the standby to lead', async () => (leads(standby) ? true : undefined), { timeoutMs: 30_000, context: () => standby.output().slice(-3000) })

    expect(await untilSettled(api, body.id!, () => standby.output().slice(-3000))).toMatch(/settled|final/)
    // Settled in the batch it was held in, posted once in all (the held one, or the standby's).
    expect((await getJson<{ batchNumber: number }>(api.url, `/v1/transactions/${body.id}`)).batchNumber).toBe(batch)
    expect(await devnet.publicClient.getTransactionCount({ address: operator.address })).toBe(posted + 1)
    const l1 = await readRollupState(devnet.publicClient, { rollup: devnet.rollup })
    await until('the replica to report L1’s root', async () => {
      const s = await getJson<{ root: string; leafCount: number }>(api.url, '/v1/status')
      return s.root === toHex32(l1.currentRoot) && s.leafCount === Number(l1.nextLeafIndex) ? true : undefined
    })
    // Resubmitted by a client that never heard back: known, not admitted twice.
    expect((await postTransaction(api.url, tx)).body.code).toBe('TRANSACTION_KNOWN')

    // The next round: the new leader, and a fresh standby behind it.
    leader = standby
    standby = await spawnSequencer()
  })

  it('failure: Postgres restarts under them: the leader steps down (exit 75, for its supervisor to restart), the standby and the api replica reconnect, and a later transaction settles once', async () => {
    const posted = await devnet.publicClient.getTransactionCount({ address: operator.address })
    await db.end()
    await postgres.restart()
    db = new pg.Client({ connectionString: env.ZKPAY_DATABASE_URL })
    await db.connect()
    // The leader cannot know whether a standby already leads: it stops (fail-stop).
    await until('the leader to step down', async () => leader.child.exitCode ?? undefined, { timeoutMs: 30_000 })
    expect(leader.child.exitCode).toBe(75)
    expect(leader.output()).toMatch(/lost the sequencer leader lease/)
    await until('the standby to lead', async () => (leads(standby) ? true : undefined), { timeoutMs: 30_000, context: () => standby.output().slice(-3000) })
    const tx = await escrowedDeposit(devnet, alice, 700n)
    // The replica's pool reconnects on the next request.
    const admitted = await until('the replica to admit again', async () => {
      const r = await postTransaction(api.url, tx)
      return r.status === 202 ? r : undefined
    })
    expect(await untilSettled(api, admitted.body.id!, () => standby.output().slice(-3000))).toMatch(/settled|final/)
    expect(await devnet.publicClient.getTransactionCount({ address: operator.address })).toBe(posted + 1)
    leader = standby
    standby = await spawnSequencer()
  })
})
