import { toHex, zeroAddress } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { fromTransactionJson, terminateProver, type TransactionJson } from '../src/circuits/index.ts'
import { initCrypto } from '../src/crypto/poseidon.ts'
import { transactionId } from '../src/sequencer/Admission.ts'
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
async function start(
  txs: readonly TransactionJson[],
  options: { databaseUrl?: string; workers: number; delayMs: number; env?: Record<string, string>; oneProcess?: boolean },
): Promise<Run> {
  const devnet = await escrowedDevnet(txs)
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
  const worker = (concurrency: number) => spawnProverWorker(options.databaseUrl!, { ZKPAY_PROVER_BENCH_DELAY_MS: String(options.delayMs), ZKPAY_PROVER_CONCURRENCY: String(concurrency), ZKPAY_LOG_LEVEL: 'info' })
  // Separate processes prove at the same time, sharing the cores; the workers of one process
  // take turns on them (one proof at a time, each using every core) while the others wait.
  if (options.oneProcess && options.workers > 0) workers.push(await worker(options.workers))
  else for (let i = 0; i < options.workers; i++) workers.push(await worker(1))
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

/** A fresh devnet with every deposit of `txs` escrowed on L1 (from dev account 1). */
async function escrowedDevnet(txs: readonly TransactionJson[]): Promise<Devnet> {
  const devnet = await startDevnet()
  for (const json of txs) {
    const tx = fromTransactionJson(json)
    await deposit(devnet.accounts[1]!, { rollup: devnet.rollup, asset: zeroAddress, amount: tx.extData.extAmount, extDataHash: tx.extDataHash, commitments: tx.commitments })
  }
  return devnet
}

/** Submits `txs`, waits until every one settled; settled tx/s from the first submission, and how many are missing or doubled on L1. */
async function throughput(run: Run, txs: readonly TransactionJson[]): Promise<{ perSecond: number; steadyPerSecond: number; lost: number; doubled: number }> {
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
  // When each was first seen settled: the steady rate runs from the first settlement to the last,
  // leaving out the pipeline's filling (the first proofs and their delay) and its draining.
  const settledAt = new Map<string, number>()
  await until(
    `${txs.length} transactions to settle`,
    async () => {
      const states = await Promise.all(ids.map(async (id) => ({ id, status: ((await (await fetch(`${run.node.url}/v1/transactions/${id}`)).json()) as { status: string }).status })))
      for (const { id, status } of states) if ((status === 'settled' || status === 'final') && !settledAt.has(id)) settledAt.set(id, Date.now())
      return settledAt.size === ids.length ? true : undefined
    },
    { timeoutMs: 1_800_000, context: () => run.node.output().slice(-2000) },
  )
  const seconds = (Date.now() - started) / 1000
  const times = [...settledAt.values()].sort((a, b) => a - b)
  const firstBatch = times.filter((t) => t - times[0]! < 200).length
  const steadyPerSecond = (times.length - firstBatch) / ((times.at(-1)! - times[0]!) / 1000)
  return { perSecond: txs.length / seconds, steadyPerSecond, ...(await onL1(run.devnet, txs)) }
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
    const perWorkers = new Map<string, number>()
    const steady = new Map<string, number>()
    for (const [name, workers, oneProcess] of [['1', 1, false], ['4', 4, false], ['4in1', 4, true]] as const) {
      const txs = all.slice(0, RUN)
      const run = await start(txs, { databaseUrl: await pg.createDatabase(), workers, delayMs: DELAY_MS, oneProcess })
      const how = oneProcess ? `${workers} prover workers in one process` : `${workers} prover worker process(es)`
      try {
        const r = await throughput(run, txs)
        perWorkers.set(name, r.perSecond)
        steady.set(name, r.steadyPerSecond)
        log(`${how}, proofs + ${DELAY_MS / 1000} s: ${r.perSecond.toFixed(3)} tx/s settled from the first submission, ${r.steadyPerSecond.toFixed(3)} tx/s from the first settlement to the last; ${r.lost} lost, ${r.doubled} settled twice`)
        rows.push({ key: `scale.settledPerSecond.${name}`, label: `Settled throughput, ${how}, each proof + ${DELAY_MS / 1000} s, N = ${BATCH}, ${RUN} transactions from the first submission`, value: r.perSecond, unit: 'tx/s' })
        rows.push({ key: `scale.steadyPerSecond.${name}`, label: `Settled throughput, ${how}, each proof + ${DELAY_MS / 1000} s, steady (first settlement to last)`, value: r.steadyPerSecond, unit: 'tx/s' })
      } finally {
        await run.stop()
      }
    }
    for (const [name, how] of [['4', '4 worker processes'], ['4in1', '4 workers in one process']] as const) {
      for (const [kind, rates] of [['from the first submission', perWorkers], ['steady', steady]] as const) {
        const speedup = rates.get(name)! / rates.get('1')!
        log(`speed-up, ${how} vs 1, ${kind}: ${speedup.toFixed(2)}×`)
        rows.push({ key: `scale.speedup.${name}.${kind === 'steady' ? 'steady' : 'run'}`, label: `Settled throughput, ${how} vs 1 (each proof + 10 s), ${kind}`, value: speedup, unit: '×', target: '≥ 3.3' })
      }
    }

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

    // 3. Admission through HTTP: 2 api replicas against 1 (nothing is sealed: no sequencer runs).
    {
      const txs = all.slice(0, 2 * RUN)
      const devnet = await escrowedDevnet(txs)
      try {
        const perReplicas = new Map<number, number>()
        for (const replicas of [1, 2]) {
          const databaseUrl = await pg.createDatabase()
          const env = { ...chainEnv(devnet), ZKPAY_DATABASE_URL: databaseUrl, ZKPAY_NODE_ROLE: 'api', ZKPAY_RATE_LIMIT_SUBMIT: '1000000', ZKPAY_LOG_LEVEL: 'warn' }
          const api: NodeProcess[] = []
          try {
            for (let i = 0; i < replicas; i++) api.push(await spawnNode({ ...env, ZKPAY_LOG_LEVEL: 'info' }, 60_000, { logged: /api replica listening/ }))
            const started = Date.now()
            const verdicts = await submitAll(api, txs, 32)
            const perSecond = txs.length / ((Date.now() - started) / 1000)
            if (verdicts.admitted !== txs.length) throw new Error(`admission refused ${txs.length - verdicts.admitted} transactions`)
            perReplicas.set(replicas, perSecond)
            log(`admission through HTTP, ${replicas} api replica(s), 32 clients: ${perSecond.toFixed(1)} tx/s`)
            rows.push({ key: `scale.admission.${replicas}replicas`, label: `Admission through HTTP (proofs verified), ${replicas} api replica(s), 32 clients`, value: perSecond, unit: 'tx/s' })
          } finally {
            for (const node of api) await node.stop()
          }
        }
        rows.push({ key: 'scale.admission.2v1', label: 'Admission through HTTP, 2 api replicas vs 1 (2 cores: CPU-bound)', value: perReplicas.get(2)! / perReplicas.get(1)!, unit: '×', target: 'report' })
      } finally {
        await devnet.stop()
      }
    }

    // 4. Two minutes of steady load while a leader, a prover worker and an api replica are each killed -9 once.
    {
      const r = await loadWithKills(all.slice(0, RUN), await pg.createDatabase(), log)
      log(`2-minute load with kills: ${r.settled}/${RUN} settled; ${r.lost} lost, ${r.doubled} settled twice (on L1)`)
      rows.push({ key: 'scale.killLoad.lostOrDoubled', label: '2-minute load, one kill -9 each of the leader, a prover worker and an api replica: lost or settled twice (on L1)', value: r.lost + r.doubled, unit: 'tx', target: '0' })
    }

    // 5. Real throughput on this machine, one prover, no delay: SQLite (prover in process) vs Postgres (one queue worker).
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
  return { ...chainEnv(run.devnet), ZKPAY_OPERATOR_KEY: operatorKey, ZKPAY_DATABASE_URL: databaseUrl }
}

function chainEnv(devnet: Devnet): Record<string, string> {
  return { ZKPAY_RPC_URL: devnet.anvil.rpcUrl, ZKPAY_ROLLUP_ADDRESS: devnet.rollup, ZKPAY_FROM_BLOCK: String(devnet.deployBlock) }
}

/**
 * Submits `txs` with `clients` concurrent clients, spread over `replicas` in turn; a client whose
 * replica does not answer sends the same transaction to the next one, as a load balancer's
 * client would. TRANSACTION_KNOWN counts as admitted (an earlier try got in).
 */
async function submitAll(replicas: readonly { url: string }[], txs: readonly TransactionJson[], clients: number, pace?: (i: number) => Promise<void>): Promise<{ admitted: number; ids: string[] }> {
  const ids: string[] = []
  let next = 0
  let admitted = 0
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < txs.length) {
        const i = next++
        await pace?.(i)
        const body = JSON.stringify(txs[i])
        for (let attempt = 0; ; attempt++) {
          const replica = replicas[(i + attempt) % replicas.length]!
          const answer = await fetch(`${replica.url}/v1/transactions`, { method: 'POST', body, headers: { 'content-type': 'application/json' } }).then(
            async (res) => ({ status: res.status, code: ((await res.json()) as { code?: string }).code }),
            () => undefined,
          )
          if (answer?.status === 202 || answer?.code === 'TRANSACTION_KNOWN') {
            admitted++
            ids.push(transactionId(txs[i]!))
            break
          }
          if (answer) throw new Error(`admission refused a transaction: ${answer.code}`)
          if (attempt > 20) throw new Error('no api replica answered')
          await new Promise((resolve) => setTimeout(resolve, 250))
        }
      }
    }),
  )
  return { admitted, ids }
}

