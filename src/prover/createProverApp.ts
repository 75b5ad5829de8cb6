import { createHash, timingSafeEqual } from 'node:crypto'
import { type Context, Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { proofCodec, verifyBatch } from '../circuits/index.ts'
import { BaseError, ProofGenerationError } from '../errors/index.ts'
import type { BatchProver } from './BatchProver.ts'
import { PROVER_REJECTIONS, type ProverRejectionCode } from './rejections.ts'
import { fromWire, type ProveRequest, type ProveResponse } from './wire.ts'

export type ProverAppOptions = {
  /** the bearer token clients must send; without one the service is open (loopback only: see runProver) */
  token?: string
  /** witnesses held at once, the one being proven included (default 4); one more is 503 PROVER_BUSY */
  maxQueue?: number
}

const MAX_WITNESS_BYTES = 4 * 1024 * 1024
const sha256 = (s: string) => createHash('sha256').update(s).digest()

/**
 * `zkpay prover`: a batch prover over HTTP. `POST /v1/prove` takes a batch witness and answers
 * with its proof, checked before it leaves; one proof at a time (a second request waits for the
 * first), since each already uses every core. With a token, every request must carry it
 * (compared in constant time, as digests); the queue is bounded, because each waiting witness
 * holds up to 4 MB.
 *
 * @example
 * serve({ fetch: createProverApp(createLocalProver(), { token }).fetch, port: 8090 })
 */
export function createProverApp(prover: BatchProver, options: ProverAppOptions = {}) {
  const maxQueue = options.maxQueue ?? 4
  const expected = options.token === undefined ? undefined : sha256(options.token)
  let queue: Promise<unknown> = Promise.resolve()
  let held = 0
  let proved = 0
  let busy = false
  const refuse = (c: Context, status: 400 | 401 | 413 | 422 | 503, code: ProverRejectionCode, message: string = PROVER_REJECTIONS[code]) => c.json({ code, message }, status)

  return new Hono()
    .use('*', async (c, next) => {
      if (expected) {
        const given = /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1]
        // Digests of equal length, so that the comparison's time says nothing about the token.
        if (given === undefined || !timingSafeEqual(sha256(given), expected)) {
          c.header('WWW-Authenticate', 'Bearer')
          return refuse(c, 401, 'UNAUTHORIZED')
        }
      }
      await next()
    })
    .post(
      '/v1/prove',
      async (c, next) => {
        // Counted before the body is read, so that concurrent uploads cannot all slip in.
        if (held >= maxQueue) {
          c.header('Retry-After', '5')
          return refuse(c, 503, 'PROVER_BUSY')
        }
        held++
        try {
          await next()
        } finally {
          held--
        }
      },
      bodyLimit({ maxSize: MAX_WITNESS_BYTES, onError: (c) => refuse(c, 413, 'PAYLOAD_TOO_LARGE') }),
      async (c) => {
        let request: ProveRequest
        try {
          request = fromWire<ProveRequest>(await c.req.json())
          if (!request?.witness?.input || !Array.isArray(request.witness.publicSignals)) throw new Error('no witness')
        } catch {
          return refuse(c, 400, 'INVALID_SCHEMA')
        }
        const job = queue.then(async () => {
          busy = true
          const started = Date.now()
          try {
            const proof = await prover.prove(request.witness)
            if (!(await verifyBatch(proof, request.witness.publicSignals))) throw new ProofGenerationError('The proof does not verify: the witness is not a valid batch.')
            proved++
            return { proof: proofCodec.encode(proof), ms: Date.now() - started } satisfies ProveResponse
          } finally {
            busy = false
          }
        })
        queue = job.catch(() => undefined)
        try {
          return c.json(await job)
        } catch (error) {
          return refuse(c, 422, 'PROOF_GENERATION_FAILED', error instanceof BaseError ? error.shortMessage : undefined)
        }
      },
    )
    .get('/v1/status', (c) => c.json({ prover: prover.name, busy, queued: held, proved }))
}
