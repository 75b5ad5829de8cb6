// A Sequencer opened without its timer, over a real SQLite store, the fake L1, the fake prover
// and a manual clock: a unit test drives it one `step()` at a time.
import { afterEach, beforeAll, expect } from 'vitest'
import { toHex32 } from '../../src/crypto/field.ts'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import { createSilentLogger } from '../../src/log/index.ts'
import { manualClock, Sequencer, type SequencerEvent, type SequencerOptions } from '../../src/sequencer/index.ts'
import { type NewTransaction, type NodeStore, openNodeStore } from '../../src/state/index.ts'
import { createFakeL1 } from './fakeL1.ts'
import { createFakeProver } from './fakeProver.ts'
import { makeTransaction } from './storeFixtures.ts'

/** Options of every harness: batches of two, sealed by age after a second, final two blocks deep. */
export const HARNESS_OPTIONS = { batchSize: 2, batchMaxAgeMs: 1_000, confirmations: 2, feeBumpAfterMs: 60_000 } as const

const open: NodeStore[] = []

/** Registers the hooks the harness needs (Poseidon's engine, closing the stores): call once per file. */
export function useSequencerHarness(): void {
  beforeAll(async () => {
    await initCrypto()
  })
  afterEach(async () => {
    for (const store of open.splice(0)) await store.close()
  })
}

/** A transaction as admission stores it, its payload agreeing with its columns (what is posted is what was sealed). */
export function pendingTransaction(n: number, createdAt: Date): NewTransaction {
  const tx = makeTransaction(n, { createdAt })
  const [n0, n1] = tx.nullifiers.map(toHex32) as [`0x${string}`, `0x${string}`]
  const [c0, c1, c2] = tx.commitments.map(toHex32) as [`0x${string}`, `0x${string}`, `0x${string}`]
  return { ...tx, payload: { ...tx.payload, nullifiers: [n0, n1], commitments: [c0, c1, c2] } }
}

export async function openHarness(options: Partial<SequencerOptions> = {}) {
  const store = await openNodeStore({ path: ':memory:' })
  open.push(store)
  const l1 = createFakeL1()
  const prover = createFakeProver()
  // The store stamps its rows with the machine's time: the manual clock starts there.
  const clock = manualClock(Date.now())
  const sequencer = await Sequencer.open({ store, l1, prover, clock, logger: createSilentLogger(), depositMarginBlocks: 5n, fromBlock: 0n, ...HARNESS_OPTIONS, ...options })
  const events: SequencerEvent[] = []
  sequencer.on('event', (e) => events.push(e))
  const harness = {
    store,
    l1,
    prover,
    clock,
    sequencer,
    events,
    /** admits transactions `numbers` (ids `tx-<n>`), stamped with the clock's time */
    async admit(...numbers: number[]) {
      for (const n of numbers) expect((await store.insertPendingTransaction(pendingTransaction(n, new Date(clock.now())))).ok).toBe(true)
    },
    async batch(number: number) {
      const batch = await store.getBatch(number)
      if (!batch) throw new Error(`no batch ${number}`)
      return batch
    },
    /** each transaction's id and status, of batch `number` */
    async statuses(number: number) {
      return (await store.listBatchTransactions(number)).map((t) => [t.id, t.status])
    },
    async status(id: string) {
      return (await store.getTransaction(id))?.status
    },
    /** the states batch `number` was announced in, in order */
    batchEvents(number: number) {
      return events.flatMap((e) => (e.type === 'batch' && e.number === number ? [e.state] : []))
    },
    /** proves every batch that waits for its proof, and waits until each is recorded */
    async proveAll() {
      while (prover.waiting.length > 0) prover.resolve()
      await sequencer.idle()
    },
    /** admits `numbers` and seals them into a batch, whose proof then waits for the test */
    async proving(...numbers: number[]) {
      await harness.admit(...numbers)
      await sequencer.step()
      await prover.started()
    },
    /** the same, proven: the batch waits `proven` */
    async proven(...numbers: number[]) {
      await harness.proving(...numbers)
      await harness.proveAll()
    },
  }
  return harness
}

export type Harness = Awaited<ReturnType<typeof openHarness>>
