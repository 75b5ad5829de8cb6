import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { parseEther } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { terminateProver } from '../../src/circuits/index.ts'
import { generateMnemonic } from '../../src/crypto/keys.ts'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import { createWallet, openWalletStore, type WalletStore } from '../../src/sdk/index.ts'
import { toTransactionJson } from '../../src/circuits/index.ts'
import { startTestNode, type TestNode } from '../helpers/node.ts'
import { Actor, type Devnet, MerkleTree, startDevnet } from '../helpers/rollup.ts'
import { deposit } from '../../src/settlement/deposit.ts'

// A deposit escrows on L1 first and asks the sequencer second. Whatever fails in between (the
// sequencer down, the sequencer refusing, the process gone), the escrow is recorded before it is
// made: the funds end up shielded (once) or back on L1, never lost. Real proofs, real anvil.

let devnet: Devnet
let node: TestNode
/** What the gate does with POST /v1/transactions: pass it on, answer 503, or refuse it. */
let gate: 'open' | 'down' | 'refuse' = 'open'
let proxy: Server
let proxyUrl: string

beforeAll(async () => {
  await initCrypto()
  devnet = await startDevnet({ depositTimeout: 30n })
  node = await startTestNode(devnet, { depositMarginBlocks: 0n })
  // The node behind a gate: reads always pass, submissions as `gate` says.
  proxy = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    if (req.method === 'POST' && gate !== 'open') {
      res.writeHead(gate === 'down' ? 503 : 400, { 'content-type': 'application/json' })
      res.end(JSON.stringify(gate === 'down' ? { code: 'UNAVAILABLE', message: 'down for maintenance' } : { code: 'UNKNOWN_ROOT', message: 'not synced' }))
      return
    }
    const upstream = await fetch(`${node.url}${req.url}`, { method: req.method!, headers: { 'content-type': 'application/json' }, ...(chunks.length ? { body: Buffer.concat(chunks) } : {}) })
    res.writeHead(upstream.status, { 'content-type': 'application/json' })
    res.end(Buffer.from(await upstream.arrayBuffer()))
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
})

afterAll(async () => {
  proxy?.closeAllConnections()
  await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()))
  await node?.stop()
  await devnet?.stop()
  await terminateProver()
})

const open = (mnemonic: string, store: WalletStore, account = 1) =>
  createWallet({ mnemonic, sequencerUrl: proxyUrl, rollupAddress: devnet.rollup, fromBlock: devnet.deployBlock, l1: devnet.accounts[account]!, store })

describe('a deposit whose submission fails', () => {
  it('the sequencer is down when the deposit is escrowed: DEPOSIT_NOT_SUBMITTED names the way back, and the next sync, in a new process on the same database, submits it; it is shielded once', async () => {
    const mnemonic = generateMnemonic()
    const store = openWalletStore({ path: ':memory:' })
    const wallet = open(mnemonic, store)
    gate = 'down'
    const error = await wallet.deposit({ amount: parseEther('0.5') }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'DEPOSIT_NOT_SUBMITTED' })
    expect((error as Error).message).toMatch(/escrowed on L1 .* the next sync submits it again, and `zkpay wallet reclaim` returns it once it unlocks/)
    expect(wallet.deposits()).toEqual([expect.objectContaining({ state: 'escrowed', amount: parseEther('0.5'), unlockBlock: expect.any(BigInt), lastError: 'UNAVAILABLE' })])
    expect(wallet.balance()).toBe(0n)

    // Still down at the next sync: nothing changes, nothing is lost.
    await wallet.sync()
    expect(wallet.deposits()[0]).toMatchObject({ state: 'escrowed', lastError: 'UNAVAILABLE' })

    // A restart (another wallet object on the same database) with the sequencer back.
    gate = 'open'
    const restarted = open(mnemonic, store)
    await restarted.sync()
    expect(restarted.deposits()[0]).toMatchObject({ state: 'submitted', txId: expect.stringMatching(/^0x/) })
    await node.waitFor(restarted.deposits()[0]!.txId!, ['settled', 'final'])
    await restarted.sync()
    expect(restarted.deposits()[0]!.state).toBe('settled')
    expect(restarted.balance()).toBe(parseEther('0.5'))
    await restarted.sync() // and again: never shielded twice
    expect(restarted.balance()).toBe(parseEther('0.5'))
  })

  it('the sequencer refuses the deposit: it stays escrowed, is not reclaimable before its unlock block, and then comes back to the L1 account', async () => {
    const mnemonic = generateMnemonic()
    const wallet = open(mnemonic, openWalletStore({ path: ':memory:' }), 2)
    const account = devnet.accounts[2]!.walletClient.account.address
    gate = 'refuse'
    const before = await devnet.publicClient.getBalance({ address: account })
    await expect(wallet.deposit({ amount: parseEther('0.25') })).rejects.toMatchObject({ code: 'DEPOSIT_NOT_SUBMITTED' })
    expect(before - (await devnet.publicClient.getBalance({ address: account }))).toBeGreaterThan(parseEther('0.25')) // escrowed, and gas
    const early = await wallet.reclaimDeposits()
    expect(early.reclaimed).toEqual([])
    expect(early.waiting).toEqual([expect.objectContaining({ amount: parseEther('0.25') })])

    await devnet.testClient.mine({ blocks: 31 })
    const { reclaimed } = await wallet.reclaimDeposits()
    expect(reclaimed).toEqual([expect.objectContaining({ state: 'reclaimed', amount: parseEther('0.25') })])
    const after = await devnet.publicClient.getBalance({ address: account })
    expect(before - after).toBeLessThan(parseEther('0.01')) // all back but the gas
    expect(wallet.deposits()[0]!.state).toBe('reclaimed')
    expect(wallet.history()[0]).toMatchObject({ kind: 'deposit', status: 'rejected' })

    // The sequencer is back: a reclaimed escrow is never submitted again.
    gate = 'open'
    await wallet.sync()
    expect(wallet.deposits()[0]!.state).toBe('reclaimed')
    expect(wallet.balance()).toBe(0n)
  })
})

