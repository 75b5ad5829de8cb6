// One contender in the cross-connection race of test/unit/state.test.ts: opens its own
// connection to the shared file, waits at the gate with the others, then tries to admit a
// transaction spending the contested nullifier.
import { parentPort, workerData } from 'node:worker_threads'
import { openNodeStore } from '../../src/state/index.ts'
import { makeTransaction } from './storeFixtures.ts'

const { path, n, nullifier, gate } = workerData as { path: string; n: number; nullifier: bigint; gate: SharedArrayBuffer }

const store = await openNodeStore({ path, busyTimeoutMs: 30_000 })
parentPort!.postMessage({ ready: true })
Atomics.wait(new Int32Array(gate), 0, 0)
try {
  const result = await store.insertPendingTransaction(makeTransaction(n, { nullifiers: [nullifier, BigInt(n) + 1n] }))
  parentPort!.postMessage({ result: result.ok ? 'ADMITTED' : result.code })
} catch (error) {
  parentPort!.postMessage({ result: `THREW ${String(error)}` })
} finally {
  await store.close()
}
