import { fileURLToPath } from 'node:url'
import { StoreError } from '../errors/state.ts'
import type { NodeStore } from './NodeStore.ts'
import { openSqlite } from './openSqlite.ts'
import * as schema from './schema.ts'
import { SqliteNodeStore } from './SqliteNodeStore.ts'

/**
 * The committed SQL that drizzle-kit generated from schema.ts.
 *
 * @example
 * migrate(db, { migrationsFolder: MIGRATIONS_FOLDER })
 */
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
 * migrations (`openSqlite`: WAL, so the API's reads never block the sequencer's writes;
 * `synchronous = FULL`, because the node acts on L1 right after committing a transition).
 *
 * @example
 * const store = await openNodeStore({ path: join(config.dataDir, 'node.sqlite') })
 * const result = await store.insertPendingTransaction(tx)
 * if (!result.ok) return c.json({ code: result.code, message: result.message }, 409)
 * await store.close()
 */
export async function openNodeStore(options: OpenNodeStoreOptions): Promise<NodeStore> {
  const { db, client } = openSqlite({
    path: options.path,
    schema,
    migrationsFolder: MIGRATIONS_FOLDER,
    what: 'node database',
    ...(options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs }),
    error: (message, cause) => new StoreError('STORE_OPEN_FAILED', message, { cause }),
  })
  return new SqliteNodeStore(db, client, options.clock)
}
