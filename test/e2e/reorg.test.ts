import { beforeAll, describe, expect, it } from 'vitest'
import { toTransactionJson } from '../../src/circuits/index.ts'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseEther, zeroAddress } from 'viem'
import { toHex32 } from '../../src/crypto/field.ts'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import { createLogger } from '../../src/log/index.ts'
import type { SequencerEvent } from '../../src/sequencer/index.ts'
import { deposit } from '../../src/settlement/deposit.ts'
import { readRollupState } from '../../src/settlement/readRollupState.ts'
import { submitBatch } from '../../src/settlement/submitBatch.ts'
import { openWalletStore, Wallet } from '../../src/sdk/index.ts'
import { NodeWallet } from '../../src/sdk/wallet/nodeWallet.ts'
import { createMerchant, type MerchantEvent } from '../../src/sdk/merchant/index.ts'
import { deriveKeys, generateMnemonic } from '../../src/crypto/keys.ts'
import { exportViewingKey } from '../../src/crypto/viewingKeys.ts'
import { deferCleanups } from '../helpers/cleanups.ts'
import { startTestNode } from '../helpers/node.ts'
import { until } from '../helpers/nodeProcess.ts'
import { Actor, type Devnet, escrowedDeposit, leafIndexes, MerkleTree, proveBatchFor, reorgTo, startDevnet } from '../helpers/rollup.ts'

// L1 reorgs on anvil, with real proofs: evm_snapshot before a batch's block, evm_revert after it
// settled, then empty blocks past the old head, so the batch's height holds another block. The
// node, a wallet and a merchant must each notice, undo what the orphaned block brought, and
// follow the new chain; `final` must never be undone.

type Status = {
  root: string
  leafCount: number
  l1: { ok: boolean; code?: string; error?: string; lastReorg?: { fromBlock: number; toBlock: number; reverted: number[]; removed: number[] } }
}
type Batch = { state: string; l1Block: number | null; l1TxHash: `0x${string}` | null }

let alice: Actor
const defer = deferCleanups()

beforeAll(async () => {
  await initCrypto()
  alice = new Actor(1)
})

async function devnetWithCleanup(): Promise<Devnet> {
  const devnet = await startDevnet()
  defer(() => devnet.stop())
  return devnet
}

