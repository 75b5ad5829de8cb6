import pg from 'pg'
import type { Logger } from '../../log/index.ts'

export type Listener = {
  /** Resolves once the first LISTEN is in place (notifications sent after it are delivered). */
  readonly ready: Promise<void>
  /** Stops listening and closes the session. */
  close(): Promise<void>
}

export type ListenOptions = {
  /** Names the session in `pg_stat_activity`. */
  applicationName?: string
  /** How long to wait before connecting again after the session failed; 1 s by default. */
  retryMs?: number
  logger?: Logger
}

/**
 * Listens on a Postgres NOTIFY channel in a session of its own, and calls `onPayload` with each
 * payload in the order the notifying transactions committed. A session that fails (Postgres
 * restarts, the network drops) is opened again every `retryMs` until it succeeds: what was sent
 * while it was down is not delivered, so a channel suits what a client can read again (events
 * that `/v1/batches/:number` also answers), never what must not be lost.
 *
 * @example
 * const listener = listen(url, 'zkpay_batch_events', (payload) => relay(JSON.parse(payload)))
 * await listener.ready
 */
export function listen(url: string, channel: string, onPayload: (payload: string) => void, options: ListenOptions = {}): Listener {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new RangeError(`Not a channel name: ${channel}`)
  const retryMs = options.retryMs ?? 1_000
  let closed = false
  let client: pg.Client | undefined
  let timer: NodeJS.Timeout | undefined
  let markReady: () => void = () => {}
  const ready = new Promise<void>((resolve) => (markReady = resolve))

  const connect = async () => {
    const session = new pg.Client({ connectionString: url, application_name: options.applicationName ?? 'zkpay-listener', keepAlive: true, connectionTimeoutMillis: 10_000 })
    client = session
    const retry = (error: unknown) => {
      if (client !== session) return
      client = undefined
      session.end().catch(() => {})
      if (closed) return
      options.logger?.warn({ err: error, channel }, 'listening for notifications failed; connecting again')
      timer = setTimeout(() => void connect(), retryMs)
    }
    session.on('error', retry)
    session.on('end', () => retry(new Error('the session ended')))
    session.on('notification', (message) => {
      if (message.channel === channel && message.payload !== undefined) onPayload(message.payload)
    })
    try {
      await session.connect()
      await session.query(`listen ${channel}`)
      if (closed) await session.end()
      else markReady()
    } catch (error) {
      retry(error)
    }
  }
  void connect()
  return {
    ready,
    async close() {
      closed = true
      clearTimeout(timer)
      const session = client
      client = undefined
      await session?.end().catch(() => {})
    },
  }
}
