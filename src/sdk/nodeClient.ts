import { EventSourceParserStream } from 'eventsource-parser/stream'
import { hc } from 'hono/client'
import type { NodeApi } from '../api/nodeApi.ts'

/** The most one event (a settled batch lists its commitments and nullifiers: about 14 KB at most) may take while it is read. */
const MAX_EVENT_BYTES = 64 * 1024

/** A typed client of the node's API (`hc<NodeApi>`): routes, inputs and answers as the node declares them. */
export type NodeClient = ReturnType<typeof hc<NodeApi>>

/**
 * The client the wallet and the merchant talk to the node with. Each request gives up after
 * `timeoutMs` (a hung node must not hang a wallet), unless the caller passes its own signal (the
 * event stream, which lasts).
 *
 * @example
 * const node = createNodeClient('http://127.0.0.1:8080')
 * const res = await node.v1.transactions[':id'].$get({ param: { id } })
 * if (res.status === 200) console.log((await res.json()).status)
 */
export function createNodeClient(url: string, options: { timeoutMs?: number } = {}): NodeClient {
  const timeoutMs = options.timeoutMs ?? 15_000
  return hc<NodeApi>(url, { fetch: (input: string | URL | Request, init?: RequestInit) => fetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(timeoutMs) }) })
}

/** Wake-ups from the node's batch events; see `watchBatchEvents`. */
export type BatchEventWatch = {
  /** Resolves at the next batch event, or after `ms` (a fallback when the stream is down, and for what events do not announce). */
  next(ms: number): Promise<void>
  /** whether the stream is open (false: every `next` is a plain wait) */
  readonly live: boolean
  close(): void
}

/**
 * Follows `GET /v1/events` so that a client waiting for a transaction asks for its status when
 * a batch moves (sealed, proven, submitted, settled, final, failed) instead of every few hundred
 * milliseconds. The stream carries batch events only, never a transaction's: the wait asks for
 * its own transaction's status by id. If the node refuses the stream (`TOO_MANY_STREAMS`) or it
 * breaks, `next` falls back to waiting `ms`.
 *
 * @example
 * const events = watchBatchEvents(node)
 * try { while (!(await isSettled())) await events.next(1_000) } finally { events.close() }
 */
export function watchBatchEvents(client: NodeClient): BatchEventWatch {
  const abort = new AbortController()
  let live = false
  const waiting = new Set<() => void>()
  const wakeAll = () => {
    for (const wake of [...waiting]) wake()
  }
  void (async () => {
    try {
      const res = await client.v1.events.$get(undefined, { init: { signal: abort.signal } })
      if (res.status !== 200 || !res.body) return
      live = true
      // A line or event longer than any the node sends ends the stream (then waits poll): a hostile node cannot fill memory.
      const events = res.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream({ maxBufferSize: MAX_EVENT_BYTES, onError: 'terminate' }))
      for await (const event of events) if (event.event === 'batch') wakeAll()
    } catch {
      // Refused, broken or closed: waits fall back to their timeouts.
    } finally {
      live = false
      wakeAll()
    }
  })()
  return {
    get live() {
      return live
    },
    next(ms) {
      return new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer)
          waiting.delete(done)
          resolve()
        }
        const timer = setTimeout(done, ms)
        waiting.add(done)
      })
    },
    close() {
      abort.abort()
      wakeAll()
    },
  }
}