describe('L1 reorgs: the node', () => {
  it('behavior: a settled batch orphaned by a reorg goes back to submitted, is posted again and settles on the new chain; nothing is lost or duplicated', async () => {
    const devnet = await devnetWithCleanup()
    const node = await startTestNode(devnet, { confirmations: 50 })
    defer(() => node.stop())
    const tx = await escrowedDeposit(devnet, alice, 10n)
    const snapshot = await devnet.testClient.snapshot()
    const events: SequencerEvent[] = []
    node.sequencer.on('event', (e) => events.push(e))
    const { body } = await node.post(toTransactionJson(tx))
    await node.waitFor(body.id!, ['settled'])
    const first = await node.get<Batch>('/v1/batches/1')
    const orphaned = await devnet.publicClient.getBlock({ blockNumber: BigInt(first.l1Block!) })

    await reorgTo(devnet, snapshot, 3)
    expect((await devnet.publicClient.getBlock({ blockNumber: orphaned.number })).hash).not.toBe(orphaned.hash)
    const seen = await until('the node to roll the reorg back', async () => (await node.get<Status>('/v1/status')).l1.lastReorg)
    expect(seen).toMatchObject({ reverted: [1], removed: [], toBlock: expect.any(Number) })
    expect(seen.fromBlock).toBeLessThanOrEqual(Number(orphaned.number))
    await until('the batch to settle again', async () => ((await node.get<Batch>('/v1/batches/1')).state === 'settled' ? true : undefined))

    const again = await node.get<Batch>('/v1/batches/1')
    const receipt = await devnet.publicClient.getTransactionReceipt({ hash: again.l1TxHash! })
    expect(receipt).toMatchObject({ status: 'success', blockNumber: BigInt(again.l1Block!) })
    expect((await node.get<{ status: string }>(`/v1/transactions/${body.id}`)).status).toBe('settled')
    // L1, the store, the tree and /v1/status agree: one batch, its three notes, once.
    const l1 = await readRollupState(devnet.publicClient, { rollup: devnet.rollup })
    expect(l1).toMatchObject({ batchCount: 1n, nextLeafIndex: 64n })
    expect(await node.get<Status>('/v1/status')).toMatchObject({ root: toHex32(l1.currentRoot), leafCount: 64 })
    expect(node.sequencer.tree.root).toBe(l1.currentRoot)
    expect((await node.store.listNotes(0, 100)).map((n) => [n.leafIndex, n.batchNumber, n.commitment])).toEqual(tx.commitments.map((c, i) => [i, 1, c]))
    // Settled, taken back to submitted by the rollback, then (posted again) settled once more.
    const batchStates = events.filter((e) => e.type === 'batch' && e.number === 1).map((e) => e.type === 'batch' && e.state)
    const settledAt = batchStates.indexOf('settled')
    expect(batchStates.slice(settledAt, settledAt + 2)).toEqual(['settled', 'submitted'])
    expect([batchStates.filter((state) => state === 'settled').length, batchStates.at(-1)]).toEqual([2, 'settled'])
  })

  it('error: a reorg that orphans a final batch stops the node with REORG_TOO_DEEP; it rewrites nothing and seals nothing', async () => {
    const devnet = await devnetWithCleanup()
    const lines: { level: string; msg: string; code?: string }[] = []
    const logger = createLogger('node', { destination: { write: (line: string) => void lines.push(JSON.parse(line)) } })
    const node = await startTestNode(devnet, { confirmations: 2, logger })
    defer(() => node.stop())
    const first = await escrowedDeposit(devnet, alice, 20n)
    const later = await escrowedDeposit(devnet, alice, 30n)
    const snapshot = await devnet.testClient.snapshot()
    const { body } = await node.post(toTransactionJson(first))
    await node.waitFor(body.id!, ['settled', 'final'])
    await devnet.testClient.mine({ blocks: 1 })
    await node.waitFor(body.id!, ['final'])
    const before = await node.get<Status>('/v1/status')

    await reorgTo(devnet, snapshot, 5)
    const status = await until('the node to stop', async () => {
      const s = await node.get<Status>('/v1/status')
      return s.l1.code ? s : undefined
    })
    expect(status.l1).toMatchObject({ ok: false, code: 'REORG_TOO_DEEP', message: expect.stringContaining('final batch 1') })
    expect(lines.filter((l) => l.level === 'error' && l.msg.includes('orphaned a final batch'))).toHaveLength(1)
    // The later deposit is still escrowed on the new chain, so only the stop keeps it from a batch.
    const { body: queued } = await node.post(toTransactionJson(later))
    expect(queued.id).toBeDefined()
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    expect(await node.get<{ status: string }>(`/v1/transactions/${queued.id}`)).toMatchObject({ status: 'pending' })
    expect(await node.get<Batch>('/v1/batches/1')).toMatchObject({ state: 'final' })
    expect(await node.store.getBatch(2)).toBeUndefined()
    expect(await node.get<Status>('/v1/status')).toMatchObject({ root: before.root, leafCount: 64, l1: { code: 'REORG_TOO_DEEP' } })
    expect(await node.store.listNotes(0, 100)).toHaveLength(3) // the final batch's deposit: payment, change, fee output
  })
})

describe('L1 reorgs: a wallet', () => {
  it('behavior: a note received in an orphaned batch disappears, the note it spent is unspent again, and the tree is L1’s; after the batch settles again both come back', async () => {
    const devnet = await devnetWithCleanup()
    const dir = mkdtempSync(join(tmpdir(), 'zkpay-reorg-wallet-'))
    defer(() => rmSync(dir, { recursive: true, force: true }))
    // Wallets of two actors whose transactions are posted straight to L1 (no node: the wallet
    // reads L1 alone, and nothing re-posts the orphaned batch behind the test's back).
    const bob = new Actor(2)
    const wallet = (actor: number, file?: string) =>
      new NodeWallet({
        seed: new Uint8Array(32).fill(actor),
        sequencerUrl: 'http://127.0.0.1:9',
        rollupAddress: devnet.rollup,
        fromBlock: devnet.deployBlock,
        l1: devnet.accounts[1]!,
        ...(file ? { store: openWalletStore({ path: join(dir, file) }) } : {}),
      })
    const tree = new MerkleTree()
    const post = async (txs: Parameters<typeof proveBatchFor>[2]) => {
      const batch = await proveBatchFor(tree, devnet.rollup, txs)
      await submitBatch(devnet.accounts[0]!, batch)
      batch.commit()
      return batch
    }
    const dep = await alice.transact(tree, { asset: 0n, extAmount: 100n })
    await deposit(devnet.accounts[1]!, { rollup: devnet.rollup, asset: zeroAddress, amount: 100n, extDataHash: dep.tx.extDataHash, commitments: dep.tx.commitments })
    const first = await post([dep.tx])
    const snapshot = await devnet.testClient.snapshot()
    const pay = await alice.transact(tree, { asset: 0n, inputs: [{ note: dep.change, leafIndex: leafIndexes(first.startIndex, 0)[1] }], pay: { to: bob, amount: 40n } })
    const second = await post([pay.tx])
    const aliceWallet = wallet(1, 'alice.db')
    const bobWallet = wallet(2)
    await aliceWallet.sync()
    await bobWallet.sync()
    expect([aliceWallet.balance(), bobWallet.balance()]).toEqual([60n, 40n])
    expect(bobWallet.history()).toMatchObject([{ kind: 'receive', amount: 40n, status: 'settled' }])

    await reorgTo(devnet, snapshot, 3)
    await aliceWallet.sync()
    await bobWallet.sync()
    const l1 = await readRollupState(devnet.publicClient, { rollup: devnet.rollup })
    expect([bobWallet.balance(), bobWallet.notes(), bobWallet.history()]).toEqual([0n, [], []])
    expect(aliceWallet.notes()).toMatchObject([{ leafIndex: 1, spent: false, pending: false, note: { amount: 100n } }])
    expect(aliceWallet.balance()).toBe(100n)
    expect(aliceWallet.history().map((h) => [h.kind, h.amount])).toEqual([['receive', 100n]])
    // The local trees, and the one alice's store wrote back, are L1's again.
    for (const w of [aliceWallet, bobWallet]) expect(w.store.loadTree()?.root).toBe(l1.currentRoot)
    expect(l1.nextLeafIndex).toBe(64n)

    // The same batch settles on the new chain (its old root is L1's again): both wallets find it.
    await submitBatch(devnet.accounts[0]!, second)
    await aliceWallet.sync()
    await bobWallet.sync()
    expect([aliceWallet.balance(), bobWallet.balance()]).toEqual([60n, 40n])
    expect(aliceWallet.store.loadTree()?.root).toBe(second.newRoot)
  })
})

