import type { MerchantStore } from './openMerchantStore.ts'
import type { WebhookOptions } from './types.ts'
import { signWebhook, WEBHOOK_SIGNATURE_HEADER } from './webhookSignature.ts'

/** What the outbox needs of the merchant's store: its events table is the outbox. */
export type OutboxStore = Pick<MerchantStore, 'dueDeliveries' | 'markDelivered' | 'markFailed' | 'nextDeliveryAt'>

/**
 * POSTs one event to the webhook, signed (HMAC-SHA256 over timestamp and body) and with its id
 * as the idempotency key. Resolves to undefined when the receiver answered 2xx, else to why not
 * (`HTTP 503`, a refused connection, a timeout): the outbox retries those.
 *
 * @example
 * const error = await postWebhook(webhook, { id: event.id, body: JSON.stringify(event) }, Math.floor(Date.now() / 1000))
 */
export async function postWebhook(webhook: WebhookOptions, event: { id: string; body: string }, timestamp: number): Promise<string | undefined> {
  try {
    const res = await fetch(webhook.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [WEBHOOK_SIGNATURE_HEADER]: signWebhook({ body: event.body, secret: webhook.secret, timestamp }),
        'idempotency-key': event.id,
        'user-agent': 'zkpay-merchant',
      },
      body: event.body,
      signal: AbortSignal.timeout(webhook.timeoutMs ?? 10_000),
    })
    await res.body?.cancel().catch(() => undefined)
    return res.status < 200 || res.status > 299 ? `HTTP ${res.status}` : undefined
  } catch (cause) {
    return cause instanceof Error ? ((cause.cause as Error | undefined)?.message ?? cause.message) : String(cause)
  }
}

/**
 * The webhook outbox: events are written to the store with the change that made them (so a crash
 * loses none), then delivered from there, oldest first, each retried after `initialMs` ×
 * 2^(attempt − 1), at most `maxMs`, until the receiver answers 2xx. One delivery run at a time;
 * a timer wakes it for the next retry. Pending deliveries outlive `close()` in the store, for the
 * next run.
 *
 * @example
 * const outbox = new WebhookOutbox(store, webhook, { now: Date.now, onError: console.error })
 * outbox.schedule(0) // after each change
 * await outbox.close()
 */
export class WebhookOutbox {
  readonly #store: OutboxStore
  readonly #webhook: WebhookOptions
  readonly #now: () => number
  readonly #onError: (error: unknown) => void
  #timer: NodeJS.Timeout | undefined
  #delivering: Promise<void> | undefined
  #closed = false

  constructor(store: OutboxStore, webhook: WebhookOptions, options: { now: () => number; onError: (error: unknown) => void }) {
    this.#store = store
    this.#webhook = webhook
    this.#now = options.now
    this.#onError = options.onError
  }

  /** Runs the deliveries that are due in `delayMs`. */
  schedule(delayMs: number): void {
    if (this.#closed) return
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => void this.deliver().catch(this.#onError), Math.max(0, delayMs))
    // Retries alone do not keep a process alive: a server or `watch()` does.
    this.#timer.unref()
  }

  /** Delivers every event due now; resolves when done (joins the run in progress, if any). */
  deliver(): Promise<void> {
    if (this.#closed) return Promise.resolve()
    this.#delivering ??= this.#run().finally(() => {
      this.#delivering = undefined
      const next = this.#closed ? undefined : this.#store.nextDeliveryAt()
      if (next !== undefined) this.schedule(next - this.#now())
    })
    return this.#delivering
  }

  async #run(): Promise<void> {
    const initial = this.#webhook.backoff?.initialMs ?? 1_000
    const max = this.#webhook.backoff?.maxMs ?? 600_000
    for (;;) {
      if (this.#closed) return
      const due = this.#store.dueDeliveries(this.#now(), 20)
      if (due.length === 0) return
      for (const event of due) {
        if (this.#closed) return
        const error = await postWebhook(this.#webhook, event, Math.floor(this.#now() / 1000))
        if (this.#closed) return
        if (error === undefined) this.#store.markDelivered(event.id, this.#now())
        else this.#store.markFailed(event.id, { nextAttemptAt: this.#now() + Math.min(max, initial * 2 ** event.attempts), error })
      }
    }
  }

  /** Stops the timer and waits for the delivery in progress; the store stays open. */
  async close(): Promise<void> {
    this.#closed = true
    clearTimeout(this.#timer)
    await this.#delivering?.catch(() => undefined)
  }
}
