import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
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
})