describe('what the rollup owes an L1 account', () => {
  it('claimOwed collects it (a public tip owed to the batch submitter here), and answers 0 without sending anything when nothing is owed', async () => {
    gate = 'open'
    // A deposit that tips whoever posts its batch: the node's operator account is owed the tip.
    const tipper = new Actor(61)
    const { tx } = await tipper.transact(new MerkleTree(), { asset: 0n, extAmount: parseEther('0.02'), fee: parseEther('0.001') })
    await deposit(devnet.accounts[1]!, { rollup: devnet.rollup, asset: '0x0000000000000000000000000000000000000000', amount: parseEther('0.02'), extDataHash: tx.extDataHash, commitments: tx.commitments })
    const { body } = await node.post(toTransactionJson(tx))
    await node.waitFor(body.id!, ['settled', 'final'])

    const operator = open(generateMnemonic(), openWalletStore({ path: ':memory:' }), 0)
    const address = devnet.accounts[0]!.walletClient.account.address
    const before = await devnet.publicClient.getBalance({ address })
    expect(await operator.claimOwed()).toBe(parseEther('0.001'))
    expect(await devnet.publicClient.getBalance({ address })).toBeGreaterThan(before) // the tip, less the claim's gas
    expect(await operator.claimOwed()).toBe(0n)
  })
})

describe('a restarted devnet', () => {
  it('deploys the rollup at the same address on the same chain id: a wallet database of the old one is WRONG_NETWORK, not a phantom balance', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const dir = mkdtempSync(join(tmpdir(), 'zkpay-restart-'))
    try {
      const mnemonic = generateMnemonic()
      const file = join(dir, 'wallet.db')
      const first = await startDevnet()
      try {
        const w = createWallet({ mnemonic, sequencerUrl: 'http://127.0.0.1:9', rollupAddress: first.rollup, fromBlock: first.deployBlock, l1: first.accounts[1]!, store: openWalletStore({ path: file }) })
        await w.sync()
        w.store.close()
      } finally {
        await first.stop()
      }
      // A restart is later: anvil stamps blocks with the wall clock, so the same transactions make other blocks.
      await new Promise((resolve) => setTimeout(resolve, 1_100))
      const second = await startDevnet()
      try {
        expect(second.rollup).toBe(first.rollup) // the same address, the same chain id
        const w = createWallet({ mnemonic, sequencerUrl: 'http://127.0.0.1:9', rollupAddress: second.rollup, fromBlock: second.deployBlock, l1: second.accounts[1]!, store: openWalletStore({ path: file }) })
        await expect(w.sync()).rejects.toMatchObject({ code: 'WRONG_NETWORK', message: expect.stringMatching(/another deployment of the rollup|does not have/) })
        await expect(w.deposit({ amount: 1n })).rejects.toMatchObject({ code: 'WRONG_NETWORK' })
        w.store.close()
      } finally {
        await second.stop()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
