import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { verifyBatch } from '../circuits/index.ts'
import { BaseError } from '../errors/index.ts'
import type { BatchProver } from './BatchProver.ts'
import { fromWire, type ProveRequest, toWire } from './wire.ts'

/**
 * `zkpay prover --listen <port>`: a batch prover over HTTP. `POST /v1/prove` takes a batch
 * witness and answers with its proof, checked before it leaves; one proof at a time (a second
 * request waits for the first), since each already uses every core.
 *
 * @example
 * serve({ fetch: createProverApp(createLocalProver()).fetch, port: 8090 })
 */
export function createProverApp(prover: BatchProver) {
  let queue: Promise<unknown> = Promise.resolve()
  let proved = 0
  let busy = false
  return new Hono()
    .post('/v1/prove', bodyLimit({ maxSize: 4 * 1024 * 1024, onError: (c) => c.json({ code: 'PAYLOAD_TOO_LARGE', message: 'The witness is larger than 4 MB.' }, 413) }), async (c) => {
      let request: ProveRequest
      try {
        request = fromWire<ProveRequest>(await c.req.json())
        if (!request?.witness?.input || !Array.isArray(request.witness.publicSignals)) throw new Error('no witness')
      } catch {
        return c.json({ code: 'INVALID_SCHEMA', message: 'Expected { witness: { input, publicSignals, … } } with bigints as 0x hex.' }, 400)
      }
      const job = queue.then(async () => {
        busy = true
        const started = Date.now()
        try {
          const proof = await prover.prove(request.witness)
          if (!(await verifyBatch(proof, request.witness.publicSignals))) throw new BaseError('PROOF_GENERATION_FAILED', 'The proof does not verify: the witness is not a valid batch.')
          proved++
          return { proof, ms: Date.now() - started }
        } finally {
          busy = false
        }
      })
      queue = job.catch(() => undefined)
      try {
        return c.json(toWire(await job) as object)
      } catch (error) {
        const message = error instanceof BaseError ? error.shortMessage : 'The witness does not satisfy the batch circuit.'
        return c.json({ code: 'PROOF_GENERATION_FAILED', message }, 422)
      }
    })
    .get('/v1/status', (c) => c.json({ prover: prover.name, busy, proved }))
}
