import { type Context, Hono } from 'hono'
import { cors } from 'hono/cors'
import { BaseError as ViemBaseError } from 'viem'
import type { z } from 'zod'
import { BaseError } from '../errors/index.ts'
import { toL1Error } from '../settlement/toL1Error.ts'
import { DEFAULT_EVENT_STREAMS, DEFAULT_RATE_LIMITS } from '../config/nodeConfig.ts'
import type { Sequencer } from '../sequencer/Sequencer.ts'
import { createClientKey } from './clientKey.ts'
import { createReadiness, type ReadinessCheck } from './createReadiness.ts'
import { fail, nodeApi } from './nodeApi.ts'
import { type NodeService, sequencerNode } from './nodeService.ts'
import { nodeReadinessChecks } from './nodeReadinessChecks.ts'
import { openApiDocument } from './openApiDocument.ts'
import { RateLimiter } from './RateLimiter.ts'
import type { livenessSchema } from './schemas.ts'

export type AppOptions = {
  /** The node in this process, when it runs the sequencer (role `all`). */
  sequencer?: Sequencer
  /** What serves the client API otherwise (an api replica): exactly one of the two is given. */
  node?: NodeService
  /**
   * Whether to serve the client API (`/v1/*`) at all (default true). A process of role
   * `sequencer` serves only its probes, `/metrics` and `/openapi.json`: admission runs elsewhere.
   */
  clientApi?: boolean
  /**
   * Requests per client per window (default: the node settings' defaults per minute).
   * Submissions and reads count in buckets of their own; `/v1/status`, `/readyz` and `/metrics`
   * in a third with the read limit; `/healthz` (and its old name `/health`) is never limited.
   */
  rateLimit?: { submit?: number; read?: number; windowMs?: number }
  /** addresses or CIDR ranges of reverse proxies whose `X-Forwarded-For` is believed (see createClientKey) */
  trustedProxies?: readonly string[]
  /** `/v1/events` connections open at once (default 100); one more is 503 TOO_MANY_STREAMS */
  eventStreams?: number
  /** events one connection may fall behind by before it is cut off (default 1,000) */
  eventBuffer?: number
  /** what `/readyz` checks (default, with `sequencer`: `nodeReadinessChecks(sequencer.options)`: the database, L1, the prover; with `node`: nothing) */
  readiness?: readonly ReadinessCheck[]
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
  const node = options.node ?? (options.sequencer ? sequencerNode(options.sequencer) : undefined)
  if (!node) throw new TypeError('createApp needs a sequencer or a node')
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
    // What operators and their probes poll: a flood of reads must not make them answer 429.
    return OPERATOR_READS.has(c.req.path) ? buckets.status : buckets.read
  }
  const clientKey = createClientKey(options.trustedProxies)
  const readiness = createReadiness(options.readiness ?? (options.sequencer ? nodeReadinessChecks(options.sequencer.options) : []), { logger: node.logger })
  const alive = (c: Context) => c.json({ ok: true } satisfies z.infer<typeof livenessSchema>, 200)

  const app: Hono = new Hono()
    // Liveness: supervisors restart a process that stops answering it, so it is never limited
    // and touches nothing (a database or L1 outage is /readyz's business, not a reason to restart).
    .get('/healthz', alive)
    .get('/health', alive)
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
  if (options.clientApi ?? true) app.route('/', nodeApi({ node, eventStreams: options.eventStreams ?? DEFAULT_EVENT_STREAMS, eventBuffer: options.eventBuffer ?? 1_000 }))
  app
    // Prometheus text, from the node's own registry; a scrape answers while L1 or the database is down.
    .get('/metrics', async (c) => c.text(await node.metrics.scrape(), 200, { 'content-type': node.metrics.contentType }))
    // Readiness: load balancers send no traffic while it is 503. Limited like /v1/status: each
    // answer may cost a query, an RPC call and a prover probe (shared for a second).
    .get('/readyz', async (c) => {
      const report = await readiness()
      return c.json(report, report.ready ? 200 : 503)
    })
    .get('/openapi.json', (c) => c.json(openApiDocument()))
    .notFound((c) => fail(c, 404, 'NOT_FOUND'))
    .onError((error, c) => {
      node.logger.error({ err: error }, 'request failed')
      // The database or L1 out for a moment (a restart, a failover): the client retries the same
      // request, which is safe for every route (a transaction's id is its hash).
      const outage = outageOf(error)
      if (outage) {
        c.header('Retry-After', '1')
        return c.json({ code: outage.code, message: outage.shortMessage }, 503)
      }
      return c.json({ code: 'INTERNAL', message: 'The node failed to handle the request; it has been logged.' }, 500)
    })
  return app
}

/**
 * The outage behind a failed request, as a code and one sentence, or undefined for anything
 * else (a bug: 500). viem's errors are L1's (reduced to the RPC's origin by `toL1Error`).
 */
function outageOf(error: unknown): { code: string; shortMessage: string } | undefined {
  // Not the store's own sentence, which names the database's host: the client API is public.
  if (error instanceof BaseError && error.code === 'STORE_UNAVAILABLE') return { code: error.code, shortMessage: "The node's database did not answer: retry in a moment." }
  if (error instanceof BaseError) return OUTAGES.has(error.code) ? error : undefined
  if (error instanceof ViemBaseError) return toL1Error(error)
  return undefined
}

const OUTAGES = new Set(['L1_UNREACHABLE', 'L1_REQUEST_FAILED'])

/** Routes of the status bucket. */
const OPERATOR_READS = new Set(['/v1/status', '/readyz', '/metrics'])
