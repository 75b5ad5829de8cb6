import { StoreError } from '../errors/index.ts'
import type { SequencerOptions } from '../sequencer/Sequencer.ts'
import { rpcOrigin } from '../settlement/rpcOrigin.ts'
import { toL1Error } from '../settlement/toL1Error.ts'
import type { ReadinessCheck } from './createReadiness.ts'

/**
 * What an operator node needs to serve, as readiness checks: its database answers a cheap read
 * (`latestRoot`), L1 answers `eth_blockNumber` (once, no retries), and its prover could take a
 * batch (`BatchProver.ready`). Failures name no transaction, key or URL path: `/readyz` may be
 * public.
 *
 * @example
 * createApp({ sequencer, readiness: [...nodeReadinessChecks(sequencer.options), queueCheck] })
 */
export function nodeReadinessChecks(parts: Pick<SequencerOptions, 'store'> & { l1: Pick<SequencerOptions['l1'], 'publicClient'>; prover?: SequencerOptions['prover'] }): ReadinessCheck[] {
  const { store, l1, prover } = parts
  return [
    {
      name: 'database',
      async check() {
        await store.latestRoot().catch((cause: unknown) => {
          throw new StoreError('STORE_UNAVAILABLE', "The node's database did not answer a query.", { cause })
        })
      },
    },
    {
      name: 'l1',
      async check() {
        await l1.publicClient.request({ method: 'eth_blockNumber' }, { retryCount: 0 }).catch((error: unknown) => {
          throw toL1Error(error, rpcOrigin(l1.publicClient))
        })
      },
    },
    ...(prover ? [{ name: 'prover', check: async () => prover.ready?.() }] : []),
  ]
}