/**
 * Two sequencers (a leader and a standby), two api replicas and two prover workers on one
 * database; `txs` offered evenly over two minutes through the replicas. At 30 s the leader is
 * killed -9 (and a new standby started), at 60 s a prover worker (and another started), at 90 s
 * an api replica (its clients go to the other one; a replacement is started). Then every
 * transaction must settle exactly once, counted on L1.
 */
async function loadWithKills(txs: readonly TransactionJson[], databaseUrl: string, log: (line: string) => void): Promise<{ settled: number; lost: number; doubled: number }> {
  const devnet = await escrowedDevnet(txs)
  const base = { ...chainEnv(devnet), ZKPAY_DATABASE_URL: databaseUrl, ZKPAY_BATCH_SIZE: String(BATCH), ZKPAY_BATCH_MAX_AGE_MS: '500', ZKPAY_LOG_LEVEL: 'info' }
  const sequencerEnv = { ...base, ZKPAY_NODE_ROLE: 'sequencer', ZKPAY_OPERATOR_KEY: operatorKey, ZKPAY_PROVER_JOB_QUEUE: '1', ZKPAY_PROVER_JOB_TIMEOUT_MS: '20000' }
  const apiEnv = { ...base, ZKPAY_NODE_ROLE: 'api', ZKPAY_RATE_LIMIT_SUBMIT: '1000000', ZKPAY_RATE_LIMIT_READ: '1000000' }
  const sequencer = () => spawnNode(sequencerEnv, 60_000, { logged: /standby: another process leads|node listening/ })
  const processes: ZkpayProcess[] = []
  const track = <T extends ZkpayProcess>(p: T) => (processes.push(p), p)
  try {
    const sequencers = [track(await sequencer()), track(await sequencer())]
    const api = [track(await spawnNode(apiEnv)), track(await spawnNode(apiEnv))]
    const workers = [track(await spawnProverWorker(databaseUrl)), track(await spawnProverWorker(databaseUrl))]
    const started = Date.now()
    const spacing = 120_000 / txs.length
    const kills = (async () => {
      const at = (seconds: number) => new Promise((resolve) => setTimeout(resolve, started + seconds * 1000 - Date.now()))
      await at(30)
      const leader = sequencers.find((s) => /leader: this process runs the sequencer/.test(s.output()))!
      await leader.kill9()
      log('  30 s: killed the leader -9')
      sequencers.push(track(await sequencer()))
      await at(60)
      await workers[0]!.kill9()
      log('  60 s: killed a prover worker -9')
      workers.push(track(await spawnProverWorker(databaseUrl)))
      await at(90)
      await api[0]!.kill9()
      log('  90 s: killed an api replica -9')
      api[0] = track(await spawnNode(apiEnv))
    })()
    const { ids } = await submitAll(api, txs, 8, (i) => new Promise((resolve) => setTimeout(resolve, Math.max(0, started + i * spacing - Date.now()))))
    await kills
    const settled = await until(
      `${txs.length} transactions to settle`,
      async () => {
        const states = await Promise.all(ids.map(async (id) => ((await (await fetch(`${api[1]!.url}/v1/transactions/${id}`)).json()) as { status: string }).status))
        const done = states.filter((s) => s === 'settled' || s === 'final').length
        return done === ids.length ? done : undefined
      },
      { timeoutMs: 900_000, context: () => processes.map((p) => p.output().slice(-1500)).join('\n---\n') },
    )
    return { settled, ...(await onL1(devnet, txs)) }
  } finally {
    for (const p of processes) await p.stop()
    await devnet.stop()
  }
}
