import pg from 'pg'
import { StoreError } from '../../errors/state.ts'

/** The advisory lock key the sequencer's leader holds: "zkpay-sq" in ASCII. */
export const LEADER_LOCK = 0x7a6b7061792d7371n

export type LeaderLease = {
  /** Resolves, with the reason, when this process is no longer sure it leads: then it must stop acting at once. */
  readonly lost: Promise<Error>
  /** Gives the lease up (the standby takes over within its poll interval). */
  release(): Promise<void>
}

export type AcquireLeadershipOptions = {
  /** How often a standby asks for the lock, and the leader checks it still holds it; 1 s by default. */
  pollMs?: number
  /** Told once when the lock is held by another process and this one starts waiting. */
  onStandby?: () => void
  /** Stops waiting (the process is shutting down as a standby). */
  signal?: AbortSignal
}

/**
 * Waits until this process is the sequencer's leader, and holds that lease: a session-level
 * Postgres advisory lock on a connection of its own. Exactly one session holds it; when the
 * leader dies its connection closes and Postgres releases the lock, so a standby's next try
 * (every `pollMs`) gets it — from whatever state the database and L1 then say.
 *
 * A leader that loses its connection cannot know whether Postgres has already released the lock
 * to a standby, so `lost` resolves and the caller stops acting (fail-stop). Postgres releases the
 * lock only after it drops the old session, so two leaders never hold it at once; L1 refuses a
 * batch that does not extend the current root, which fences a leader that acts a moment late.
 *
 * @example
 * const lease = await acquireLeadership(config.databaseUrl, { onStandby: () => logger.info('standby') })
 * lease.lost.then(() => process.exit(70))
 */
export async function acquireLeadership(url: string, options: AcquireLeadershipOptions = {}): Promise<LeaderLease> {
  const pollMs = options.pollMs ?? 1_000
  let told = false
  for (;;) {
    if (options.signal?.aborted) throw new StoreError('STORE_UNAVAILABLE', 'Stopped while waiting to become the sequencer leader.')
    const client = new pg.Client({
      connectionString: url,
      application_name: 'zkpay-sequencer-lease',
      connectionTimeoutMillis: Math.max(pollMs, 2_000),
      query_timeout: Math.max(3 * pollMs, 3_000),
      keepAlive: true,
    })
    client.on('error', () => {})
    try {
      await client.connect()
      // Postgres drops this session (and frees the lock) about 25 s after the leader's machine
      // vanishes, not after the kernel's two hours; the leader itself gives up within
      // 3 × pollMs of losing the database, well before that, so two never act at once.
      await client.query('set tcp_keepalives_idle = 10; set tcp_keepalives_interval = 5; set tcp_keepalives_count = 3')
      for (;;) {
        const { rows } = await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1::bigint) as ok', [LEADER_LOCK.toString()])
        if (rows[0]?.ok) return hold(client, pollMs)
        if (!told) options.onStandby?.()
        told = true
        await sleep(pollMs, options.signal)
        if (options.signal?.aborted) break
      }
      await client.end().catch(() => {})
    } catch {
      await client.end().catch(() => {})
      if (options.signal?.aborted) continue
      // The database is down or restarting: a standby keeps trying, as a restarted leader would.
      if (!told) options.onStandby?.()
      told = true
      await sleep(pollMs, options.signal)
    }
  }
}

/** Holds the lock on `client`, checking every `pollMs` that the session is alive. */
function hold(client: pg.Client, pollMs: number): LeaderLease {
  let resolveLost!: (reason: Error) => void
  const lost = new Promise<Error>((resolve) => (resolveLost = resolve))
  let released = false
  const fail = (reason: string) => {
    if (released) return
    released = true
    clearInterval(timer)
    resolveLost(new StoreError('STORE_UNAVAILABLE', `The sequencer lost its leader lease: ${reason}.`))
    void client.end().catch(() => {})
  }
  client.on('error', (error) => fail(error.message))
  client.on('end', () => fail('the connection to the database closed'))
  const timer = setInterval(() => {
    client.query('select 1').catch((error: Error) => fail(error.message))
  }, pollMs)
  timer.unref()
  return {
    lost,
    async release() {
      if (released) return
      released = true
      clearInterval(timer)
      await client.query('select pg_advisory_unlock($1::bigint)', [LEADER_LOCK.toString()]).catch(() => {})
      await client.end().catch(() => {})
    },
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true })
  })
}
