import { fileURLToPath } from 'node:url'
import { drizzle } from 'drizzle-orm/node-postgres'
import { migrate } from 'drizzle-orm/node-postgres/migrator'
import pg from 'pg'
import { redactUrl } from '../../config/display.ts'
import { StoreError } from '../../errors/state.ts'
import { PgNodeStore } from './PgNodeStore.ts'
import * as schema from './schema.ts'

/** The committed SQL that drizzle-kit generated from postgres/schema.ts. */
export const PG_MIGRATIONS_FOLDER = fileURLToPath(new URL('./migrations', import.meta.url))

/** Held while migrating, so that processes starting together apply each migration once. */
const MIGRATION_LOCK = 0x7a6b706179 // "zkpay"

export type OpenPgNodeStoreOptions = {
  /** `postgres://user:password@host:port/database` (or `postgresql://`). */
  url: string
  /** Connections this process keeps open at most; 10 by default. */
  maxConnections?: number
  /** How long to wait for a connection before failing; 10 s by default. */
  connectTimeoutMs?: number
  /** Names this process in `pg_stat_activity`, e.g. `zkpay-api-2`. */
  applicationName?: string
  /** Milliseconds since the epoch, for timestamps; tests pass a fake clock. */
  clock?: () => number
}

/**
 * Whether `url` names a Postgres database rather than a SQLite file.
 *
 * @example
 * isPostgresUrl('postgres://db.internal/zkpay') // true
 */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url)
}

/**
 * Opens the node's Postgres database through a connection pool and brings its schema up to date
 * with the committed migrations, under an advisory lock so that replicas starting at once do
 * not race each other's DDL. A pool survives a Postgres restart: the calls in flight fail with
 * `STORE_UNAVAILABLE`, later ones reconnect.
 *
 * @example
 * const store = await openPgNodeStore({ url: process.env.ZKPAY_DATABASE_URL! })
 */
export async function openPgNodeStore(options: OpenPgNodeStoreOptions): Promise<PgNodeStore> {
  const where = redactUrl(options.url)
  if (!isPostgresUrl(options.url)) throw new StoreError('STORE_OPEN_FAILED', `${where} is not a postgres:// URL.`)
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    application_name: options.applicationName ?? 'zkpay-node',
    // A process that vanishes mid-transaction (its machine gone) must not hold its row locks
    // (a nullifier, an escrow, a batch) for the kernel's two hours: Postgres ends the session.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    idle_in_transaction_session_timeout: 30_000,
  })
  // An idle connection that Postgres closes (a restart, a failover) is reported here; without a
  // listener the pool's 'error' event would end the process. The pool drops it and reconnects.
  pool.on('error', () => {})
  try {
    const client = await pool.connect()
    try {
      await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK])
      try {
        await migrate(drizzle({ client, schema }), { migrationsFolder: PG_MIGRATIONS_FOLDER })
      } finally {
        await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK])
      }
    } finally {
      client.release()
    }
  } catch (cause) {
    await pool.end().catch(() => {})
    const reason = cause instanceof Error ? cause.message.split('\n')[0] : String(cause)
    throw new StoreError('STORE_OPEN_FAILED', `Could not open the node database at ${where}: ${reason}.`, { cause })
  }
  return new PgNodeStore(drizzle({ client: pool, schema }), pool, where, options.clock)
}