describe('L1 reorgs: a merchant', () => {
  it('behavior: an invoice settled by an orphaned batch goes back to paid with invoice.unsettled while the node has it again; settled again, it says so again', async () => {
    const devnet = await devnetWithCleanup()
    const node = await startTestNode(devnet, { confirmations: 50 })
    defer(() => node.stop())
    const shop = await createMerchant({
      viewingKey: exportViewingKey(deriveKeys(new Uint8Array(32).fill(9)), 'incoming', 'testnet'),
      sequencerUrl: node.url,
      publicClient: devnet.publicClient,
      rollupAddress: devnet.rollup,
      fromBlock: devnet.deployBlock,
      confirmations: 6,
    })
    defer(() => shop.close())
    const events: MerchantEvent[] = []
    shop.on('*', (e) => events.push(e))
    const payer = new NodeWallet({ mnemonic: generateMnemonic(), sequencerUrl: node.url, rollupAddress: devnet.rollup, fromBlock: devnet.deployBlock, l1: devnet.accounts[1]! })
    await (await payer.deposit({ amount: parseEther('1') })).wait('settled')
    const invoice = await shop.createInvoice({ amount: parseEther('0.25'), expiresIn: 600 })
    const snapshot = await devnet.testClient.snapshot()
    const paying = await payer.transfer({ to: shop.address, amount: parseEther('0.25'), memo: invoice.memo })
    await paying.wait('settled')
    await shop.sync()
    expect(shop.getInvoice(invoice.id).state).toBe('settled')

    // The reorg, with blocks mined by hand from here: the node's second posting waits in the pool.
    await devnet.testClient.setAutomine(false)
    await reorgTo(devnet, snapshot, 3)
    await until('the node to take the payment back', async () => ((await node.get<{ status: string }>(`/v1/transactions/${paying.id}`)).status === 'submitted' ? true : undefined))
    await shop.sync()
    expect(shop.getInvoice(invoice.id)).toMatchObject({ state: 'paid', received: parseEther('0.25'), payments: [{ status: 'sequenced', blockNumber: null }] })
    const unsettled = events.filter((e) => e.type === 'invoice.unsettled')
    expect(unsettled).toMatchObject([{ invoice: { id: invoice.id, state: 'paid' } }])

    await devnet.testClient.mine({ blocks: 1 })
    await devnet.testClient.setAutomine(true)
    await node.waitFor(paying.id, ['settled'])
    await shop.sync()
    expect(shop.getInvoice(invoice.id)).toMatchObject({ state: 'settled', payments: [{ status: 'settled' }] })
    const settled = events.filter((e) => e.type === 'invoice.settled')
    expect(settled).toHaveLength(2)
    expect(settled[1]!.id).not.toBe(settled[0]!.id)
    expect(events.map((e) => e.type)).toEqual(['invoice.paid', 'invoice.settled', 'invoice.unsettled', 'invoice.settled'])
  })
})
