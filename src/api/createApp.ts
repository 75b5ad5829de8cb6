import { type Context, Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { streamSSE } from 'hono/streaming'
import { bytesToHex } from 'viem'
import { z } from 'zod'
import type { TransactionJson } from '../circuits/index.ts'
import { DEFAULT_EVENT_STREAMS, DEFAULT_RATE_LIMITS } from '../config/nodeConfig.ts'
import { toHex32 } from '../crypto/field.ts'
import { REJECTIONS, type RejectionCode } from '../sequencer/rejections.ts'
import type { Sequencer, SequencerEvent } from '../sequencer/Sequencer.ts'
import { createClientKey } from './clientKey.ts'
import { RateLimiter } from './RateLimiter.ts'
import { batchParamSchema, MEMPOOL_PAGE_LIMIT, mempoolQuerySchema, NOTES_PAGE_LIMIT, notesQuerySchema, transactionSchema } from './schemas.ts'
import { type PublicBatchEvent, toPublicEvent } from './toPublicEvent.ts'

export type AppOptions = {
  sequencer: Sequencer
  /**
   * Requests per client per window (default: the node settings' defaults per minute).
   * Submissions and reads count in buckets of their own; `/v1/status` and `/metrics` in a third
   * with the read limit; `/health` is never limited.
   */
  rateLimit?: { submit?: number; read?: number; windowMs?: number }
  /** addresses or CIDR ranges of reverse proxies whose `X-Forwarded-For` is believed (see createClientKey) */
  trustedProxies?: readonly string[]
  /** `/v1/events` connections open at once (default 100); one more is 503 TOO_MANY_STREAMS */
  eventStreams?: number
  /** events one connection may fall behind by before it is cut off (default 1,000) */
  eventBuffer?: number
}

const MAX_BODY = 1024 * 1024
/**
 * How long a stream that fell behind is given to take its final `event: overflow`. A client
 * that reads gets it and a normal end; one that does not read is cut off when it runs out.
 */
const OVERFLOW_GRACE_MS = 1_000

/**
 * The sequencer's HTTP API (Hono). Every rejection is a 4xx with `{ code, message }` from the
 * one table in src/sequencer/rejections.ts; bad input never yields a 500.
 *
 * @example
 * serve({ fetch: createApp({ sequencer }).fetch, port: 8080 })
 */
// Typed as a plain Hono app: the inferred type of every route is too large for a declaration file.
export function createApp(options: AppOptions): Hono {
  const { sequencer } = options
  const store = sequencer.options.store
  const windowMs = options.rateLimit?.windowMs ?? 60_000
  const readLimit = options.rateLimit?.read ?? DEFAULT_RATE_LIMITS.read
  // A wallet polling its transaction every 150 ms, or a flood of bad submissions, must not cost
  // the same client its status checks: each kind of request has its own allowance.
  const buckets = {
    submit: new RateLimiter({ max: options.rateLimit?.submit ?? DEFAULT_RATE_LIMITS.submit, windowMs }),
    read: new RateLimiter({ max: readLimit, windowMs }),
    status: new RateLimiter({ max: readLimit, windowMs }),
  }
  const bucketOf = (c: Context) => {
    if (c.req.path === '/v1/transactions' && c.req.method === 'POST') return buckets.submit
    return c.req.path === '/v1/status' || c.req.path === '/metrics' ? buckets.status : buckets.read
  }
  const clientKey = createClientKey(options.trustedProxies)
  const maxStreams = options.eventStreams ?? DEFAULT_EVENT_STREAMS
  const eventBuffer = options.eventBuffer ?? 1_000
  let streams = 0
  const fail = (c: Context, status: 400 | 404 | 409 | 413 | 429 | 503, code: RejectionCode, message: string = REJECTIONS[code]) => c.json({ code, message }, status)

  const app = new Hono()
    // Load balancers and supervisors poll it: never limited, and it touches nothing.
    .get('/health', (c) => c.json({ ok: true }))
    .use('*', async (c, next) => {
      const verdict = bucketOf(c).take(clientKey(c))
      if (!verdict.ok) {
        c.header('Retry-After', String(verdict.retryAfterSeconds))
        return fail(c, 429, 'RATE_LIMITED')
      }
      await next()
    })
    .post(
      '/v1/transactions',
      bodyLimit({ maxSize: MAX_BODY, onError: (c) => fail(c, 413, 'PAYLOAD_TOO_LARGE') }),
      async (c) => {
        let body: unknown
        try {
          body = await c.req.json()
        } catch {
          return fail(c, 400, 'INVALID_SCHEMA', 'The body is not JSON.')
        }
        const parsed = transactionSchema.safeParse(body)
        if (!parsed.success) {
          const issue = parsed.error.issues[0]!
          return fail(c, 400, 'INVALID_SCHEMA', `${REJECTIONS.INVALID_SCHEMA} ${issue.path.join('.') || 'body'}: ${issue.message}.`)
        }
        const verdict = await sequencer.submit(parsed.data as TransactionJson)
        if (!verdict.ok) return fail(c, verdict.code === 'NULLIFIER_PENDING' || verdict.code === 'DEPOSIT_PENDING' || verdict.code === 'TRANSACTION_KNOWN' ? 409 : 400, verdict.code, verdict.message)
        return c.json({ id: verdict.id, status: verdict.status }, 202)
      },
    )
    .get('/v1/transactions/:id', async (c) => {
      const tx = await store.getTransaction(c.req.param('id'))
      if (!tx) return fail(c, 404, 'NOT_FOUND', 'No transaction with this id.')
      return c.json({
        id: tx.id,
        status: tx.status,
        ...(tx.rejectCode ? { code: tx.rejectCode, message: tx.rejectMessage } : {}),
        batchNumber: tx.batchNumber,
        position: tx.position,
      })
    })
    .get('/v1/notes', async (c) => {
      const q = notesQuerySchema.safeParse(c.req.query())
      if (!q.success) return fail(c, 400, 'INVALID_SCHEMA', `from and limit must be non-negative integers, limit at most ${NOTES_PAGE_LIMIT.toLocaleString('en-US')}: ask for the next page from the last leaf index plus one.`)
      const notes = await store.listNotes(q.data.from, q.data.limit)
      const latest = await store.latestRoot()
      return c.json({
        notes: notes.map((n) => ({ leafIndex: n.leafIndex, commitment: toHex32(n.commitment), epk: bytesToHex(n.epk), ciphertext: bytesToHex(n.ciphertext), batchNumber: n.batchNumber })),
        leafCount: latest?.leafCount ?? 0,
        root: latest ? toHex32(latest.root) : null,
      })
    })
    .get('/v1/mempool', async (c) => {
      // Outputs of admitted, not yet settled transactions: public on L1 soon anyway, and what a
      // watch-only merchant trial-decrypts to see a payment the moment it is sequenced. Paged in
      // admission order, so that a flood cannot push a payment out of what clients can see.
      const q = mempoolQuerySchema.safeParse(c.req.query())
      if (!q.success) return fail(c, 400, 'INVALID_SCHEMA', `after and limit must be non-negative integers, limit at most ${MEMPOOL_PAGE_LIMIT.toLocaleString('en-US')}: ask for the next page with after = the previous page's next.`)
      const txs = await store.listUnsettledTransactions(q.data.limit, q.data.after)
      return c.json({
        transactions: txs.map((t) => {
          const { extData } = t.payload as unknown as TransactionJson
          return { id: t.id, status: t.status, commitments: t.commitments.map(toHex32), epk: extData.epk, ciphertexts: extData.ciphertexts }
        }),
        next: txs.length === q.data.limit ? txs.at(-1)!.seq : null,
      })
    })
    .get('/v1/batches/:number', async (c) => {
      const p = batchParamSchema.safeParse(c.req.param())
      if (!p.success) return fail(c, 400, 'INVALID_SCHEMA', 'The batch number must be a positive integer.')
      const batch = await store.getBatch(p.data.number)
      if (!batch) return fail(c, 404, 'NOT_FOUND', 'No batch with this number.')
      const txs = await store.listBatchTransactions(batch.number)
      return c.json({
        number: batch.number,
        state: batch.state,
        attempts: batch.attempts,
        oldRoot: batch.oldRoot === null ? null : toHex32(batch.oldRoot),
        newRoot: batch.newRoot === null ? null : toHex32(batch.newRoot),
        startIndex: batch.startIndex,
        l1TxHash: batch.l1TxHash,
        l1Block: batch.l1Block,
        error: batch.error,
        transactions: txs.map((t) => ({ id: t.id, status: t.status })),
      })
    })
    .get('/v1/status', async (c) => {
      const s = await sequencer.status()
      return c.json({
        root: toHex32(s.root),
        leafCount: s.leafCount,
        l1: { ...s.l1, block: s.l1.block?.toString(), syncedToBlock: s.l1.syncedToBlock.toString() },
        operator: { ...s.operator, balance: s.operator.balance?.toString() ?? null },
        queue: s.queue,
        prover: s.prover,
        batchSize: s.batchSize,
        fees: s.fees,
      })
    })
    .get('/v1/events', (c) => {
      if (streams >= maxStreams) return fail(c, 503, 'TOO_MANY_STREAMS')
      streams++
      const socket = (c.env as { incoming?: { socket?: { destroy(): void } } } | undefined)?.incoming?.socket
      return streamSSE(c, async (stream) => {
        // Each connection buffers at most `eventBuffer` events: a client that stops reading
        // (its socket full) would otherwise keep every event the node emits in memory. One
        // that falls that far behind gets what it has buffered, `event: overflow`, and the
        // end of the stream; if it does not take them within the grace, it is cut off.
        const queue: PublicBatchEvent[] = []
        let overflowed = false
        let wake: (() => void) | undefined
        let deadline: NodeJS.Timeout | undefined
        const listener = (e: SequencerEvent) => {
          // Batch events only, their time cut to the second: see toPublicEvent.
          const event = toPublicEvent(e, Date.now())
          if (!event) return
          if (queue.length < eventBuffer) queue.push(event)
          else {
            overflowed = true
            sequencer.off('event', listener)
            deadline = setTimeout(() => {
              stream.abort()
              socket?.destroy()
            }, OVERFLOW_GRACE_MS)
          }
          wake?.()
        }
        sequencer.on('event', listener)
        stream.onAbort(() => wake?.())
        try {
          while (!stream.aborted) {
            const next = queue.shift()
            if (next) await stream.writeSSE({ event: next.type, data: JSON.stringify(next) })
            else if (overflowed) {
              await stream.writeSSE({ event: 'overflow', data: JSON.stringify({ code: 'EVENT_STREAM_OVERFLOW', message: REJECTIONS.EVENT_STREAM_OVERFLOW }) })
              break
            } else await new Promise<void>((resolve) => (wake = resolve))
          }
        } catch (error) {
          // Not thrown to hono, which would write the error's message to the client.
          sequencer.options.logger.error({ err: error }, 'event stream failed')
        } finally {
          clearTimeout(deadline)
          sequencer.off('event', listener)
          streams--
        }
      })
    })
    .get('/metrics', async (c) => {
      const s = await sequencer.status()
      const m = sequencer.metrics
      const lines = [
        '# HELP zkpay_transactions_admitted_total Transactions admitted to the mempool.',
        '# TYPE zkpay_transactions_admitted_total counter',
        `zkpay_transactions_admitted_total ${m.admitted}`,
        '# HELP zkpay_transactions_rejected_total Transactions turned away at admission, by code.',
        '# TYPE zkpay_transactions_rejected_total counter',
        ...[...m.rejected].map(([code, n]) => `zkpay_transactions_rejected_total{code="${code}"} ${n}`),
        '# HELP zkpay_transactions_settled_total Transactions settled on L1 (any submitter).',
        '# TYPE zkpay_transactions_settled_total counter',
        `zkpay_transactions_settled_total ${m.transactionsSettled}`,
        '# HELP zkpay_batches_settled_total Batches settled on L1 (any submitter).',
        '# TYPE zkpay_batches_settled_total counter',
        `zkpay_batches_settled_total ${m.batchesSettled}`,
        '# HELP zkpay_l1_gas_used_total Gas used by this node’s batch submissions.',
        '# TYPE zkpay_l1_gas_used_total counter',
        `zkpay_l1_gas_used_total ${m.gasUsed}`,
        '# HELP zkpay_mempool_pending Transactions waiting for a batch.',
        '# TYPE zkpay_mempool_pending gauge',
        `zkpay_mempool_pending ${s.queue.pending}`,
        '# HELP zkpay_tree_leaves Leaves in the note tree.',
        '# TYPE zkpay_tree_leaves gauge',
        `zkpay_tree_leaves ${s.leafCount}`,
        '# HELP zkpay_l1_healthy Whether the last L1 sync succeeded.',
        '# TYPE zkpay_l1_healthy gauge',
        `zkpay_l1_healthy ${s.l1.ok ? 1 : 0}`,
        '',
      ]
      return c.text(lines.join('\n'), 200, { 'content-type': 'text/plain; version=0.0.4' })
    })
    .get('/openapi.json', (c) => c.json(openApiDocument()))
    .notFound((c) => fail(c, 404, 'NOT_FOUND'))
    .onError((error, c) => {
      sequencer.options.logger.error({ err: error }, 'request failed')
      return c.json({ code: 'INTERNAL', message: 'The node failed to handle the request; it has been logged.' }, 500)
    })
  return app
}

function openApiDocument() {
  const error = { description: 'Rejected', content: { 'application/json': { schema: z.toJSONSchema(z.object({ code: z.enum(Object.keys(REJECTIONS) as [RejectionCode]), message: z.string() })) } } }
  return {
    openapi: '3.1.0',
    info: { title: 'zkpay sequencer', version: '1', description: 'Submit shielded transactions and follow them to settlement on L1.' },
    paths: {
      '/v1/transactions': {
        post: {
          summary: 'Submit a proven shielded transaction',
          requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(transactionSchema, { io: 'input' }) } } },
          responses: { 202: { description: 'Admitted: `{ id, status: "pending" }`' }, 400: error, 409: error, 413: error, 429: error },
        },
      },
      '/v1/transactions/{id}': { get: { summary: 'A transaction’s status: pending, batched, proving, submitted, settled, final or rejected (with code and message)', responses: { 200: { description: 'The status' }, 404: error } } },
      '/v1/notes': { get: { summary: `Settled notes from a leaf index, in order: commitment, epk, ciphertext; at most ${NOTES_PAGE_LIMIT} a page`, parameters: [{ name: 'from', in: 'query' }, { name: 'limit', in: 'query' }], responses: { 200: { description: 'Notes' }, 400: error } } },
      '/v1/batches/{number}': { get: { summary: 'A batch, its state and transactions', responses: { 200: { description: 'The batch' }, 404: error } } },
      '/v1/status': { get: { summary: 'Roots, heights, queue sizes, prover and L1 health, and the fees: the fee address and the price per asset', responses: { 200: { description: 'Status' }, 429: error } } },
      '/health': { get: { summary: 'Liveness: `{ ok: true }` while the process serves requests; never rate limited', responses: { 200: { description: 'Alive' } } } },
      '/v1/mempool': {
        get: {
          summary: `Outputs (commitments, epk, ciphertexts) of admitted transactions not yet settled, oldest first, at most ${MEMPOOL_PAGE_LIMIT} a page; \`next\` is the \`after\` of the next page (null on the last)`,
          parameters: [{ name: 'after', in: 'query' }, { name: 'limit', in: 'query' }],
          responses: { 200: { description: 'Transactions' }, 400: error },
        },
      },
      '/v1/events': {
        get: {
          summary:
            'Server-sent events: batch state changes (`event: batch`; settled ones list the commitments and nullifiers they made public on L1), never a single transaction’s, times to the second; a client more than 1,000 events behind gets `event: overflow` and is disconnected',
          responses: { 200: { description: 'text/event-stream' }, 429: error, 503: error },
        },
      },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { 200: { description: 'text/plain' } } } },
    },
  }
}
