import { mkdtempSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { decryptNotes, deriveKeys, type EncryptedTransaction, encryptNotes, getPrimitives, initCrypto, MerkleTree, NoteScanner, noteCommitment, randomFieldElement } from '../src/crypto/index.ts'
import { openWalletStore, type WalletStore } from '../src/sdk/wallet/WalletStore.ts'

/** One figure of a suite; `note` puts it beside another (e.g. the browser's beside Node's). */
export type Row = { key: string; label: string; value: number; unit: string; target?: string; note?: string }

/**
 * A figure as the results table prints it: whole and grouped from 100 up, two decimals below.
 *
 * @example
 * formatFigure(28579.57) // '28,580'
 */
export const formatFigure = (v: number): string => (v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(2))

const seconds = (t0: number) => (performance.now() - t0) / 1000

/**
 * A wallet's copy of a 1M-leaf note tree in its store: the first write, a sync that appends one
 * batch (64 leaves) to it (the copy it appends to, then the write), and opening the wallet.
 */
function walletTreeStore(tree: MerkleTree, log: (line: string) => void): Row[] {
  const dir = mkdtempSync(join(tmpdir(), 'zkpay-bench-store-'))
  const path = join(dir, 'wallet.db')
  const write = (store: WalletStore, t: MerkleTree) => store.writeSync({ cursor: 1n, tree: t, newNotes: [], spent: [], history: [] })
  try {
    const store = openWalletStore({ path })
    let t0 = performance.now()
    write(store, tree)
    const whole = seconds(t0)
    t0 = performance.now()
    const grown = tree.clone()
    grown.insertMany(Array.from({ length: 64 }, (_, i) => BigInt(i + 7)))
    write(store, grown)
    const append = seconds(t0)
    store.close()
    t0 = performance.now()
    const reopened = openWalletStore({ path })
    const loaded = reopened.loadTree()
    const open = seconds(t0)
    reopened.close()
    if (loaded?.root !== grown.root) throw new Error('the stored tree did not read back')
    log(`wallet store, 1M-leaf tree: whole ${whole.toFixed(2)} s, sync of one batch ${(append * 1000).toFixed(0)} ms, open ${open.toFixed(2)} s`)
    return [
      { key: 'walletStore.tree1M.writeSeconds', label: 'Wallet store: write a 1M-leaf tree whole (first sync)', value: whole, unit: 's' },
      { key: 'walletStore.tree1M.appendSeconds', label: 'Wallet store: a sync appending 64 leaves to it (copy, append, write)', value: append, unit: 's' },
      { key: 'walletStore.tree1M.openSeconds', label: 'Wallet store: read the 1M-leaf tree back (open)', value: open, unit: 's' },
    ]
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Tree appends and wallet-sync trial decryption (issue: foundation). */
export async function benchCrypto(log: (line: string) => void): Promise<Row[]> {
  await initCrypto()
  const rows: Row[] = []

  // Note tree: 1,000,000 leaves in one append (a first sync collects its leaves, then appends),
  // and in ten appends of 100,000 (a sync that builds the tree page by page).
  const leaves = Array.from({ length: 1_000_000 }, (_, i) => BigInt(i + 1) * 0x9e3779b97f4a7c15n)
  await new MerkleTree().insertManyParallel(leaves.slice(0, 20_000)) // starts the workers
  let t0 = performance.now()
  await new MerkleTree().insertManyParallel(leaves)
  const treeSeconds = seconds(t0)
  rows.push({ key: 'tree.append1M.seconds', label: 'Tree: append 1,000,000 leaves at once', value: treeSeconds, unit: 's', target: '≤ 30' })
  rows.push({ key: 'tree.append1M.leavesPerSecond', label: 'Tree: bulk append rate', value: leaves.length / treeSeconds, unit: 'leaves/s' })
  const paged = new MerkleTree()
  t0 = performance.now()
  for (let i = 0; i < leaves.length; i += 100_000) await paged.insertManyParallel(leaves.slice(i, i + 100_000))
  const pagedSeconds = seconds(t0)
  rows.push({ key: 'tree.append1MPaged.seconds', label: 'Tree: append 1,000,000 leaves, 100,000 at a time', value: pagedSeconds, unit: 's' })
  log(`tree: 1M leaves in ${treeSeconds.toFixed(1)} s at once, ${pagedSeconds.toFixed(1)} s in pages of 100k`)
  rows.push(...walletTreeStore(paged, log))

  const serial = new MerkleTree()
  t0 = performance.now()
  serial.insertMany(leaves.slice(0, 100_000))
  rows.push({ key: 'tree.serial.leavesPerSecond', label: 'Tree: bulk append rate, one thread', value: 100_000 / seconds(t0), unit: 'leaves/s' })
  t0 = performance.now()
  for (let i = 0; i < 1000; i++) serial.insert(leaves[i]!)
  rows.push({ key: 'tree.insert.perSecond', label: 'Tree: single inserts (16 hashes each)', value: 1000 / seconds(t0), unit: 'inserts/s' })
  t0 = performance.now()
  for (let i = 0; i < 1000; i++) serial.path(i * 97)
  rows.push({ key: 'tree.path.perSecond', label: 'Tree: Merkle paths', value: 1000 / seconds(t0), unit: 'paths/s' })

  // Trial decryption of 3-output transactions (payment, change, fee note) that are not ours: the wallet-sync hot path.
  const sender = deriveKeys(new Uint8Array(32).fill(1))
  const scanner = deriveKeys(new Uint8Array(32).fill(2))
  const txs: EncryptedTransaction[] = Array.from({ length: 20_000 }, () => {
    const notes = [1n, 2n, 3n].map((amount) => ({ asset: 0n, amount, ownerPk: sender.ownerPk, blinding: randomFieldElement() }))
    const { epk, ciphertexts } = encryptNotes(
      notes.map((note) => ({ note })),
      notes.map(() => sender.vpk),
    )
    return { epk, ciphertexts, commitments: notes.map(noteCommitment) }
  })
  const outputs = txs.length * 3
  for (const tx of txs.slice(0, 2000)) decryptNotes({ ...scanner, ...tx })
  t0 = performance.now()
  for (const tx of txs) decryptNotes({ ...scanner, ...tx })
  const single = outputs / seconds(t0)
  rows.push({ key: 'sync.trialDecrypt.oneThread', label: 'Sync: trial decryption, one thread', value: single, unit: 'outputs/s' })
  const pool = new NoteScanner()
  await pool.scan(scanner, txs.slice(0, 4000))
  let best = 0
  for (let r = 0; r < 3; r++) {
    t0 = performance.now()
    await pool.scan(scanner, txs)
    best = Math.max(best, outputs / seconds(t0))
  }
  await pool.close()
  rows.push({ key: 'sync.trialDecrypt.allCores', label: `Sync: trial decryption, ${availableParallelism()} worker threads (best of 3)`, value: best, unit: 'outputs/s', target: '≥ 20,000' })
  log(`sync: ${single.toFixed(0)} outputs/s on one thread, ${best.toFixed(0)} on workers (${getPrimitives().name})`)

  const p = getPrimitives()
  const esk = new Uint8Array(32).fill(3)
  t0 = performance.now()
  for (let i = 0; i < 5000; i++) p.x25519(esk, scanner.vpk)
  rows.push({ key: 'x25519.perSecond', label: `x25519 ECDH (${p.name})`, value: 5000 / seconds(t0), unit: 'ECDH/s' })
  return rows
}
