import { EventEmitter } from 'node:events'
import { toHex32 } from '../crypto/field.ts'
import type { Logger } from '../log/index.ts'
import type { Admission } from '../sequencer/Admission.ts'
import type { NodeMetrics } from '../sequencer/metrics.ts'
import { reject } from '../sequencer/rejections.ts'
import type { NodeStore } from '../state/index.ts'
import type { NodeService, PublicStatus } from './nodeService.ts'
import { batchEventSchema, statusSchema } from './schemas.ts'
import type { PublicBatchEvent } from './toPublicEvent.ts'
import type { ReadinessCheck } from './createReadiness.ts'
import { ConfigError } from '../errors/index.ts'
import type { Address } from 'viem'

/** The Postgres NOTIFY channel the leader publishes its batch events on (the public form, as JSON). */
export const BATCH_EVENTS_CHANNEL = 'zkpay_batch_events'

/** A leader silent this long is reported as such (it reports every second while it runs). */
export const SEQUENCER_SILENT_AFTER_MS = 10_000

export type ApiReplicaOptions = {
  /** the shared database, with the leader's last report */
  store: NodeStore & { sequencerReport(): Promise<{ status: unknown; reportedAt: Date; ageMs: number } | undefined> }
  admission: Pick<Admission, 'submit'>
  logger: Logger
  metrics: Pick<NodeMetrics, 'scrape' | 'contentType'>
  /** what this replica charges (its own fee policy's public part): what its `/v1/status` shows */
  fees: PublicStatus['fees']
  /** the rollup it admits for */
  rollup: Address
  silentAfterMs?: number
}

/**
 * A process of role `api`: it admits transactions into the shared database and answers reads
 * from it, and runs no loop. Any number of them serve behind a load balancer; the database's
 * constraints decide their races (two admitting one nullifier admit one). `/v1/status` is the
 * leader's last report with the database's own figures (root, mempool, batches in flight) read
 * at the time of the request; `/v1/events` relays what the leader publishes on
 * `BATCH_EVENTS_CHANNEL` (`deliver` is fed by a `listen` on it, and `gap` by its reconnections:
 * open streams then end with `event: overflow`, so their clients read again what they missed).
 *
 * @example
 * const replica = createApiReplica({ store, admission, logger, metrics })
 * const listener = listen(url, BATCH_EVENTS_CHANNEL, replica.deliver)
 * serve(createApp({ node: replica }))
 */
export function createApiReplica(options: ApiReplicaOptions): NodeService & { deliver(payload: string): void; gap(): void; readonly agreesWithLeader: ReadinessCheck } {
  const { store, admission, logger } = options
  const silentAfterMs = options.silentAfterMs ?? SEQUENCER_SILENT_AFTER_MS
  const events = new EventEmitter<{ batch: [PublicBatchEvent]; gap: [] }>()
  events.setMaxListeners(0)
  return {
    store,
    logger,
    metrics: options.metrics,
    submit: (tx) => admission.submit(tx),
    async status() {
      const [report, latest, pending, inFlight] = await Promise.all([
        store.sequencerReport(),
        store.latestRoot(),
        store.getPendingSummary(),
        store.listBatches(['sealed', 'proving', 'proven', 'submitted']),
      ])
      const reported = report && statusSchema.safeParse(report.status)
      if (!report || !reported?.success) {
        if (reported && !reported.success) logger.error({ err: reported.error }, "the sequencer's report does not parse as a status")
        return reject('SEQUENCER_SILENT')
      }
      const status: PublicStatus = {
        ...reported.data,
        // What this replica enforces, which wallets build their fee notes from.
        fees: options.fees,
        root: latest ? toHex32(latest.root) : reported.data.root,
        leafCount: latest?.leafCount ?? reported.data.leafCount,
        queue: { ...reported.data.queue, pending: pending.count, oldestPendingAt: pending.oldestCreatedAt?.toISOString() ?? null, batchesInFlight: inFlight.length },
        sequencerReportedAt: report.reportedAt.toISOString(),
      }
      if (report.ageMs < silentAfterMs) return status
      const seconds = Math.round(report.ageMs / 1000)
      return { ...status, l1: { ...status.l1, ok: false, code: 'SEQUENCER_SILENT', message: `No sequencer has reported for ${seconds} s: transactions are admitted, but no batch is made until one runs.` } }
    },
    // A replica whose fees or rollup differ from the leader's would refuse what wallets build
    // from another replica's status, or admit for a rollup the leader does not post to: it is
    // not ready (the load balancer sends it nothing) until its settings agree.
    agreesWithLeader: {
      name: 'leader',
      async check() {
        const report = await store.sequencerReport()
        const reported = report && statusSchema.safeParse(report.status)
        if (!reported?.success) return
        if (reported.data.l1.rollup.toLowerCase() !== options.rollup.toLowerCase()) {
          throw new ConfigError('ZKPAY_ROLLUP_ADDRESS', 'This api replica admits for another rollup than the sequencer leader posts to.')
        }
        if (canonicalFees(reported.data.fees) !== canonicalFees(options.fees)) {
          throw new ConfigError('ZKPAY_FEES', "This api replica's fees (ZKPAY_FEES, the fee key) differ from the sequencer leader's: give every role the same.")
        }
      },
    },
    onBatchEvent(listener, onGap) {
      events.on('batch', listener)
      if (onGap) events.on('gap', onGap)
      return () => {
        events.off('batch', listener)
        if (onGap) events.off('gap', onGap)
      }
    },
    gap() {
      events.emit('gap')
    },
    deliver(payload) {
      let event: PublicBatchEvent
      try {
        event = batchEventSchema.parse(JSON.parse(payload))
      } catch (error) {
        logger.warn({ err: error }, 'dropped a batch event that does not parse')
        return
      }
      events.emit('batch', event)
    },
  }
}

/** A fee policy's public part as one string: the same prices in any order (ZKPAY_FEES lists them as written) compare equal. */
function canonicalFees(fees: PublicStatus['fees']): string {
  if (!fees) return 'null'
  const prices = fees.prices.map((p) => `${p.asset.toLowerCase()}=${p.amount}/${p.decimals}`).sort()
  return `${fees.address} ${prices.join(',')}`
}
