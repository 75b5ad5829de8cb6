import { type Context, Hono } from 'hono'
import { cors } from 'hono/cors'
import { z } from 'zod'
import { transactionJsonSchema } from '../circuits/codec.ts'
import { DEFAULT_EVENT_STREAMS, DEFAULT_RATE_LIMITS } from '../config/nodeConfig.ts'
import { REJECTIONS, type RejectionCode } from '../sequencer/rejections.ts'
import type { Sequencer } from '../sequencer/Sequencer.ts'
import { createClientKey } from './clientKey.ts'
import { fail, nodeApi } from './nodeApi.ts'
import { RateLimiter } from './RateLimiter.ts'
import { MEMPOOL_PAGE_LIMIT, NOTES_PAGE_LIMIT } from './schemas.ts'

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

  const app = new Hono()
    // Load balancers and supervisors poll it: never limited, and it touches nothing.
    .get('/health', (c) => c.json({ ok: true }))
    // Web wallets run on their own origins. The client API is public and takes no credentials
    // (no cookies, no keys): any page may call it, as any program already can.
    .use('/v1/*', cors({ origin: '*', allowMethods: ['GET', 'POST'], allowHeaders: ['Content-Type'], maxAge: 600 }))
    .use('*', async (c, next) => {
      const verdict = bucketOf(c).take(clientKey(c))
      if (!verdict.ok) {
        c.header('Retry-After', String(verdict.retryAfterSeconds))
        return fail(c, 429, 'RATE_LIMITED')
      }
      await next()
    })
    .route('/', nodeApi({ sequencer, eventStreams: options.eventStreams ?? DEFAULT_EVENT_STREAMS, eventBuffer: options.eventBuffer ?? 1_000 }))
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
          requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(transactionJsonSchema, { io: 'input' }) } } },
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
