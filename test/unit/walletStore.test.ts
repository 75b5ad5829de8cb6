import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { initCrypto, MerkleTree, poseidon } from '../../src/crypto/index.ts'
import { CHECKPOINT_BLOCKS } from '../../src/settlement/detectReorg.ts'
import { type HistoryEntry, openWalletStore, type StoredNote, type SyncWrite, TREE_CHUNK_NODES } from '../../src/sdk/wallet/WalletStore.ts'

// The wallet's copy of the note tree persists in chunks: a sync that appends a batch rewrites
// only the chunks it changed, and a reopened wallet gets the same tree back.

const dir = mkdtempSync(join(tmpdir(), 'zkpay-wallet-store-'))
beforeAll(() => initCrypto())
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const leavesOf = (n: number, salt: bigint) => Array.from({ length: n }, (_, i) => poseidon([BigInt(i), salt]))
const sync = (tree: MerkleTree, cursor = 1n): SyncWrite => ({ cursor, tree, newNotes: [], spent: [], history: [] })

/** Reopens the store file and reads its tree back. */
function reopened(path: string): MerkleTree | undefined {
  const store = openWalletStore({ path })
  try {
    return store.loadTree()
  } finally {
    store.close()
  }
}

describe('WalletStore tree', () => {
  it('default: a new wallet has no tree; each sync that grows it is read back whole after a reopen', () => {
    const path = join(dir, 'grow.db')
    const store = openWalletStore({ path })
    expect(store.loadTree()).toBeUndefined()
    const tree = new MerkleTree()
    // Sizes that end inside a chunk, on a chunk boundary, and across one.
    for (const [step, n] of [1, TREE_CHUNK_NODES - 1, 64, TREE_CHUNK_NODES * 2 + 3].entries()) {
      tree.insertMany(leavesOf(n, BigInt(step)))
      store.writeSync(sync(tree, BigInt(step + 1)))
      const back = reopened(path)!
      expect([back.size, back.root]).toEqual([tree.size, tree.root])
      expect(back.path(tree.size - 1)).toEqual(tree.path(tree.size - 1))
    }
    store.close()
  })

  it('behavior: appending 64 leaves to a 20,000-leaf tree writes the chunks above them, not the tree', () => {
    const path = join(dir, 'incremental.db')
    const store = openWalletStore({ path })
    const tree = new MerkleTree()
    tree.insertMany(leavesOf(20_000, 1n))
    const written = (write: () => void) => {
      const nodes = vi.spyOn(tree, 'nodes')
      write()
      const total = nodes.mock.results.reduce((sum, r) => sum + (r.value as Uint8Array).length / 32, 0)
      nodes.mockRestore()
      return total
    }
    const full = tree.levelSizes().reduce((a, b) => a + b, 0)
    expect(written(() => store.writeSync(sync(tree)))).toBe(full)
    // Per level: from the start of the chunk holding the first node the append changed, to the end.
    const fromChunkOf = (from: number) =>
      tree.levelSizes().reduce((sum, size, l) => sum + size - Math.floor(Math.floor(l === tree.levels ? 0 : from / 4 ** l) / TREE_CHUNK_NODES) * TREE_CHUNK_NODES, 0)
    tree.insertMany(leavesOf(64, 2n))
    const appended = written(() => store.writeSync(sync(tree, 2n)))
    expect(appended).toBe(fromChunkOf(20_000))
    expect(appended).toBeLessThan(full / 20)
    expect(written(() => store.writeSync(sync(tree, 3n)))).toBe(fromChunkOf(20_064)) // no growth: the last chunks again
    store.close()
    expect(reopened(path)!.root).toBe(tree.root)
  })

  it('behavior: a wallet from before chunks reads its one-row snapshot, and its next sync converts it', () => {
    const path = join(dir, 'legacy.db')
    const tree = new MerkleTree()
    tree.insertMany(leavesOf(700, 3n))
    openWalletStore({ path }).close()
    const raw = new Database(path)
    raw.prepare('insert into tree (id, snapshot) values (1, ?)').run(Buffer.from(tree.serialize()))
    raw.close()

    const store = openWalletStore({ path })
    const legacy = store.loadTree()!
    expect([legacy.size, legacy.root]).toEqual([700, tree.root])
    legacy.insertMany(leavesOf(5, 4n))
    store.writeSync(sync(legacy))
    store.close()
    const check = new Database(path, { readonly: true })
    expect(check.prepare('select count(*) from tree').pluck().get()).toBe(0)
    check.close()
    expect(reopened(path)!.root).toBe(legacy.root)
  })

  it('error: a missing chunk or a size that does not match the chunks is TREE_BAD_SNAPSHOT', () => {
    const path = join(dir, 'damaged.db')
    const store = openWalletStore({ path })
    const tree = new MerkleTree()
    tree.insertMany(leavesOf(3 * TREE_CHUNK_NODES, 5n))
    store.writeSync(sync(tree))
    store.close()
    const raw = new Database(path)
    raw.prepare("update meta set value = '1000' where key = 'tree_size'").run()
    expect(() => reopened(path)).toThrow(expect.objectContaining({ code: 'TREE_BAD_SNAPSHOT' }))
    raw.prepare(`update meta set value = '${3 * TREE_CHUNK_NODES}' where key = 'tree_size'`).run()
    expect(reopened(path)!.root).toBe(tree.root)
    raw.prepare('delete from tree_chunks where level = 0 and chunk = 1').run()
    raw.close()
    expect(() => reopened(path)).toThrow(expect.objectContaining({ code: 'TREE_BAD_SNAPSHOT' }))
  })
})

