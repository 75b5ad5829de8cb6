import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'

/**
 * Owner-only folders and files: a wallet's database holds blindings, amounts, nullifiers and
 * memos in plaintext, a merchant's its invoices and payments, the node's the transactions it
 * admitted. Nobody else on the machine has a reason to read them.
 */
const FOLDER_MODE = 0o700
const FILE_MODE = 0o600

export type OpenSqliteOptions<S extends Record<string, unknown>> = {
  /** A database file (its directory is created), or `:memory:`. */
  path: string
  /** The drizzle schema and the folder of committed SQL that drizzle-kit generated from it. */
  schema: S
  migrationsFolder: string
  /** What the file is, for messages: 'node database', 'wallet database'… */
  what: string
  /** How long a write waits for another connection's lock before failing; 5 s by default. */
  busyTimeoutMs?: number
  /** The store's own error for a sentence a user can act on. */
  error: (message: string, cause?: unknown) => Error
}

/**
 * Opens one of zkpay's SQLite databases (the node's, a wallet's, a merchant's) the same way and
 * brings its schema up to date with its committed migrations (each applied once, in its own
 * transaction, recorded in `__drizzle_migrations`).
 *
 * Pragmas, and why:
 * - `journal_mode = WAL`, required for a file: readers never block the writer, and a commit is
 *   one append, not a rewrite of the pages it touched;
 * - `synchronous = FULL`: what a store has acknowledged (a batch posted, a note locked, a webhook
 *   owed) survives power loss, not only a killed process, because each acts on it at once;
 * - `foreign_keys = ON`: SQLite leaves them off unless asked, per connection;
 * - `busy_timeout`: a second connection waits for the write lock instead of failing at once.
 *
 * Folders it creates are 0700 and the file 0600, whatever the umask; SQLite gives `-wal` and
 * `-shm` the database file's mode. A file (or `-wal`/`-shm`) found readable by others is
 * narrowed to its owner, with a process warning that says so.
 *
 * @example
 * const { db, client } = openSqlite({ path, schema, migrationsFolder, what: 'wallet database', error: (m, cause) => new StoreError('STORE_OPEN_FAILED', m, { cause }) })
 */
export function openSqlite<S extends Record<string, unknown>>(options: OpenSqliteOptions<S>): { db: BetterSQLite3Database<S>; client: Database.Database } {
  const { path, what, busyTimeoutMs = 5_000 } = options
  const inMemory = path === ':memory:'
  let client: Database.Database
  try {
    if (!inMemory) createOwnerOnly(path, what)
    client = new Database(path)
  } catch (cause) {
    throw options.error(`Could not open the ${what} at ${path}: check the path and its permissions.`, cause)
  }
  let walRefused: Error | undefined
  try {
    client.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`)
    if (!inMemory) {
      const mode = client.pragma('journal_mode = WAL', { simple: true })
      if (mode !== 'wal') {
        walRefused = options.error(`The ${what} at ${path} cannot use WAL journaling (got ${String(mode)}): put it on a local disk.`)
        throw walRefused
      }
    }
    client.pragma('synchronous = FULL')
    client.pragma('foreign_keys = ON')
    const db = drizzle({ client, schema: options.schema })
    migrate(db, { migrationsFolder: options.migrationsFolder })
    return { db, client }
  } catch (cause) {
    client.close()
    if (cause === walRefused) throw cause
    throw options.error(`Could not prepare the ${what} at ${path}: it may be from a newer zkpay, damaged, or not a ${what}.`, cause)
  }
}

/**
 * Creates the database's folder (0700) and file (0600) before SQLite does: SQLite would create
 * the file 0644, and its `-wal` and `-shm` copy the file's mode. Existing files that others may
 * read or write are narrowed to their owner. An existing folder keeps its mode: it may be the
 * user's own (`--store ./shop.db`), and owner-only files are enough to keep the content private.
 */
function createOwnerOnly(path: string, what: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: FOLDER_MODE })
  closeSync(openSync(path, 'a', FILE_MODE))
  const narrowed: string[] = []
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    let mode: number
    try {
      mode = statSync(file).mode & 0o777
    } catch {
      continue // no -wal or -shm yet
    }
    if ((mode & 0o077) === 0) continue
    chmodSync(file, mode & FILE_MODE)
    narrowed.push(`${file} (was ${mode.toString(8).padStart(4, '0')})`)
  }
  if (narrowed.length > 0) {
    process.emitWarning(`The ${what} was readable by other users; it is now owner-only (0600): ${narrowed.join(', ')}.`, { code: 'ZKPAY_FILE_MODE_NARROWED' })
  }
}
