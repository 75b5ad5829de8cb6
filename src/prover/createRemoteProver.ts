import type { BatchWitness, Proof } from '../circuits/index.ts'
import { BaseError, InvalidParameterError } from '../errors/index.ts'
import type { BatchProver } from './BatchProver.ts'
import { fromWire, type ProveResponse, toWire } from './wire.ts'

/**
 * A prover that sends each batch to one of several `zkpay prover` services, round robin,
 * moving on to the next when one is down or fails.
 *
 * @example
 * const prover = createRemoteProver(['http://10.0.0.5:8090', 'http://10.0.0.6:8090'])
 */
export function createRemoteProver(urls: readonly string[], options: { timeoutMs?: number } = {}): BatchProver {
  if (urls.length === 0) throw new InvalidParameterError('urls', 'expected at least one prover URL')
  let next = 0
  return {
    name: urls.join(','),
    async prove(witness: BatchWitness): Promise<Proof> {
      const failures: string[] = []
      for (let i = 0; i < urls.length; i++) {
        const url = urls[(next + i) % urls.length]!
        try {
          const res = await fetch(`${url}/v1/prove`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(toWire({ witness })),
            signal: AbortSignal.timeout(options.timeoutMs ?? 120_000),
          })
          const body = (await res.json()) as { message?: string }
          if (!res.ok) throw new Error(body.message ?? `HTTP ${res.status}`)
          next = (next + i + 1) % urls.length
          return fromWire<ProveResponse>(body).proof
        } catch (error) {
          failures.push(`${url}: ${error instanceof Error ? error.message : String(error)}`)
        }
      }
      throw new BaseError('PROVER_UNAVAILABLE', 'No prover could prove the batch.', { details: failures.join('\n') })
    },
  }
}