describe('WalletStore rollback', () => {
  const hash = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as const
  const note = (leafIndex: number, receivedBlock: bigint): StoredNote => ({
    leafIndex,
    commitment: BigInt(leafIndex + 1000),
    nullifier: BigInt(leafIndex + 2000),
    asset: 0n,
    amount: 5n,
    blinding: 7n,
    memo: '',
    txKey: hash(leafIndex + 3000),
    receivedBlock,
    spentBlock: null,
    pendingTx: null,
  })
  const entry = (txKey: `0x${string}`, p: Partial<HistoryEntry>): HistoryEntry => ({
    txKey,
    kind: 'send',
    asset: 0n,
    amount: 5n,
    counterparty: null,
    memo: null,
    txId: null,
    status: 'settled',
    createdAt: new Date(1_700_000_000_000),
    block: 12n,
    l1TxHash: hash(0xaa),
    ...p,
  })

  it('behavior: rolling back forgets notes received after the fork, unspends and relocks ours, reverts history, cuts the stored tree and moves the cursor, at once', () => {
    const path = join(dir, 'rollback.db')
    const store = openWalletStore({ path })
    const tree = new MerkleTree()
    tree.insertMany(leavesOf(64, 6n))
    const kept = tree.clone()
    store.writeSync({ ...sync(tree, 11n), cursorHash: hash(10), checkpoints: [{ block: 10n, hash: hash(10), treeSize: 64 }], newNotes: [note(0, 10n)] })
    // Block 12: across a chunk boundary, a note received, ours spent by our own transaction, a payment seen.
    tree.insertMany(leavesOf(TREE_CHUNK_NODES + 64, 7n))
    const ownSend = hash(0x5e)
    store.putHistory(entry(ownSend, { txId: 'tx-1', status: 'pending', block: null, l1TxHash: null }))
    store.setPending([0], 'tx-1')
    store.writeSync({
      ...sync(tree, 13n),
      cursorHash: hash(12),
      checkpoints: [{ block: 12n, hash: hash(12), treeSize: tree.size }],
      newNotes: [note(600, 12n)],
      spent: [{ nullifier: 2000n, block: 12n, txKey: ownSend }],
      history: [entry(ownSend, { txId: 'tx-1' }), entry(hash(0x4ec), { kind: 'receive' })],
    })
    expect(store.notes().find((n) => n.leafIndex === 0)).toMatchObject({ spentBlock: 12n, pendingTx: null })
    expect(store.checkpoints().map((c) => c.block)).toEqual([12n, 10n])

    store.rollback({ cursor: 11n, cursorHash: hash(10), tree: kept })
    expect(store.notes()).toEqual([{ ...note(0, 10n), pendingTx: 'tx-1' }])
    expect(store.history()).toEqual([entry(ownSend, { txId: 'tx-1', status: 'pending', block: null, l1TxHash: null })])
    expect(store.checkpoints()).toEqual([{ block: 10n, hash: hash(10), treeSize: 64 }])
    expect([store.getMeta('cursor'), store.cursorHash()]).toEqual(['11', hash(10)])
    store.close()
    const back = reopened(path)!
    expect([back.size, back.root]).toEqual([64, kept.root])

    // Rolled back to before anything: no cursor hash to check, an empty tree.
    const again = openWalletStore({ path })
    again.loadTree()
    again.rollback({ cursor: 5n, cursorHash: null, tree: new MerkleTree() })
    expect([again.notes(), again.checkpoints(), again.cursorHash(), again.getMeta('cursor')]).toEqual([[], [], undefined, '5'])
    again.close()
    expect(reopened(path)!.root).toBe(new MerkleTree().root)
  })
  it('behavior: checkpoints more than CHECKPOINT_BLOCKS below the cursor are forgotten', () => {
    const store = openWalletStore({ path: ':memory:' })
    const tree = new MerkleTree()
    tree.insertMany(leavesOf(64, 8n))
    const at = (block: bigint) => ({ block, hash: hash(Number(block)), treeSize: 64 })
    store.writeSync({ ...sync(tree, 11n), cursorHash: hash(10), checkpoints: [at(10n)] })
    store.writeSync({ ...sync(tree, 10n + CHECKPOINT_BLOCKS), cursorHash: hash(9), checkpoints: [at(20n)] })
    expect(store.checkpoints().map((c) => c.block)).toEqual([20n, 10n])
    store.writeSync({ ...sync(tree, 11n + CHECKPOINT_BLOCKS), cursorHash: hash(9), checkpoints: [] })
    expect(store.checkpoints().map((c) => c.block)).toEqual([20n])
    store.close()
  })
})
