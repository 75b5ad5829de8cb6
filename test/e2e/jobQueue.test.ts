import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildBatchWitness, type Proof, terminateProver, verifyBatch } from '../../src/circuits/index.ts'
import { randomFieldElement } from '../../src/crypto/field.ts'
import { MerkleTree } from '../../src/crypto/merkleTree.ts'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import type { BatchProver } from '../../src/prover/index.ts'
import { createLocalProver } from '../../src/prover/index.ts'
import { createQueueProver, openJobQueue, runQueueWorker } from '../../src/prover/jobQueue.ts'
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts'

// The prover job queue (pg-boss on a real Postgres) between a node and its workers, with real
// batch proofs: a job is proven by a worker and checked by the node; a worker that fails or
// answers with a proof of another batch never gets its answer used, and the node stops
// waiting after the bounded attempts (PROVER_JOB_FAILED).

let pg: TestPostgres
const stops: (() => Promise<void>)[] = []
const witness = () => buildBatchWitness(new MerkleTree(), [randomFieldElement(), randomFieldElement(), randomFieldElement()])

/** A queue on a fresh database, and a worker proving with `prover`. */
async function queueWith(prover: BatchProver, options: { attempts?: number } = {}) {
  const url = await pg.createDatabase()
  const node = await openJobQueue(url)
  const workerBoss = await openJobQueue(url)
  const stopWorker = await runQueueWorker(workerBoss, prover, { pollMs: 500 })
  stops.push(async () => {
    await stopWorker()
    await workerBoss.stop({ graceful: false, wait: true })
    await node.stop({ graceful: false, wait: true })
  })
  return createQueueProver(node, { pollMs: 100, attempts: options.attempts ?? 3, jobTimeoutMs: 30_000 })
}

beforeAll(async () => {
  await initCrypto()
  pg = await startPostgres()
}, 60_000)

afterAll(async () => {
  for (const stop of stops) await stop()
  await pg?.stop()
  await terminateProver()
})

describe('prover job queue', () => {
  it('default: a sealed batch goes through the queue to a worker and comes back as a proof that verifies', async () => {
    const prover = await queueWith(createLocalProver())
    const w = witness()
    const proof = await prover.prove(w)
    expect(await verifyBatch(proof, w.publicSignals)).toBe(true)
  })

  it('error: a worker that fails every time: the job is tried `attempts` times, then PROVER_JOB_FAILED', async () => {
    let tries = 0
    const prover = await queueWith(
      {
        name: 'broken',
        async prove() {
          tries++
          throw new Error('out of memory')
        },
      },
      { attempts: 2 },
    )
    await expect(prover.prove(witness())).rejects.toMatchObject({ name: 'ProverError', code: 'PROVER_JOB_FAILED', shortMessage: expect.stringMatching(/failed after 2 attempts/) })
    expect(tries).toBe(2)
  })

  it('security: a worker that answers with the proof of another batch is not believed: PROVER_JOB_FAILED, never a proof', async () => {
    const local = createLocalProver()
    let other: Proof | undefined
    const prover = await queueWith(
      {
        name: 'lying',
        async prove() {
          other ??= await local.prove(witness())
          return other
        },
      },
      { attempts: 1 },
    )
    await expect(prover.prove(witness())).rejects.toMatchObject({ code: 'PROVER_JOB_FAILED', shortMessage: expect.stringMatching(/No worker answered with a proof that verifies against the batch/) })
  })

  it('error: /readyz asks the queue: ready while it answers, PROVER_UNAVAILABLE once its database is gone', async () => {
    const own = await startPostgres()
    const boss = await openJobQueue(await own.createDatabase())
    try {
      const prover = createQueueProver(boss)
      await expect(prover.ready!()).resolves.toBeUndefined()
      await own.stop()
      await expect(prover.ready!()).rejects.toMatchObject({ name: 'ProverError', code: 'PROVER_UNAVAILABLE' })
    } finally {
      await boss.stop({ graceful: false, wait: false }).catch(() => {})
    }
  }, 60_000)
})
