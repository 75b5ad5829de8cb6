import type { Context } from 'hono'
import type { z } from 'zod'
import { Hono } from 'hono'
import { zValidator } from '@hono/zod-validator'
import { bodyLimit } from 'hono/body-limit'
import { streamSSE } from 'hono/streaming'
import { transactionCodec } from '../circuits/codec.ts'
import { toHex32 } from '../crypto/field.ts'
import { REJECTIONS, type RejectionCode } from '../sequencer/rejections.ts'
import type { TxStatus } from '../state/index.ts'
import {
  type admittedSchema,
  batchParamSchema,
  type batchSchema,
  MEMPOOL_PAGE_LIMIT,
  type mempoolPageSchema,
  mempoolQuerySchema,
  NOTES_PAGE_LIMIT,
  type notesPageSchema,
  notesQuerySchema,
  transactionParamSchema,
  type transactionStatusSchema,
} from './schemas.ts'
import type { NodeService, PublicStatus } from './nodeService.ts'
import type { PublicBatchEvent } from './toPublicEvent.ts'

const MAX_BODY = 1024 * 1024
/**
 * How long a stream that fell behind is given to take its final `event: overflow`. A client
 * that reads gets it and a normal end; one that does not read is cut off when it runs out.
 */
const OVERFLOW_GRACE_MS = 1_000
/** Statuses whose batch has been sent to L1: the transaction's status carries the L1 transaction. */
const POSTED = new Set<TxStatus>(['submitted', 'settled', 'final'])
const toHex = (bytes: Uint8Array): `0x${string}` => `0x${Buffer.from(bytes).toString('hex')}`

/** `{ code, message }` with the HTTP status of a rejection: the one shape of every 4xx and 503. */
export function fail<S extends 400 | 404 | 409 | 413 | 429 | 503>(c: Context, status: S, code: RejectionCode, message: string = REJECTIONS[code]) {
  return c.json({ code, message }, status)
}

/** What the client-facing routes need from the node, and the event streams' limits. */
export type NodeApiOptions = { node: NodeService; eventStreams: number; eventBuffer: number }

/**
 * The node's client-facing API: submit a transaction, follow it, read notes, the mempool,
 * batches, the status and the event stream. Every route's input is validated by its zod schema
 * (the transaction by the one codec) and every answer is typed, so `hc<NodeApi>` gives clients
 * (the wallet, the merchant, tests) a typed client with no hand-written fetch or cast.
 *
 * @example
 * const node = hc<NodeApi>('http://127.0.0.1:8080')
 * const res = await node.v1.transactions[':id'].$get({ param: { id } })
 * if (res.ok) console.log((await res.json()).status)
 */
