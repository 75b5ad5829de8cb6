// A BatchProver for the sequencer's unit tests: each `prove` waits until the test resolves or
// fails it, so a test decides when a proof comes back, and in which order.
import type { BatchWitness, Proof } from '../../src/circuits/index.ts'
import type { BatchProver } from '../../src/prover/index.ts'

/** A proof job the fake holds: its witness, and how the test ends it. */
export type FakeProofJob = { witness: BatchWitness; resolve(): void; fail(error: unknown): void }

export type FakeProver = BatchProver & {
  /** the jobs not yet resolved or failed, in the order `prove` was called */
  readonly waiting: FakeProofJob[]
  /** how many times `prove` was called */
  readonly calls: () => number
  /** resolves the waiting job whose batch starts at `startIndex` (default: the oldest) */
  resolve(startIndex?: number): void
  /** fails the oldest waiting job with `error` */
  fail(error: unknown): void
  /** resolves once `count` jobs wait (a step starts its proofs in the background) */
  started(count?: number): Promise<void>
}

/** A proof's shape, as the store keeps it (the fake L1 checks no proof). */
export const FAKE_PROOF: Proof = { a: [1n, 2n], b: [[3n, 4n], [5n, 6n]], c: [7n, 8n] }

export function createFakeProver(): FakeProver {
  const waiting: FakeProofJob[] = []
  let calls = 0
  const take = (startIndex?: number) => {
    const at = startIndex === undefined ? 0 : waiting.findIndex((j) => j.witness.startIndex === startIndex)
    const job = waiting[at]
    if (!job) throw new Error(`no proof job waits${startIndex === undefined ? '' : ` for the batch at leaf ${startIndex}`}`)
    waiting.splice(at, 1)
    return job
  }
  return {
    name: 'fake',
    waiting,
    calls: () => calls,
    prove(witness) {
      calls++
      return new Promise<Proof>((resolve, reject) => {
        waiting.push({ witness, resolve: () => resolve(FAKE_PROOF), fail: reject })
      })
    },
    resolve: (startIndex) => take(startIndex).resolve(),
    fail: (error) => take().fail(error),
    async started(count = 1) {
      for (let waited = 0; waiting.length < count; waited += 5) {
        if (waited > 2_000) throw new Error(`${waiting.length} proof jobs wait, not ${count}`)
        await new Promise((r) => setTimeout(r, 5))
      }
    },
  }
}
