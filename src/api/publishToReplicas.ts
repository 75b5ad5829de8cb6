import type { Logger } from '../log/index.ts'
import { BATCH_EVENTS_CHANNEL } from './apiReplica.ts'
import type { NodeService } from './nodeService.ts'
import type { PublicBatchEvent } from './toPublicEvent.ts'

/** Postgres refuses a NOTIFY payload of 8,000 bytes or more. */
export const MAX_NOTIFY_BYTES = 7_999

export type ReplicaChannel = {
  /** records the leader's status where replicas read it (`sequencer_reports`) */
  reportSequencerStatus(status: unknown): Promise<void>
  /** Postgres NOTIFY */
  notify(channel: string, payload: string): Promise<void>
}

/**
 * What the sequencer leader tells the api replicas that share its database: each batch event,
 * in order, on `BATCH_EVENTS_CHANNEL`, and its status every `reportEveryMs` (1 s by default) in
 * the database. Failures are logged and the next one is tried: replicas show a silent leader as
 * such, and their event streams are best effort (every batch can be read again by number).
 * Returns the stop.
 *
 * @example
 * const stop = publishToReplicas(sequencerNode(sequencer), store, { logger })
 */
export function publishToReplicas(node: Pick<NodeService, 'status' | 'onBatchEvent'>, channel: ReplicaChannel, options: { logger: Logger; reportEveryMs?: number }): () => Promise<void> {
  const { logger } = options
  // One after another: notifications sent at once from a pool could commit out of order.
  let sending: Promise<void> = Promise.resolve()
  const unsubscribe = node.onBatchEvent((event) => {
    const payload = notifyPayload(event)
    sending = sending.then(() => channel.notify(BATCH_EVENTS_CHANNEL, payload)).catch((error: unknown) => logger.warn({ err: error, batch: event.number }, 'could not publish a batch event to the api replicas'))
  })
  let reporting: Promise<void> | undefined
  let failures = 0
  const report = () => {
    // One at a time: reports that overlapped could commit out of order, an older over a newer.
    if (reporting) return
    reporting = (async () => {
      const status = await node.status()
      if ('ok' in status) return
      await channel.reportSequencerStatus(status)
      failures = 0
    })().catch((error: unknown) => {
      // Once per outage, not once a second.
      if (failures++ === 0) logger.warn({ err: error }, 'could not report the sequencer status to the api replicas')
    }).finally(() => (reporting = undefined))
  }
  report()
  const timer = setInterval(report, options.reportEveryMs ?? 1_000)
  return async () => {
    clearInterval(timer)
    unsubscribe()
    await Promise.all([sending, reporting])
  }
}

/**
 * The event as a NOTIFY payload: JSON, under Postgres's limit. A full batch's settlement (21
 * transactions: 63 commitments and 42 nullifiers) fits; an event that did not would go without
 * its lists, which clients read from `/v1/notes` as they do after any gap.
 */
export function notifyPayload(event: PublicBatchEvent): string {
  const json = JSON.stringify(event)
  if (Buffer.byteLength(json) <= MAX_NOTIFY_BYTES) return json
  const { commitments: _c, nullifiers: _n, ...rest } = event
  return JSON.stringify(rest)
}
