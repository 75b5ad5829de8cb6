import { type BatchWitness, type Proof, proofCodec } from '../circuits/index.ts'
import { InvalidParameterError, ProverError } from '../errors/index.ts'
import type { Logger } from '../log/index.ts'
import { assertBatchProof } from './assertBatchProof.ts'
import type { BatchProver } from './BatchProver.ts'
import { type ProveResponse, toWire } from './wire.ts'

export type RemoteProverOptions = {
  /** how long one prover may take to answer (default 120 s) */
  timeoutMs?: number
  /** how long one prover may take to answer a readiness probe (default 2 s) */
  readyTimeoutMs?: number
  /** the services' bearer token (the variable ZKPAY_PROVER_TOKEN_ENV names) */
  token?: string
  /** told which prover failed and why, before the next one is tried */
  logger?: Logger
}

/** A proof reply is about a kilobyte: a prover that streams more is not sending a proof. */
const MAX_REPLY_BYTES = 64 * 1024

/**
 * A prover that sends each batch to one of several `zkpay prover` services, round robin. None is
 * trusted: each reply must carry a proof that verifies against the batch, and a prover that is
 * down, refuses (401, 503 PROVER_BUSY), answers without a proof or with a wrong one has failed:
 * the next is tried. When every one fails, `prove` throws PROVER_UNAVAILABLE (the sequencer's
 * loop retries); it never returns a proof that does not verify.
 *
 * @example
 * const prover = createRemoteProver(['http://10.0.0.5:8090', 'http://10.0.0.6:8090'], { token })
 */
export function createRemoteProver(urls: readonly string[], options: RemoteProverOptions = {}): BatchProver {
  if (urls.length === 0) throw new InvalidParameterError('urls', 'expected at least one prover URL')
  let next = 0
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`
  return {
    name: urls.join(','),
    async prove(witness: BatchWitness): Promise<Proof> {
      const body = JSON.stringify(toWire({ witness }))
      const failures: string[] = []
      for (let i = 0; i < urls.length; i++) {
        const url = urls[(next + i) % urls.length]!
        try {
          const res = await fetch(`${url}/v1/prove`, { method: 'POST', headers, body, signal: AbortSignal.timeout(options.timeoutMs ?? 120_000) })
          const reply = (await readJson(res)) as { code?: unknown; message?: unknown }
          if (!res.ok) throw new Error(`HTTP ${res.status}${typeof reply?.code === 'string' ? ` ${reply.code}` : ''}: ${typeof reply?.message === 'string' ? reply.message : 'no message'}`)
          const wire = proofCodec.safeParse((reply as Partial<ProveResponse> | null)?.proof)
          if (!wire.success) throw new ProverError('BATCH_PROOF_INVALID', 'The prover answered without a batch proof.')
          const proof = await assertBatchProof(wire.data, witness)
          next = (next + i + 1) % urls.length
          return proof
        } catch (error) {
          const reason = error instanceof ProverError ? error.shortMessage : error instanceof Error ? error.message : String(error)
          failures.push(`${url}: ${reason}`)
          options.logger?.warn({ prover: url, reason }, 'prover failed; trying the next')
        }
      }
      throw new ProverError('PROVER_UNAVAILABLE', 'No prover could prove the batch.', { details: failures.join('\n') })
    },
    // Ready while any service answers its status with this node's token. The sentence names no
    // URL: it is shown on `/readyz`, and the provers' addresses are the operator's business.
    async ready() {
      const failures: string[] = []
      for (const url of urls) {
        try {
          const res = await fetch(`${url}/v1/status`, { headers, signal: AbortSignal.timeout(options.readyTimeoutMs ?? 2_000) })
          await res.body?.cancel()
          if (res.ok) return
          failures.push(`${url}: HTTP ${res.status}`)
        } catch (error) {
          failures.push(`${url}: ${error instanceof Error ? error.message : String(error)}`)
        }
      }
      throw new ProverError('PROVER_UNAVAILABLE', `None of the ${urls.length} prover services answered its status.`, { details: failures.join('\n') })
    },
  }
}

/** The reply's JSON, read up to MAX_REPLY_BYTES: a hostile prover cannot fill the node's memory. */
async function readJson(res: Response): Promise<unknown> {
  const reader = res.body?.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const chunk = await reader?.read()
    if (!chunk || chunk.done) break
    size += chunk.value.byteLength
    if (size > MAX_REPLY_BYTES) {
      await reader!.cancel()
      throw new Error(`the reply is larger than ${MAX_REPLY_BYTES} bytes`)
    }
    chunks.push(chunk.value)
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    return undefined
  }
}
