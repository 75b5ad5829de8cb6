import { toHex, zeroAddress } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { fromTransactionJson, terminateProver, type TransactionJson } from '../src/circuits/index.ts'
import { initCrypto } from '../src/crypto/poseidon.ts'
import { deposit } from '../src/settlement/deposit.ts'
import { syncFromL1 } from '../src/settlement/syncFromL1.ts'
import { type NodeProcess, spawnNode, spawnProverWorker, until, type ZkpayProcess } from '../test/helpers/nodeProcess.ts'
import { startPostgres, type TestPostgres } from '../test/helpers/postgres.ts'
import { DEV_MNEMONIC, type Devnet, startDevnet } from '../test/helpers/rollup.ts'
import type { Row } from './crypto.ts'
import { deposits } from './node.ts'

/** Transactions per throughput run, in batches of BATCH: enough batches for the pipeline to fill. */
const RUN = 64
const BATCH = 4
/** The bench-only delay each proof is given (the 10 s): the pipeline, not the cores, is measured. */
const DELAY_MS = 10_000

const operatorKey = toHex(mnemonicToAccount(DEV_MNEMONIC, { addressIndex: 0 }).getHdKey().privateKey!)

type Run = { devnet: Devnet; node: NodeProcess; workers: ZkpayProcess[]; stop(): Promise<void> }

/** A devnet with `txs` escrowed, and a node on `databaseUrl` (SQLite when undefined) with `workers` queue workers. */
async function start(txs: readonly TransactionJson[], options: { databaseUrl?: string; workers: number; delayMs: number; env?: Record<string, string> }): Promise<Run> {
  const devnet = await startDevnet()
  for (const json of txs) {
    const tx = fromTransactionJson(json)
    await deposit(devnet.accounts[1]!, { rollup: devnet.rollup, asset: zeroAddress, amount: tx.extData.extAmount, extDataHash: tx.extDataHash, commitments: tx.commitments })
  }
  const node = await spawnNode({
    ZKPAY_RPC_URL: devnet.anvil.rpcUrl,
    ZKPAY_ROLLUP_ADDRESS: devnet.rollup,
    ZKPAY_FROM_BLOCK: String(devnet.deployBlock),
    ZKPAY_OPERATOR_KEY: operatorKey,
    ZKPAY_BATCH_SIZE: String(BATCH),
    ZKPAY_BATCH_MAX_AGE_MS: '500',
    ZKPAY_RATE_LIMIT_READ: '1000000',
    ZKPAY_RATE_LIMIT_SUBMIT: '1000000',
    ZKPAY_LOG_LEVEL: 'warn',
    ...(options.databaseUrl === undefined
      ? { ZKPAY_DATA_DIR: `.cache/bench/scale-${process.pid}-${Date.now()}` }
      : {
          ZKPAY_DATABASE_URL: options.databaseUrl,
          // Room for every worker to hold a batch while the oldest is posted and settles.
          ...(options.workers > 0 ? { ZKPAY_PROVER_JOB_QUEUE: '1', ZKPAY_PROVER_JOB_TIMEOUT_MS: '300000', ZKPAY_MAX_BATCHES_IN_FLIGHT: String(2 * options.workers) } : {}),
        }),
    ...options.env,
  })
  const workers: ZkpayProcess[] = []
  for (let i = 0; i < options.workers; i++) workers.push(await spawnProverWorker(options.databaseUrl!, { ZKPAY_PROVER_BENCH_DELAY_MS: String(options.delayMs), ZKPAY_LOG_LEVEL: 'info' }))
  return {
    devnet,
    node,
    workers,
    async stop() {
      await node.stop()
      for (const w of workers) await w.stop()
      await devnet.stop()
    },
  }
}

/** Submits `txs`, waits until every one settled; settled tx/s from the first submission, and how many are missing or doubled on L1. */
async function throughput(run: Run, txs: readonly TransactionJson[]): Promise<{ perSecond: number; lost: number; doubled: number }> {
  const started = Date.now()
  // Eight clients at once: admission (a proof verified each) is not what this measures.
  const ids: string[] = []
  let next = 0
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < txs.length) {
        const json = txs[next++]!
        const res = await fetch(`${run.node.url}/v1/transactions`, { method: 'POST', body: JSON.stringify(json), headers: { 'content-type': 'application/json' } })
        const body = (await res.json()) as { id?: string }
        if (res.status !== 202) throw new Error(`admission failed: ${JSON.stringify(body)}`)
        ids.push(body.id!)
      }
    }),
  )
  await until(
    `${txs.length} transactions to settle`,
    async () => {
      const states = await Promise.all(ids.map(async (id) => ((await (await fetch(`${run.node.url}/v1/transactions/${id}`)).json()) as { status: string }).status))
      return states.every((s) => s === 'settled' || s === 'final') ? true : undefined
    },
    { timeoutMs: 1_800_000, context: () => run.node.output().slice(-2000) },
  )
  const seconds = (Date.now() - started) / 1000
  return { perSecond: txs.length / seconds, ...(await onL1(run.devnet, txs)) }
}

