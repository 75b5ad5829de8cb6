import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { openMerchantStore } from '../../src/sdk/merchant/openMerchantStore.ts'
import { openWalletStore } from '../../src/sdk/wallet/WalletStore.ts'
import { openNodeStore } from '../../src/state/index.ts'
import * as walletSchema from '../../src/sdk/wallet/schema.ts'
import { openSqlite } from '../../src/state/openSqlite.ts'

// The node, wallet and merchant databases open one way: WAL, synchronous FULL, foreign keys, migrations.

const dir = mkdtempSync(join(tmpdir(), 'zkpay-sqlite-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const stores = {
  node: async (path: string) => (await openNodeStore({ path })).close(),
  wallet: async (path: string) => openWalletStore({ path }).close(),
  merchant: async (path: string) => openMerchantStore(path).close(),
}

/** Each store opened and written to, kept open: SQLite deletes `-wal` and `-shm` at the last close. */
const written = {
  node: async (path: string) => {
    const store = await openNodeStore({ path })
    await store.setCursor('l1', { block: 7n })
    return () => store.close()
  },
  wallet: async (path: string) => {
    const store = openWalletStore({ path })
    store.setMeta('note', 'a blinding, an amount, a memo')
    return async () => store.close()
  },
  merchant: async (path: string) => {
    const store = openMerchantStore(path)
    store.setCursor('l1', 7n)
    return async () => store.close()
  },
}
const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8)

describe('openSqlite', () => {
  it.each(Object.entries(stores))('default: the %s database is created in a new folder with WAL, then reopens without migrating again', async (name, open) => {
    const path = join(dir, name, 'nested', `${name}.db`)
    await open(path)
    await open(path)
    const db = new Database(path, { readonly: true })
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
      const applied = db.prepare('select count(*) from __drizzle_migrations').pluck().get() as number
      expect(applied).toBeGreaterThan(0)
      expect(db.prepare('select count(distinct hash) from __drizzle_migrations').pluck().get()).toBe(applied)
    } finally {
      db.close()
    }
  })

  it('default: the connection it returns has synchronous FULL, foreign keys on and the busy timeout asked for', () => {
    const { client } = openSqlite({
      path: join(dir, 'pragmas.db'),
      schema: walletSchema,
      migrationsFolder: new URL('../../src/sdk/wallet/migrations', import.meta.url).pathname,
      what: 'wallet database',
      busyTimeoutMs: 1234,
      error: (message) => new Error(message),
    })
    try {
      expect(client.pragma('synchronous', { simple: true })).toBe(2) // FULL
      expect(client.pragma('foreign_keys', { simple: true })).toBe(1)
      expect(client.pragma('busy_timeout', { simple: true })).toBe(1234)
    } finally {
      client.close()
    }
  })

  it('error: a folder where the file should be is each store’s own error, naming the path', async () => {
    const folder = mkdtempSync(join(dir, 'folder-'))
    await expect(stores.node(folder)).rejects.toMatchObject({ code: 'STORE_OPEN_FAILED', shortMessage: `Could not open the node database at ${folder}: check the path and its permissions.` })
    await expect(stores.wallet(folder)).rejects.toMatchObject({ code: 'STORE_OPEN_FAILED', shortMessage: expect.stringContaining(`wallet database at ${folder}`) })
    await expect(stores.merchant(folder)).rejects.toMatchObject({ code: 'MERCHANT_STORE_FAILED', shortMessage: expect.stringContaining(`merchant database at ${folder}`) })
  })

  it('error: a file that is not a database is refused, and left as it was', async () => {
    const path = join(dir, 'notes.txt')
    writeFileSync(path, 'shopping list: bread, milk, and more than a header of bytes '.repeat(10))
    for (const [name, open] of Object.entries(stores)) {
      await expect(open(path)).rejects.toMatchObject({ shortMessage: expect.stringMatching(new RegExp(`^Could not (open|prepare) the ${name} database at `)) })
    }
    expect(readFileSync(path, 'utf8')).toMatch(/^shopping list/)
  })

  // Another local user (a shared host, a compromised service account) reads the wallet's notes,
  // blindings and memos, the merchant's invoices or the node's mempool straight from disk.
  it.each(Object.entries(written))('behavior: under umask 022 the %s database, its -wal and -shm are 0600 in 0700 folders', async (name, open) => {
    const previous = process.umask(0o022)
    try {
      const parent = join(dir, `modes-${name}`)
      const path = join(parent, 'nested', `${name}.db`)
      const close = await open(path)
      try {
        expect([parent, join(parent, 'nested'), path, `${path}-wal`, `${path}-shm`].map(modeOf)).toEqual(['700', '700', '600', '600', '600'])
      } finally {
        await close()
      }
    } finally {
      process.umask(previous)
    }
  })

  it.each(Object.entries(written))('behavior: an existing %s database readable by others is narrowed to 0600 at open, with a warning that says so', async (name, open) => {
    const path = join(dir, `wide-${name}.db`)
    await (await open(path))()
    chmodSync(path, 0o644)
    const warnings: Error[] = []
    const onWarning = (w: Error) => w.message.includes(path) && warnings.push(w)
    process.on('warning', onWarning)
    try {
      const close = await open(path)
      try {
        expect([path, `${path}-wal`, `${path}-shm`].map(modeOf)).toEqual(['600', '600', '600'])
      } finally {
        await close()
      }
      await new Promise((resolve) => setImmediate(resolve)) // warnings are emitted on the next tick
    } finally {
      process.off('warning', onWarning)
    }
    expect(warnings.map((w) => [(w as Error & { code?: string }).code, w.message])).toEqual([
      ['ZKPAY_FILE_MODE_NARROWED', `The ${name} database was readable by other users; it is now owner-only (0600): ${path} (was 0644).`],
    ])
  })
})
