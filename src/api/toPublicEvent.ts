import type { z } from 'zod'
import { toHex32 } from '../crypto/field.ts'
import type { SequencerEvent } from '../sequencer/Sequencer.ts'
import type { batchEventSchema } from './schemas.ts'

/**
 * Timestamps on the public stream are whole seconds: batches are seconds apart, and nobody needs a transaction's millisecond.
 *
 * @example
 * const at = new Date(now - (now % PUBLIC_EVENT_RESOLUTION_MS)).toISOString() // '2025-01-01T12:00:07.000Z'
 */
export const PUBLIC_EVENT_RESOLUTION_MS = 1_000

/** One event of `GET /v1/events`: a batch's state change, never a single transaction's (fields: `batchEventSchema`). */
export type PublicBatchEvent = z.infer<typeof batchEventSchema>

/**
 * The public form of a sequencer event, or nothing. Transaction events are dropped: an
 * admission event published the moment a transaction arrived, so anyone on the stream could
 * match it to the client who had just sent it (its IP, its connection's timing) and then follow
 * that transaction through its batch. Batch events say what a batch did and, at settlement,
 * what became public on L1 anyway; the time is cut to `PUBLIC_EVENT_RESOLUTION_MS`. Fields are
 * copied one by one, so a field added to `SequencerEvent` stays private until it is added here.
 *
 * @example
 * const event = toPublicEvent(e, Date.now())
 * if (event) await stream.writeSSE({ event: event.type, data: JSON.stringify(event) })
 */
export function toPublicEvent(e: SequencerEvent, now: number): PublicBatchEvent | undefined {
  if (e.type !== 'batch') return undefined
  const at = new Date(now - (now % PUBLIC_EVENT_RESOLUTION_MS)).toISOString()
  return {
    type: 'batch',
    number: e.number,
    state: e.state,
    at,
    ...(e.l1TxHash === undefined ? {} : { l1TxHash: e.l1TxHash }),
    ...(e.l1Block === undefined ? {} : { l1Block: e.l1Block }),
    ...(e.commitments === undefined ? {} : { commitments: e.commitments.map(toHex32) }),
    ...(e.nullifiers === undefined ? {} : { nullifiers: e.nullifiers.map(toHex32) }),
    ...(e.error === undefined ? {} : { error: e.error }),
  }
}
