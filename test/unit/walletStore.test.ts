import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { MerkleTree } from '../../src/crypto/index.ts'
import { openWalletStore } from '../../src/sdk/wallet/WalletStore.ts'
import { leavesOf, sync, walletStoreSuite } from '../helpers/walletStoreSuite.ts'

// The SQLite wallet store: the shared suite on files in a temporary folder (one folder per test),
// and what only SQLite has: wallets from before the tree was stored in chunks.

const root = mkdtempSync(join(tmpdir(), 'zkpay-wallet-store-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let dir = root
let tests = 0
const pathOf = (id: string) => join(dir, `${id}.db`)

/** Runs `change` on the raw database file of store `id`. */
function raw(id: string, change: (db: Database.Database) => void): Promise<void> {
  const db = new Database(pathOf(id))
  try {
    change(db)
  } finally {
    db.close()
  }
  return Promise.resolve()
}

walletStoreSuite({
  name: 'SQLite',
  reset() {
    dir = join(root, String(++tests))
    mkdirSync(dir)
  },
  open: (id) => Promise.resolve(openWalletStore({ path: pathOf(id) })),
  damage: {
    setMeta: (id, key, value) => raw(id, (db) => db.prepare('update meta set value = ? where key = ?').run(value, key)),
    deleteTreeChunk: (id, level, chunk) => raw(id, (db) => db.prepare('delete from tree_chunks where level = ? and chunk = ?').run(level, chunk)),
  },
})

describe('WalletStore (SQLite) legacy tree', () => {
  it('behavior: a wallet from before chunks reads its one-row snapshot, and its next sync converts it', () => {
    const path = join(root, 'legacy.db')
    const tree = new MerkleTree()
    tree.insertMany(leavesOf(700, 3n))
    openWalletStore({ path }).close()
    const db = new Database(path)
    db.prepare('insert into tree (id, snapshot) values (1, ?)').run(Buffer.from(tree.serialize()))
    db.close()

    const store = openWalletStore({ path })
    const legacy = store.loadTree()!
    expect([legacy.size, legacy.root]).toEqual([700, tree.root])
    legacy.insertMany(leavesOf(5, 4n))
    store.writeSync(sync(legacy))
    store.close()
    const check = new Database(path, { readonly: true })
    expect(check.prepare('select count(*) from tree').pluck().get()).toBe(0)
    check.close()
    const reopened = openWalletStore({ path })
    expect(reopened.loadTree()!.root).toBe(legacy.root)
    reopened.close()
  })
})
