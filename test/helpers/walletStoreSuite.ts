import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { initCrypto, MerkleTree, poseidon } from '../../src/crypto/index.ts'
import { CHECKPOINT_BLOCKS } from '../../src/settlement/detectReorg.ts'
import type { HistoryEntry, StoredNote, SyncWrite, WalletStore } from '../../src/sdk/wallet/storeTypes.ts'
import { TREE_CHUNK_NODES } from '../../src/sdk/wallet/treeChunks.ts'

/** How the suite reaches one implementation of `WalletStore`. */
export type WalletStoreFactory = {
  name: string
  /** Before each test: a new, empty place for its stores (a folder, an IndexedDB factory). */
  reset(): void
  /** Opens store `id`: new, or as this test's earlier stores under `id` left it on disk. */
  open(id: string): Promise<WalletStore>
  /** Edits what store `id` holds on disk, under the store's feet (its stores are closed). */
  damage: {
    setMeta(id: string, key: string, value: string): Promise<void>
    deleteTreeChunk(id: string, level: number, chunk: number): Promise<void>
  }
}

export const leavesOf = (n: number, salt: bigint) => Array.from({ length: n }, (_, i) => poseidon([BigInt(i), salt]))
export const hash = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as const
export const sync = (tree: MerkleTree | undefined, cursor = 1n): SyncWrite => ({ cursor, ...(tree ? { tree } : {}), newNotes: [], spent: [], history: [] })
export const note = (leafIndex: number, receivedBlock: bigint, p: Partial<StoredNote> = {}): StoredNote => ({
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
  ...p,
})
export const entry = (txKey: `0x${string}`, p: Partial<HistoryEntry>): HistoryEntry => ({
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
const transactionJson = (n: number) => ({ kind: 'deposit', n }) as never

/**
 * The behaviour every `WalletStore` must have (CONVENTIONS: stores share one suite), written
 * against `SqliteWalletStore`'s: what a store holds comes back the same from memory and after a
 * reopen. A store is flushed before it is closed, as the wallet does.
 */
export function walletStoreSuite(factory: WalletStoreFactory): void {
  beforeAll(() => initCrypto())
  beforeEach(() => factory.reset())

  /** Flushes and closes `store`. */
  async function done(store: WalletStore): Promise<void> {
    await store.flush()
    store.close()
  }
  /** What store `id` holds on disk: opened again, read with `read`, closed. */
  async function reopened<T>(id: string, read: (store: WalletStore) => T): Promise<T> {
    const store = await factory.open(id)
    try {
      return read(store)
    } finally {
      store.close()
    }
  }
  const treeOf = (id: string) => reopened(id, (s) => s.loadTree())
  /** Everything a store reads back, to compare a store with its reopened self. */
  const contents = (s: WalletStore) => ({
    notes: s.notes(),
    history: s.history(),
    deposits: s.deposits(),
    checkpoints: s.checkpoints(),
    pending: s.pendingTransactions(),
    cursor: s.getMeta('cursor'),
    cursorHash: s.cursorHash(),
    meta: s.metaWithPrefix(''),
  })

  describe(`WalletStore (${factory.name}) tree`, () => {
    it('default: a new wallet has no tree; each sync that grows it is read back whole after a reopen', async () => {
      const store = await factory.open('grow')
      expect(store.loadTree()).toBeUndefined()
      const tree = new MerkleTree()
      // Sizes that end inside a chunk, on a chunk boundary, and across one.
      for (const [step, n] of [1, TREE_CHUNK_NODES - 1, 64, TREE_CHUNK_NODES * 2 + 3].entries()) {
        tree.insertMany(leavesOf(n, BigInt(step)))
        store.writeSync(sync(tree, BigInt(step + 1)))
        await store.flush()
        const back = (await treeOf('grow'))!
        expect([back.size, back.root]).toEqual([tree.size, tree.root])
        expect(back.path(tree.size - 1)).toEqual(tree.path(tree.size - 1))
      }
      await done(store)
    })

    it('behavior: appending 64 leaves to a 20,000-leaf tree writes the chunks above them, not the tree', async () => {
      const store = await factory.open('incremental')
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
      await done(store)
      expect((await treeOf('incremental'))!.root).toBe(tree.root)
    })

    it('error: a missing chunk or a size that does not match the chunks is TREE_BAD_SNAPSHOT', async () => {
      const store = await factory.open('damaged')
      const tree = new MerkleTree()
      tree.insertMany(leavesOf(3 * TREE_CHUNK_NODES, 5n))
      store.writeSync(sync(tree))
      await done(store)
      await factory.damage.setMeta('damaged', 'tree_size', '1000')
      await expect(treeOf('damaged')).rejects.toMatchObject({ code: 'TREE_BAD_SNAPSHOT', shortMessage: 'The stored Merkle tree is damaged or incomplete.' })
      await factory.damage.setMeta('damaged', 'tree_size', String(3 * TREE_CHUNK_NODES))
      expect((await treeOf('damaged'))!.root).toBe(tree.root)
      await factory.damage.deleteTreeChunk('damaged', 0, 1)
      await expect(treeOf('damaged')).rejects.toMatchObject({ code: 'TREE_BAD_SNAPSHOT', details: expect.stringMatching(/Level 0 holds 512 nodes, not 1536/) })
    })
  })

  describe(`WalletStore (${factory.name}) records`, () => {
    it('default: a new store is empty', async () => {
      const store = await factory.open('empty')
      expect(contents(store)).toEqual({ notes: [], history: [], deposits: [], checkpoints: [], pending: [], cursor: undefined, cursorHash: undefined, meta: [] })
      await done(store)
    })

    it('behavior: meta values are replaced by key, and read by prefix in key order (no wildcards)', async () => {
      const store = await factory.open('meta')
      store.setMeta('asset:0xb', 'B')
      store.setMeta('asset:0xa', 'A')
      store.setMeta('asset:0xa', 'A2')
      store.setMeta('assets', 'not under the prefix')
      store.setMeta('asset_%', 'no LIKE wildcard')
      expect(store.getMeta('asset:0xa')).toBe('A2')
      expect(store.metaWithPrefix('asset:')).toEqual([
        ['asset:0xa', 'A2'],
        ['asset:0xb', 'B'],
      ])
      expect(store.metaWithPrefix('asset_%')).toEqual([['asset_%', 'no LIKE wildcard']])
      await done(store)
      expect(await reopened('meta', (s) => [s.getMeta('asset:0xa'), s.metaWithPrefix('asset:').length, s.getMeta('missing')])).toEqual(['A2', 2, undefined])
    })

    it('behavior: a sync adds notes once (a known leaf or nullifier is kept as it was), marks spent ones, unlocks them, and moves the cursor', async () => {
      const store = await factory.open('notes')
      store.writeSync({ ...sync(undefined, 5n), cursorHash: hash(4), newNotes: [note(3, 4n), note(1, 4n)] })
      store.setPending([1, 3, 99], 'tx-1')
      expect(store.pendingTransactions()).toEqual(['tx-1'])
      store.writeSync({
        ...sync(undefined, 8n),
        cursorHash: `0x${'AB'.repeat(32)}`,
        // leaf 1 again (another amount), and a new leaf with note 3's nullifier: both ignored; leaf 7 spent in the same sync
        newNotes: [note(1, 7n, { amount: 99n }), note(8, 7n, { nullifier: 2003n }), note(7, 7n)],
        spent: [
          { nullifier: 2001n, block: 7n, txKey: hash(0x51) },
          { nullifier: 2007n, block: 7n, txKey: hash(0x52) },
          { nullifier: 123n, block: 7n, txKey: hash(0x53) }, // not ours
        ],
      })
      const expected = [note(1, 4n, { spentBlock: 7n }), note(3, 4n, { pendingTx: 'tx-1' }), note(7, 7n, { spentBlock: 7n })]
      expect(store.notes()).toEqual(expected)
      expect([store.getMeta('cursor'), store.cursorHash()]).toEqual(['8', `0x${'ab'.repeat(32)}`])
      store.setPending([3], null)
      expect(store.pendingTransactions()).toEqual([])
      // A sync that names no block hash leaves none to check.
      store.writeSync(sync(undefined, 9n))
      expect([store.getMeta('cursor'), store.cursorHash()]).toEqual(['9', undefined])
      const before = contents(store)
      await done(store)
      expect(await reopened('notes', contents)).toEqual(before)
      expect(before.notes).toEqual([expected[0], note(3, 4n), expected[2]])
    })

    it('behavior: history is oldest first; putting an entry again replaces it but keeps its createdAt; finalizing makes settled entries up to a block final', async () => {
      const store = await factory.open('history')
      const at = (ms: number) => new Date(1_700_000_000_000 + ms)
      store.putHistory(entry(hash(3), { createdAt: at(30), status: 'pending', block: null }))
      store.putHistory(entry(hash(1), { createdAt: at(10), block: 10n }))
      store.putHistory(entry(hash(2), { createdAt: at(10), block: 11n })) // same time: in the order written
      store.writeSync({ ...sync(undefined, 13n), history: [entry(hash(3), { createdAt: at(99), status: 'settled', block: 12n, txId: 'tx-3' })] })
      expect(store.history().map((h) => [h.txKey, h.createdAt.getTime() - 1_700_000_000_000, h.status])).toEqual([
        [hash(1), 10, 'settled'],
        [hash(2), 10, 'settled'],
        [hash(3), 30, 'settled'],
      ])
      store.finalizeHistory(11n)
      expect(store.history().map((h) => h.status)).toEqual(['final', 'final', 'settled'])
      expect(store.history()[2]).toEqual(entry(hash(3), { createdAt: at(30), block: 12n, txId: 'tx-3' }))
      const before = store.history()
      await done(store)
      expect(await reopened('history', (s) => s.history())).toEqual(before)
    })

    it('behavior: escrows are recorded as escrowing, patched field by field, listed oldest first and by state', async () => {
      const store = await factory.open('deposits')
      const key = (n: number) => hash(0xd0 + n)
      for (const n of [1, 2, 3]) store.putDeposit({ key: key(n), asset: BigInt(n), amount: 10n ** 30n + BigInt(n), transaction: transactionJson(n) })
      store.updateDeposit(key(2), { state: 'submitted', txId: 'tx-2' })
      store.updateDeposit(key(3), { state: 'escrowed', unlockBlock: 900n, lastError: 'NOT_ADMITTED' })
      store.updateDeposit(key(3), { unlockBlock: null })
      store.updateDeposit(key(1), {})
      store.updateDeposit(hash(0xff), { state: 'void' }) // no such escrow: nothing
      const all = store.deposits()
      expect(all.map((d) => [d.key, d.state, d.asset, d.amount, d.transaction, d.txId, d.unlockBlock, d.lastError])).toEqual([
        [key(1), 'escrowing', 1n, 10n ** 30n + 1n, transactionJson(1), null, null, null],
        [key(2), 'submitted', 2n, 10n ** 30n + 2n, transactionJson(2), 'tx-2', null, null],
        [key(3), 'escrowed', 3n, 10n ** 30n + 3n, transactionJson(3), null, null, 'NOT_ADMITTED'],
      ])
      expect(all.every((d) => d.createdAt instanceof Date && Math.abs(d.createdAt.getTime() - Date.now()) < 60_000)).toBe(true)
      expect(store.deposits(['escrowed', 'submitted']).map((d) => d.key)).toEqual([key(2), key(3)])
      expect(store.deposits(['void'])).toEqual([])
      // The same escrow key twice is a bug in the caller, refused, and changes nothing.
      expect(() => store.putDeposit({ key: key(1), asset: 9n, amount: 9n, transaction: transactionJson(9) })).toThrow()
      expect(store.deposits()).toEqual(all)
      await done(store)
      expect(await reopened('deposits', (s) => s.deposits())).toEqual(all)
    })
  })

  describe(`WalletStore (${factory.name}) rollback`, () => {
    it('behavior: rolling back forgets notes received after the fork, unspends and relocks ours, reverts history, cuts the stored tree and moves the cursor, at once', async () => {
      const store = await factory.open('rollback')
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
      const before = contents(store)
      await done(store)
      expect(await reopened('rollback', contents)).toEqual(before)
      const back = (await treeOf('rollback'))!
      expect([back.size, back.root]).toEqual([64, kept.root])

      // Rolled back to before anything: no cursor hash to check, an empty tree.
      const again = await factory.open('rollback')
      again.loadTree()
      again.rollback({ cursor: 5n, cursorHash: null, tree: new MerkleTree() })
      expect([again.notes(), again.checkpoints(), again.cursorHash(), again.getMeta('cursor')]).toEqual([[], [], undefined, '5'])
      await done(again)
      expect((await treeOf('rollback'))!.root).toBe(new MerkleTree().root)
      expect(await reopened('rollback', (s) => [s.notes(), s.checkpoints(), s.cursorHash(), s.getMeta('cursor')])).toEqual([[], [], undefined, '5'])
    })

    it('behavior: checkpoints more than CHECKPOINT_BLOCKS below the cursor are forgotten', async () => {
      const store = await factory.open('checkpoints')
      const tree = new MerkleTree()
      tree.insertMany(leavesOf(64, 8n))
      const at = (block: bigint) => ({ block, hash: hash(Number(block)), treeSize: 64 })
      store.writeSync({ ...sync(tree, 11n), cursorHash: hash(10), checkpoints: [at(10n)] })
      store.writeSync({ ...sync(tree, 10n + CHECKPOINT_BLOCKS), cursorHash: hash(9), checkpoints: [at(20n)] })
      expect(store.checkpoints().map((c) => c.block)).toEqual([20n, 10n])
      // A checkpoint written below the line in the same sync goes too.
      store.writeSync({ ...sync(tree, 11n + CHECKPOINT_BLOCKS), cursorHash: hash(9), checkpoints: [at(5n)] })
      expect(store.checkpoints().map((c) => c.block)).toEqual([20n])
      await done(store)
      expect(await reopened('checkpoints', (s) => s.checkpoints())).toEqual([at(20n)])
    })
  })
}
