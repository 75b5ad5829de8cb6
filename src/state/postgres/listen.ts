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
  /**
   * How often the session is checked with a query (5 s by default): a connection a NAT or a
   * failover dropped without a word would otherwise look alive for hours, and deliver nothing.
   */
  checkEveryMs?: number
  /** Told each time a session is open again after one failed: what was sent in between is lost. */
  onReconnect?: () => void
  logger?: Logger
}

/**
 * Listens on a Postgres NOTIFY channel in a session of its own, and calls `onPayload` with each
 * payload in the order the notifying transactions committed. The session is checked with a query
 * every `checkEveryMs`; one that fails (Postgres restarts, the network drops, the check gets no
 * answer) is opened again every `retryMs` until it succeeds, and `onReconnect` is told: what was
 * sent while it was down is not delivered, so a channel suits what a client can read again
 * (events that `/v1/batches/:number` also answers), never what must not be lost.
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
  let check: NodeJS.Timeout | undefined
  let opened = false
  let markReady: () => void = () => {}
  const ready = new Promise<void>((resolve) => (markReady = resolve))

  const connect = async () => {
    const session = new pg.Client({
      connectionString: url,
      application_name: options.applicationName ?? 'zkpay-listener',
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      connectionTimeoutMillis: 10_000,
      query_timeout: 10_000,
    })
    client = session
    const retry = (error: unknown) => {
      if (client !== session) return
      client = undefined
      clearInterval(check)
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
      if (closed) {
        await session.end()
        return
      }
      check = setInterval(() => session.query('select 1').catch(retry), options.checkEveryMs ?? 5_000)
      check.unref()
      if (opened) options.onReconnect?.()
      opened = true
      markReady()
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
      clearInterval(check)
      const session = client
      client = undefined
      await session?.end().catch(() => {})
    },
  }
}
