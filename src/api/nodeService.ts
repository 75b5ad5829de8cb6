import type { z } from 'zod'
import type { ShieldedTransaction } from '../circuits/index.ts'
import { toHex32 } from '../crypto/field.ts'
import type { Logger } from '../log/index.ts'
import type { NodeMetrics } from '../sequencer/metrics.ts'
import type { Rejection } from '../sequencer/rejections.ts'
import type { Sequencer, SequencerEvent } from '../sequencer/Sequencer.ts'
import type { NodeStore } from '../state/index.ts'
import type { statusSchema } from './schemas.ts'
import { type PublicBatchEvent, toPublicEvent } from './toPublicEvent.ts'

/** `GET /v1/status`'s answer. */
export type PublicStatus = z.infer<typeof statusSchema>

/**
 * What the client API needs of the process behind it: a node that runs the sequencer (role
 * `all`: `sequencerNode`), or an api replica that only admits and reads (`createApiReplica`).
 * The routes are the same on both.
 */
export type NodeService = {
  readonly store: NodeStore
  readonly logger: Logger
  readonly metrics: Pick<NodeMetrics, 'scrape' | 'contentType'>
  /** Admission: a rejection is a value. */
  submit(tx: ShieldedTransaction): Promise<{ ok: true; id: string; status: 'pending' } | Rejection>
  /** `/v1/status`, or why there is none to give (503). */
  status(): Promise<PublicStatus | Rejection>
  /**
   * Calls `listener` with each batch event (the public form), and `onGap` when events may have
   * been missed (an api replica's channel reconnected); returns the unsubscribe.
   */
  onBatchEvent(listener: (event: PublicBatchEvent) => void, onGap?: () => void): () => void
}

/**
 * The client API's view of a node that runs the sequencer in process.
 *
 * @example
 * createApp({ node: sequencerNode(sequencer) })
 */
export function sequencerNode(sequencer: Sequencer): NodeService {
  const { store, logger } = sequencer.options
  return {
    store,
    logger,
    metrics: sequencer.metrics,
    submit: (tx) => sequencer.submit(tx),
    status: async () => toPublicStatus(await sequencer.status()),
    onBatchEvent(listener) {
      // Batch events only, their time cut to the second: see toPublicEvent.
      const relay = (e: SequencerEvent) => {
        const event = toPublicEvent(e, Date.now())
        if (event) listener(event)
      }
      sequencer.on('event', relay)
      return () => sequencer.off('event', relay)
    },
  }
}

/** The sequencer's status in `/v1/status`'s JSON form: numbers beyond 2^53 as decimal strings, times as ISO strings. */
export function toPublicStatus(s: Awaited<ReturnType<Sequencer['status']>>): PublicStatus {
  const { ok, code, message, block, checkedAt, lastReorg } = s.l1
  const { lastError } = s.operator
  return {
    root: toHex32(s.root),
    leafCount: s.leafCount,
    l1: {
      ok,
      ...(code === undefined ? {} : { code }),
      ...(message === undefined ? {} : { message }),
      ...(block === undefined ? {} : { block: block.toString() }),
      ...(checkedAt === undefined ? {} : { checkedAt: checkedAt.toISOString() }),
      ...(lastReorg === undefined ? {} : { lastReorg: { ...lastReorg, at: lastReorg.at.toISOString() } }),
      rollup: s.l1.rollup,
      syncedToBlock: s.l1.syncedToBlock.toString(),
    },
    operator: {
      address: s.operator.address,
      balance: s.operator.balance?.toString() ?? null,
      ...(lastError === undefined ? {} : { lastError: { ...lastError, at: lastError.at.toISOString() } }),
    },
    queue: { ...s.queue, oldestPendingAt: s.queue.oldestPendingAt?.toISOString() ?? null },
    prover: s.prover,
    batchSize: s.batchSize,
    fees: s.fees,
  }
}