export function nodeApi(options: NodeApiOptions) {
  const { node, eventStreams, eventBuffer } = options
  const store = node.store
  let streams = 0
  return new Hono()
    .post(
      '/v1/transactions',
      bodyLimit({ maxSize: MAX_BODY, onError: (c) => fail(c, 413, 'PAYLOAD_TOO_LARGE') }),
      async (c, next) => {
        // Refused here rather than by the validator, which reads a body without a JSON type as {}
        // and a malformed one as an exception: each gets the one sentence it deserves.
        if (!/^application\/json\b/i.test(c.req.header('content-type') ?? '')) return fail(c, 400, 'INVALID_SCHEMA', 'The body is not JSON: send it with Content-Type: application/json.')
        if ((await c.req.json().then(() => true, () => false)) === false) return fail(c, 400, 'INVALID_SCHEMA', 'The body is not JSON.')
        await next()
      },
      // The one codec: the body is decoded into the typed transaction, or refused with its first issue.
      zValidator('json', transactionCodec, (result, c) => {
        if (result.success) return
        const issue = result.error.issues[0]!
        return fail(c, 400, 'INVALID_SCHEMA', `${REJECTIONS.INVALID_SCHEMA} ${issue.path.join('.') || 'body'}: ${issue.message}.`)
      }),
      async (c) => {
        const verdict = await node.submit(c.req.valid('json'))
        if (!verdict.ok) return fail(c, verdict.code === 'NULLIFIER_PENDING' || verdict.code === 'DEPOSIT_PENDING' || verdict.code === 'TRANSACTION_KNOWN' ? 409 : 400, verdict.code, verdict.message)
        const admitted: z.infer<typeof admittedSchema> = { id: verdict.id, status: verdict.status }
        return c.json(admitted, 202)
      },
    )
    .get('/v1/transactions/:id', zValidator('param', transactionParamSchema), async (c) => {
      const tx = await store.getTransaction(c.req.valid('param').id)
      if (!tx) return fail(c, 404, 'NOT_FOUND', 'No transaction with this id.')
      // Once its batch is on its way to L1, the L1 transaction that carries it: a client waiting
      // for settlement needs no second request.
      const posted = tx.batchNumber !== null && POSTED.has(tx.status) ? await store.getBatch(tx.batchNumber) : undefined
      const status: z.infer<typeof transactionStatusSchema> = {
        id: tx.id,
        status: tx.status,
        ...(tx.rejectCode ? { code: tx.rejectCode, message: tx.rejectMessage } : {}),
        batchNumber: tx.batchNumber,
        position: tx.position,
        l1TxHash: posted?.l1TxHash ?? null,
      }
      return c.json(status, 200)
    })
    .get(
      '/v1/notes',
      zValidator('query', notesQuerySchema, (q, c) => {
        if (!q.success) return fail(c, 400, 'INVALID_SCHEMA', `from and limit must be non-negative integers, limit at most ${NOTES_PAGE_LIMIT.toLocaleString('en-US')}: ask for the next page from the last leaf index plus one.`)
      }),
      async (c) => {
        const { from, limit } = c.req.valid('query')
        const notes = await store.listNotes(from, limit)
        const latest = await store.latestRoot()
        const page: z.infer<typeof notesPageSchema> = {
          notes: notes.map((n) => ({ leafIndex: n.leafIndex, commitment: toHex32(n.commitment), epk: toHex(n.epk), ciphertext: toHex(n.ciphertext), batchNumber: n.batchNumber })),
          leafCount: latest?.leafCount ?? 0,
          root: latest ? toHex32(latest.root) : null,
        }
        return c.json(page, 200)
      },
    )
    .get(
      '/v1/mempool',
      zValidator('query', mempoolQuerySchema, (q, c) => {
        if (!q.success) return fail(c, 400, 'INVALID_SCHEMA', `after and limit must be non-negative integers, limit at most ${MEMPOOL_PAGE_LIMIT.toLocaleString('en-US')}: ask for the next page with after = the previous page's next.`)
      }),
      async (c) => {
        // Outputs of admitted, not yet settled transactions: public on L1 soon anyway, and what a
        // watch-only merchant trial-decrypts to see a payment the moment it is sequenced. Paged in
        // admission order, so that a flood cannot push a payment out of what clients can see.
        const { after, limit } = c.req.valid('query')
        const txs = await store.listUnsettledTransactions(limit, after)
        const page: z.infer<typeof mempoolPageSchema> = {
          transactions: txs.map((t) => ({ id: t.id, status: t.status, commitments: t.payload.commitments, epk: t.payload.extData.epk, ciphertexts: t.payload.extData.ciphertexts })),
          next: txs.length === limit ? txs.at(-1)!.seq : null,
        }
        return c.json(page, 200)
      },
    )
    .get(
      '/v1/batches/:number',
      zValidator('param', batchParamSchema, (p, c) => {
        if (!p.success) return fail(c, 400, 'INVALID_SCHEMA', 'The batch number must be a positive integer.')
      }),
      async (c) => {
        const batch = await store.getBatch(c.req.valid('param').number)
        if (!batch) return fail(c, 404, 'NOT_FOUND', 'No batch with this number.')
        const txs = await store.listBatchTransactions(batch.number)
        const answer: z.infer<typeof batchSchema> = {
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
        }
        return c.json(answer, 200)
      },
    )
    .get('/v1/status', async (c) => {
      // Answered while L1 is down too (wallets read their fee quote here): the L1 part then says
      // so with a code and one sentence naming the RPC's origin. An api replica answers with what
      // the sequencer leader last reported, and 503 SEQUENCER_SILENT if none ever did.
      const status = await node.status()
      if ('ok' in status && status.ok === false) return fail(c, 503, status.code, status.message)
      return c.json(status as PublicStatus, 200)
    })
    .get('/v1/events', (c) => {
      if (streams >= eventStreams) return fail(c, 503, 'TOO_MANY_STREAMS')
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
        // Fallen too far behind, or events missed upstream (a replica's channel reconnected):
        // the client gets what is buffered, then `overflow`, and reads the rest again.
        const cutOff = () => {
          overflowed = true
          unsubscribe()
          deadline = setTimeout(() => {
            stream.abort()
            socket?.destroy()
          }, OVERFLOW_GRACE_MS)
          wake?.()
        }
        const listener = (event: PublicBatchEvent) => {
          if (overflowed) return
          if (queue.length < eventBuffer) queue.push(event)
          else return cutOff()
          wake?.()
        }
        const unsubscribe = node.onBatchEvent(listener, () => {
          if (!overflowed) cutOff()
        })
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
          node.logger.error({ err: error }, 'event stream failed')
        } finally {
          clearTimeout(deadline)
          unsubscribe()
          streams--
        }
      })
    })
}

/** The client-facing API's type: what `hc<NodeApi>(url)` is typed by. */
export type NodeApi = ReturnType<typeof nodeApi>