/** Zero loss, counted on L1: each transaction's first output appears exactly once in the rollup's events. */
async function onL1(devnet: Devnet, txs: readonly TransactionJson[]): Promise<{ lost: number; doubled: number }> {
  const { batches } = await syncFromL1(devnet.publicClient, { rollup: devnet.rollup, fromBlock: devnet.deployBlock })
  const seen = new Map<bigint, number>()
  for (const t of batches.flatMap((b) => b.transactions)) seen.set(t.commitments[0], (seen.get(t.commitments[0]) ?? 0) + 1)
  const counts = txs.map((j) => seen.get(fromTransactionJson(j).commitments[0]) ?? 0)
  return { lost: counts.filter((c) => c === 0).length, doubled: counts.filter((c) => c > 1).length }
}

/**
 * The operator node on several processes (issue: scale-out): settled throughput with 4 prover
 * workers against 1, each proof delayed by a fixed 10 s so that the pipeline is what is
 * measured; leader failover time; Postgres against SQLite with one prover and no delay.
 */
export async function benchScale(log: (line: string) => void): Promise<Row[]> {
  await initCrypto()
  const rows: Row[] = []
  const all = await deposits(2 * RUN, log)
  const pg: TestPostgres = await startPostgres()
  try {
    // 1. Throughput: 1 worker, then 4, each proof + 10 s.
    const perWorkers = new Map<number, number>()
    for (const workers of [1, 4]) {
      const txs = all.slice(0, RUN)
      const run = await start(txs, { databaseUrl: await pg.createDatabase(), workers, delayMs: DELAY_MS })
      try {
        const r = await throughput(run, txs)
        perWorkers.set(workers, r.perSecond)
        log(`${workers} worker(s), proofs + ${DELAY_MS / 1000} s: ${r.perSecond.toFixed(3)} tx/s settled; ${r.lost} lost, ${r.doubled} settled twice`)
        rows.push({ key: `scale.settledPerSecond.${workers}workers`, label: `Settled throughput, ${workers} prover worker(s), each proof + ${DELAY_MS / 1000} s, N = ${BATCH}`, value: r.perSecond, unit: 'tx/s' })
      } finally {
        await run.stop()
      }
    }
    const speedup = perWorkers.get(4)! / perWorkers.get(1)!
    log(`speed-up 4 workers vs 1: ${speedup.toFixed(2)}×`)
    rows.push({ key: 'scale.speedup4v1', label: 'Settled throughput, 4 prover workers vs 1 (each proof + 10 s)', value: speedup, unit: '×', target: '≥ 3.3' })

    // 2. Failover: kill -9 the leader; the time until the standby holds the lease.
    {
      const databaseUrl = await pg.createDatabase()
      const run = await start([], { databaseUrl, workers: 0, delayMs: 0 })
      try {
        const standby = await spawnNode(
          { ...nodeEnv(run, databaseUrl), ZKPAY_LOG_LEVEL: 'info' },
          60_000,
          { logged: /standby: another process leads/ },
        )
        run.workers.push(standby)
        const killed = Date.now()
        await run.node.kill9()
        await until('the standby to lead', async () => (/leader: this process runs the sequencer/.test(standby.output()) ? true : undefined), { timeoutMs: 60_000 })
        const seconds = (Date.now() - killed) / 1000
        log(`failover: the standby led ${seconds.toFixed(2)} s after the leader's kill -9`)
        rows.push({ key: 'scale.failoverSeconds', label: "Leader failover: the leader's kill -9 → the standby holds the lease", value: seconds, unit: 's', target: '≤ 10' })
      } finally {
        await run.stop()
      }
    }

    // 3. Real throughput on this machine, one prover, no delay: SQLite (prover in process) vs Postgres (one queue worker).
    for (const engine of ['SQLite', 'Postgres'] as const) {
      const txs = all.slice(RUN, 2 * RUN)
      const run = await start(txs, engine === 'SQLite' ? { workers: 0, delayMs: 0 } : { databaseUrl: await pg.createDatabase(), workers: 1, delayMs: 0 })
      try {
        const r = await throughput(run, txs)
        log(`${engine}, 1 prover, no delay: ${r.perSecond.toFixed(2)} tx/s settled; ${r.lost} lost, ${r.doubled} settled twice`)
        rows.push({ key: `scale.real.${engine}`, label: `Real settled throughput, ${engine}, 1 prover, N = ${BATCH}`, value: r.perSecond, unit: 'tx/s' })
      } finally {
        await run.stop()
      }
    }
    return rows
  } finally {
    await pg.stop()
    await terminateProver()
  }
}

function nodeEnv(run: Run, databaseUrl: string): Record<string, string> {
  return {
    ZKPAY_RPC_URL: run.devnet.anvil.rpcUrl,
    ZKPAY_ROLLUP_ADDRESS: run.devnet.rollup,
    ZKPAY_FROM_BLOCK: String(run.devnet.deployBlock),
    ZKPAY_OPERATOR_KEY: operatorKey,
    ZKPAY_DATABASE_URL: databaseUrl,
  }
}
