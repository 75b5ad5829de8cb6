import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { zeroAddress } from 'viem'
import { type BatchWitness, fromTransactionJson, terminateProver, type TransactionJson, toTransactionJson } from '../src/circuits/index.ts'
import { BATCH_TRANSFERS } from '../src/crypto/batch.ts'
import { initCrypto } from '../src/crypto/poseidon.ts'
import { createLocalProver } from '../src/prover/index.ts'
import { deposit } from '../src/settlement/deposit.ts'
import { readRollupState } from '../src/settlement/readRollupState.ts'
import { syncFromL1 } from '../src/settlement/syncFromL1.ts'
import { startTestNode } from '../test/helpers/node.ts'
import { Actor, MerkleTree, startDevnet } from '../test/helpers/rollup.ts'
import type { Row } from './crypto.ts'

const CACHE = path.join(path.dirname(new URL(import.meta.url).pathname), '../.cache/bench')
const LOAD = 256
const STEADY = 96
const STEADY_RATE = 4 // tx/s offered in the latency run

/**
 * Deposits proven against the empty tree: valid on any fresh rollup (their nullifiers come from
 * random dummy inputs), so they are proven once and cached in .cache/bench.
 */
export async function deposits(count: number, log: (line: string) => void): Promise<TransactionJson[]> {
  // Versioned by the transaction's shape: deposits of the 2-output protocol cached before would not parse.
  const file = path.join(CACHE, `deposits-${count}-3out.json`)
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as TransactionJson[]
  log(`proving ${count} deposit transactions once (cached in ${path.relative(process.cwd(), file)})`)
  const alice = new Actor(1)
  const out: TransactionJson[] = []
  const started = Date.now()
  for (let i = 0; i < count; i++) {
    out.push(toTransactionJson((await alice.transact(new MerkleTree(), { asset: 0n, extAmount: 1_000n + BigInt(i) })).tx))
    if ((i + 1) % 32 === 0) log(`  ${i + 1}/${count} in ${((Date.now() - started) / 1000).toFixed(0)} s`)
  }
  mkdirSync(CACHE, { recursive: true })
  writeFileSync(file, JSON.stringify(out))
  return out
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!

/**
 * The operator node (issue: operator node): admission throughput through HTTP with proof
 * verification, 256 transfers pushed through with zero loss (settled tx/s), and the latency from
 * submission to settlement with N = 21 (a full batch) under a steady load.
 */
export async function benchNode(log: (line: string) => void): Promise<Row[]> {
  await initCrypto()
  const all = await deposits(LOAD + STEADY, log)
  const rows: Row[] = []
  const devnet = await startDevnet()
  // The prover waits behind a gate, so the admission run measures admission alone.
  let open!: () => void
  const gate = new Promise<void>((resolve) => (open = resolve))
  const local = createLocalProver()
  const node = await startTestNode(devnet, {
    batchSize: BATCH_TRANSFERS,
    batchMaxAgeMs: 2_000,
    prover: { name: 'local', prove: async (w: BatchWitness) => (await gate, local.prove(w)) },
  })
  try {
    for (const json of all) {
      const tx = fromTransactionJson(json)
      await deposit(devnet.accounts[1]!, { rollup: devnet.rollup, asset: zeroAddress, amount: tx.extData.extAmount, extDataHash: tx.extDataHash, commitments: tx.commitments })
    }
    const load = all.slice(0, LOAD)
    const settledAt = new Map<string, number>()
    node.sequencer.on('event', (e) => {
      if (e.type === 'transaction' && (e.status === 'settled' || e.status === 'final') && !settledAt.has(e.id)) settledAt.set(e.id, Date.now())
    })

    // 1. Admission: 256 POSTs from 32 clients, each sending its next as soon as one is answered.
    const ids: string[] = []
    let t0 = performance.now()
    let next = 0
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < load.length) {
          const r = await node.post(load[next++]!)
          if (r.status !== 202) throw new Error(`admission failed: ${JSON.stringify(r.body)}`)
          ids.push(r.body.id!)
        }
      }),
    )
    const admissionSeconds = (performance.now() - t0) / 1000
    const admissionRate = load.length / admissionSeconds
    log(`admission: ${load.length} transactions in ${admissionSeconds.toFixed(2)} s = ${admissionRate.toFixed(1)} tx/s`)
    rows.push({ key: 'node.admissionPerSecond', label: 'Admission through HTTP with proof verification (32 clients)', value: admissionRate, unit: 'tx/s', target: '≥ 40' })

    // 2. Throughput: open the prover and wait until all 256 settle.
    t0 = performance.now()
    open()
    const deadline = Date.now() + 600_000
    while (ids.some((id) => !settledAt.has(id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    const settleSeconds = (performance.now() - t0) / 1000
    // Zero loss, counted on L1: every admitted transaction's outputs are in the rollup's events.
    const { batches } = await syncFromL1(devnet.publicClient, { rollup: devnet.rollup, fromBlock: devnet.deployBlock })
    const onL1 = new Set(batches.flatMap((b) => b.transactions.map((t) => t.commitments[0])))
    const lost = load.filter((j) => !onL1.has(fromTransactionJson(j).commitments[0])).length
    const l1 = await readRollupState(devnet.publicClient, { rollup: devnet.rollup })
    log(`throughput: ${load.length} settled in ${settleSeconds.toFixed(1)} s = ${(load.length / settleSeconds).toFixed(1)} tx/s; ${lost} lost; L1 ${l1.batchCount} batches, ${l1.nextLeafIndex} leaves`)
    rows.push({ key: 'node.settledPerSecond', label: `Settled throughput, ${LOAD} transfers, N = ${BATCH_TRANSFERS}`, value: load.length / settleSeconds, unit: 'tx/s', target: '≥ 5' })
    rows.push({ key: 'node.lost', label: `Transfers lost of ${LOAD} (checked on L1)`, value: lost, unit: '', target: '0' })

    // 3. Latency under a steady load of STEADY_RATE tx/s.
    const steady = all.slice(LOAD)
    const submittedAt = new Map<string, number>()
    for (const json of steady) {
      const sent = Date.now()
      const r = await node.post(json)
      submittedAt.set(r.body.id!, sent)
      await new Promise((res) => setTimeout(res, Math.max(0, 1000 / STEADY_RATE - (Date.now() - sent))))
    }
    while ([...submittedAt.keys()].some((id) => !settledAt.has(id))) await new Promise((r) => setTimeout(r, 100))
    const latencies = [...submittedAt].map(([id, at]) => (settledAt.get(id)! - at) / 1000)
    log(`latency at ${STEADY_RATE} tx/s: median ${median(latencies).toFixed(1)} s, p95 ${percentile(latencies, 95).toFixed(1)} s, max ${Math.max(...latencies).toFixed(1)} s`)
    rows.push({ key: 'node.latencyMedianSeconds', label: `Submitted → settled, N = ${BATCH_TRANSFERS}, ${STEADY_RATE} tx/s offered: median`, value: median(latencies), unit: 's', target: '≤ 15' })
    rows.push({ key: 'node.latencyP95Seconds', label: `Submitted → settled, N = ${BATCH_TRANSFERS}, ${STEADY_RATE} tx/s offered: 95th percentile`, value: percentile(latencies, 95), unit: 's' })
    return rows
  } finally {
    open()
    await node.stop()
    await devnet.stop()
    await terminateProver()
  }
}
