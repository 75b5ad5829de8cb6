import { afterAll } from 'vitest'
import { terminateProver } from '../../src/circuits/index.ts'

/**
 * For a test file that starts devnets and nodes and proves: registers an `afterAll` that runs the
 * cleanups handed to the returned function, last first, then stops the prover's threads.
 *
 * @example
 * const defer = deferCleanups()
 * const devnet = await startDevnet()
 * defer(() => devnet.stop())
 */
export function deferCleanups(): (cleanup: () => Promise<void> | void) => void {
  const cleanups: (() => Promise<void> | void)[] = []
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup()
    await terminateProver()
  })
  return (cleanup) => void cleanups.push(cleanup)
}
