import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import { StoreError } from '../errors/state.ts'
import type { NodeStore } from './NodeStore.ts'
import * as schema from './schema.ts'
import { SqliteNodeStore } from './SqliteNodeStore.ts'

/** The committed SQL that drizzle-kit generated from schema.ts. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('./migrations', import.meta.url))

export type OpenNodeStoreOptions = {
  /** A database file (its directory is created), or `:memory:` for tests and throwaway nodes. */
  path: string
  /** How long a write waits for another connection's lock before failing; 5 s by default. */
  busyTimeoutMs?: number
  /** Milliseconds since the epoch, for timestamps; tests pass a fake clock. */
  clock?: () => number
}

/**
 * Opens the node's SQLite database and brings its schema up to date with the committed
 * migrations (each applied once, in its own transaction, recorded in `__drizzle_migrations`).
 *
 * Pragmas, and why:
 * - `journal_mode = WAL`: readers (the API) never block the writer (the sequencer);
 * - `synchronous = FULL`: a committed transition survives power loss too, not only kill -9,
 *   because the node acts on L1 right after committing it;
 * - `foreign_keys = ON`: SQLite leaves them off unless asked, per connection;
 * - `busy_timeout`: a second connection waits for the write lock instead of failing at once.
 *
 * @example
 * const store = await openNodeStore({ path: join(config.dataDir, 'node.sqlite') })
 * const result = await store.insertPendingTransaction(tx)
 * if (!result.ok) return c.json({ code: result.code, message: result.message }, 409)
 * await store.close()
 */
export async function openNodeStore(options: OpenNodeStoreOptions): Promise<NodeStore> {
  const { path, busyTimeoutMs = 5_000 } = options
  const inMemory = path === ':memory:'
  let client: Database.Database
  try {
    if (!inMemory) mkdirSync(dirname(path), { recursive: true })
    client = new Database(path)
  } catch (cause) {
    throw new StoreError('STORE_OPEN_FAILED', `Could not open the node database at ${path}: check the data directory and its permissions.`, { cause })
  }
  try {
    client.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`)
    if (!inMemory) {
      const mode = client.pragma('journal_mode = WAL', { simple: true })
      if (mode !== 'wal') throw new StoreError('STORE_OPEN_FAILED', `The node database at ${path} cannot use WAL journaling (got ${String(mode)}): put the data directory on a local disk.`)
    }
    client.pragma('synchronous = FULL')
    client.pragma('foreign_keys = ON')
    const db = drizzle({ client, schema })
    migrate(db, { migrationsFolder: MIGRATIONS_FOLDER })
    return new SqliteNodeStore(db, client, options.clock)
  } catch (cause) {
    client.close()
    if (cause instanceof StoreError) throw cause
    throw new StoreError('STORE_OPEN_FAILED', `Could not prepare the node database at ${path}: it may be from a newer zkpay or damaged.`, { cause })
  }
}
