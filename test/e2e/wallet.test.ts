import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseEther, zeroAddress } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { terminateProver } from '../../src/circuits/index.ts'
import { serveHttp } from '../../src/cli/serveHttp.ts'
import { DEFAULT_HTTP_TIMEOUTS } from '../../src/config/index.ts'
import { encodeAddress } from '../../src/crypto/address.ts'
import { generateMnemonic } from '../../src/crypto/keys.ts'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import { openWalletStore, Wallet, type WalletStore } from '../../src/sdk/index.ts'
import { NodeWallet } from '../../src/sdk/wallet/nodeWallet.ts'
import { startTestNode, type TestNode } from '../helpers/node.ts'
import { type Devnet, startDevnet } from '../helpers/rollup.ts'

// The SDK wallet against a running node on anvil, with real proofs.

let devnet: Devnet
let node: TestNode
let mnemonic: string
let alice: Wallet
const open = (m: string, sequencerUrl = node.url, store?: WalletStore) =>
  new NodeWallet({ mnemonic: m, sequencerUrl, rollupAddress: devnet.rollup, fromBlock: devnet.deployBlock, l1: devnet.accounts[1]!, ...(store ? { store } : {}) })

beforeAll(async () => {
  await initCrypto()
  devnet = await startDevnet()
  node = await startTestNode(devnet)
  mnemonic = generateMnemonic()
  alice = open(mnemonic)
})

afterAll(async () => {
  await node?.stop()
  await devnet?.stop()
  await terminateProver()
})

describe('SDK wallet', () => {
  it('default: a deposit and a payment settle; a wallet restored from the mnemonic finds the same balance on L1 alone', async () => {
    await (await alice.deposit({ amount: parseEther('1') })).wait('settled')
    expect(alice.balance()).toBe(parseEther('1'))
    const bob = open(generateMnemonic())
    const paid = await (await alice.transfer({ to: bob.address, amount: parseEther('0.4'), memo: 'rent' })).wait('settled')
    expect(paid.l1TxHash).toMatch(/^0x[0-9a-f]{64}$/)
    expect(alice.balance()).toBe(parseEther('0.6'))
    await bob.sync()
    expect(bob.balance()).toBe(parseEther('0.4'))
    expect(bob.notes()[0]!.memo).toBe('rent')

    // The restored wallet reads L1 events only: its sequencer URL points nowhere.
    const restored = open(mnemonic, 'http://127.0.0.1:9')
    await restored.sync()
    expect(restored.balance()).toBe(parseEther('0.6'))
    expect(restored.notes().map((n) => n.leafIndex)).toEqual(alice.notes().map((n) => n.leafIndex))
  })

  it('error: too little balance, a bad address, an unreachable node, and a double spend are clear errors that lock nothing', async () => {
    await expect(alice.transfer({ to: alice.address, amount: parseEther('5') })).rejects.toMatchObject({ code: 'INSUFFICIENT_BALANCE' })
    await expect(alice.transfer({ to: 'zkpt1notanaddress', amount: 1n })).rejects.toMatchObject({ code: expect.stringMatching(/^ADDRESS_/) })
    await expect(alice.withdraw({ to: '0x1234' as `0x${string}`, amount: 1n })).rejects.toMatchObject({ code: 'INVALID_PARAMETER' })
    const offline = open(mnemonic, 'http://127.0.0.1:9')
    await offline.sync()
    await expect(offline.transfer({ to: alice.address, amount: 1n })).rejects.toMatchObject({ code: 'NODE_UNREACHABLE' })
    expect(offline.balance()).toBe(parseEther('0.6')) // the note it tried to spend is free again

    // A node that accepts the connection and never answers: the wallet gives up, and frees the note.
    const hung = createServer(() => {})
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve))
    try {
      const hungUrl = `http://127.0.0.1:${(hung.address() as AddressInfo).port}`
      const patient = new NodeWallet({ mnemonic, sequencerUrl: hungUrl, rollupAddress: devnet.rollup, fromBlock: devnet.deployBlock, l1: devnet.accounts[1]!, requestTimeoutMs: 300 })
      await patient.sync()
      await expect(patient.transfer({ to: alice.address, amount: 1n })).rejects.toMatchObject({ code: 'NODE_UNREACHABLE' })
      expect(patient.balance()).toBe(parseEther('0.6'))
      expect(() => new NodeWallet({ mnemonic, sequencerUrl: hungUrl, rollupAddress: devnet.rollup, fromBlock: 0n, l1: devnet.accounts[1]!, requestTimeoutMs: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }))
    } finally {
      hung.closeAllConnections()
      await new Promise<void>((resolve) => hung.close(() => resolve()))
    }

    // A second copy of the wallet spends the same note first: the first copy's spend is refused
    // by the sequencer, and its note is released.
    const twin = open(mnemonic)
    await twin.sync()
    const first = await twin.withdraw({ to: privateKeyToAccount(generatePrivateKey()).address, amount: parseEther('0.1') })
    // A wait that gives up is WAIT_TIMEOUT (the node answered; the transaction goes on), not NODE_UNREACHABLE.
    await expect(first.wait('final', { timeoutMs: 0 })).rejects.toMatchObject({ code: 'WAIT_TIMEOUT', message: expect.stringMatching(/not yet final: .*wait again rather than pay again/) })
    await expect(alice.transfer({ to: alice.address, amount: parseEther('0.1') })).rejects.toMatchObject({ code: 'TRANSACTION_REJECTED', reason: expect.stringMatching(/^NULLIFIER_(PENDING|SPENT)$/) })
    expect(alice.balance()).toBe(parseEther('0.6'))
    await first.wait('settled')
    await alice.sync()
    expect(alice.balance()).toBe(parseEther('0.5'))

    // Two payments at once from one note: the second finds it locked while the first proves,
    // instead of proving a double spend for the sequencer to refuse.
    expect(alice.notes()).toHaveLength(1)
    // Either may lock it first: each asks the node for its fee quote before it picks notes.
    const outcomes = await Promise.allSettled([alice.transfer({ to: alice.address, amount: 1n }), alice.transfer({ to: alice.address, amount: 1n })])
    const codes = outcomes.map((o) => (o.status === 'rejected' ? (o.reason as { code?: string }).code : o.status))
    // On failure, each refusal's sentence.
    const said = outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Error).message : o.status)).join(' | ')
    expect(codes.sort(), said).toEqual(['INSUFFICIENT_BALANCE', 'fulfilled'])
    expect(alice.balance()).toBe(0n) // the one note is being spent
  })

  it('behavior: with no two notes enough, a payment merges notes first; a wallet file keeps notes and history across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zkpay-wallet-'))
    try {
      const m = generateMnemonic()
      const carol = open(m, node.url, openWalletStore({ path: join(dir, 'carol.db') }))
      // Three deposits of 0.1 in one batch: no two of them cover 0.25.
      const deposits = await Promise.all([1, 2, 3].map(() => carol.deposit({ amount: parseEther('0.1') })))
      await Promise.all(deposits.map((h) => h.wait('settled')))
      expect(carol.notes().map((n) => n.note.amount)).toEqual(Array(3).fill(parseEther('0.1')))
      const dave = open(generateMnemonic())
      const paid = await (await carol.transfer({ to: dave.address, amount: parseEther('0.25'), memo: 'three notes' })).wait('settled')
      expect(paid.status).toMatch(/settled|final/)
      expect(carol.balance()).toBe(parseEther('0.05'))
      await dave.sync()
      expect(dave.balance()).toBe(parseEther('0.25'))
      const kinds = carol.history().map((h) => [h.kind, h.amount, h.status])
      // Settled, or already final (two blocks on top) for the earlier ones.
      const onL1 = expect.stringMatching(/^(settled|final)$/)
      expect(kinds).toEqual([
        ['deposit', parseEther('0.1'), onL1],
        ['deposit', parseEther('0.1'), onL1],
        ['deposit', parseEther('0.1'), onL1],
        ['merge', 0n, onL1],
        ['send', parseEther('0.25'), onL1],
      ])
      expect(carol.history().at(-1)).toMatchObject({ counterparty: dave.address, memo: 'three notes', l1TxHash: paid.l1TxHash })
      const carolHistory = carol.history()
      carol.store.close()

      // Reopened from its file: the same notes and history before any sync, and the next sync
      // starts where the last one ended (from the deployment block, its saved tree would not
      // match the first batch and the sync would fail).
      const again = open(m, node.url, openWalletStore({ path: join(dir, 'carol.db') }))
      expect(again.balance()).toBe(parseEther('0.05'))
      expect(again.history()).toEqual(carolHistory)
      const { newNotes } = await again.sync()
      expect(newNotes).toEqual([])
      expect(again.balance()).toBe(parseEther('0.05'))
      again.store.close()

      // The history of a wallet restored from its mnemonic alone, from what the chain shows: its
      // notes to itself (internal) are deposits, a merge and change, never something received.
      const restored = open(m)
      await restored.sync()
      expect(restored.balance()).toBe(parseEther('0.05'))
      expect(restored.history().map((h) => [h.kind, h.amount])).toEqual([
        ['deposit', parseEther('0.1')],
        ['deposit', parseEther('0.1')],
        ['deposit', parseEther('0.1')],
        ['merge', 0n],
        ['send', parseEther('0.25')],
      ])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('error: a wallet file of another account or rollup, and an address of the other network, are refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zkpay-wallet-'))
    try {
      const path = join(dir, 'w.db')
      const store = openWalletStore({ path })
      open(generateMnemonic(), node.url, store)
      expect(() => open(generateMnemonic(), node.url, store)).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }))
      store.close()
      const other = openWalletStore({ path: join(dir, 'other.db') })
      other.setMeta('rollup', zeroAddress)
      other.setMeta('address', alice.address)
      expect(() => open(mnemonic, node.url, other)).toThrow(expect.objectContaining({ code: 'WRONG_NETWORK' }))
      other.close()
      const mainnet = encodeAddress({ ownerPk: alice.keys.ownerPk, vpk: alice.keys.vpk }, 'mainnet')
      await expect(alice.transfer({ to: mainnet, amount: 1n })).rejects.toMatchObject({ code: 'WRONG_NETWORK' })
      expect(() => openWalletStore({ path: join(path, 'inside-a-file.db') })).toThrow(expect.objectContaining({ code: 'STORE_OPEN_FAILED' }))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('behavior: wait() asks for its status when a batch moves (the event stream), takes the L1 transaction from that status, and polls when the stream is refused', async () => {
    // A front for the node that records every request, and can refuse the event stream.
    const fronted = async (refuseEvents: boolean, lie = false, limitEvery = 0) => {
      const seen: string[] = []
      let asked = 0
      const fakeId = `0x${'ab'.repeat(32)}`
      const app = new Hono()
        .use('*', async (c, next) => {
          seen.push(`${c.req.method} ${c.req.path.replace(/0x[0-9a-f]+$/, ':id')}`)
          await next()
        })
        // A lying node: it takes the transaction without passing it on, then calls it settled.
        .post('/v1/transactions', async (c, next) => (lie ? c.json({ id: fakeId, status: 'pending' }, 202) : next()))
        .get('/v1/transactions/:id', async (c, next) => {
          if (lie) return c.json({ id: fakeId, status: 'settled', batchNumber: 1, position: 0, l1TxHash: `0x${'de'.repeat(32)}` })
          // A rate limiter that refuses every `limitEvery`-th status request.
          if (limitEvery > 0 && ++asked % limitEvery === 1) return c.json({ code: 'RATE_LIMITED', message: 'slow down' }, 429)
          return next()
        })
        .get('/v1/events', (c) => (refuseEvents ? c.json({ code: 'TOO_MANY_STREAMS', message: 'refused' }, 503) : fetch(`${node.url}/v1/events`, { signal: c.req.raw.signal })))
        .all('*', (c) => fetch(new Request(`${node.url}${new URL(c.req.url).pathname}${new URL(c.req.url).search}`, c.req.raw)))
      const server = await serveHttp({ fetch: app.fetch, port: 0, hostname: '127.0.0.1', ...DEFAULT_HTTP_TIMEOUTS })
      return { ...server, seen }
    }
    // What a batch does meanwhile, as any subscriber sees it.
    const batchEvents: string[] = []
    const stream = new AbortController()
    void node.client.v1.events.$get(undefined, { init: { signal: stream.signal } }).then(async (res) => {
      for await (const chunk of res.body!.pipeThrough(new TextDecoderStream())) batchEvents.push(...(chunk.match(/^event: batch$/gm) ?? []))
    }).catch(() => undefined)

    const live = await fronted(false)
    const refused = await fronted(true)
    const lying = await fronted(true, true)
    const limited = await fronted(true, false, 2)
    try {
      const payerMnemonic = generateMnemonic()
      const payer = open(payerMnemonic, live.url)
      const started = Date.now()
      const deposited = await (await payer.deposit({ amount: parseEther('0.05') })).wait('settled')
      const elapsed = Date.now() - started
      expect(live.seen).toContain('GET /v1/events')
      expect(live.seen.filter((r) => r.startsWith('GET /v1/batches'))).toEqual([])
      const batch = await node.get<{ l1TxHash: string }>(`/v1/batches/${deposited.batchNumber}`)
      expect(deposited.l1TxHash).toBe(batch.l1TxHash)
      // One status request per batch event and per 2 s recheck, and the first: not one per 150 ms.
      const asked = live.seen.filter((r) => r === 'GET /v1/transactions/:id').length
      expect(asked).toBeLessThanOrEqual(batchEvents.length + Math.ceil(elapsed / 2_000) + 1)
      // Two waits at once share one stream: a node serves a limited number of them.
      const streamsBefore = live.seen.filter((r) => r === 'GET /v1/events').length
      const handles = [await payer.deposit({ amount: parseEther('0.01') }), await payer.deposit({ amount: parseEther('0.02') })]
      await Promise.all(handles.map((h) => h.wait('settled')))
      expect(live.seen.filter((r) => r === 'GET /v1/events').length).toBe(streamsBefore + 1)
      expect(payer.balance()).toBe(parseEther('0.08'))

      // The node refuses the stream (TOO_MANY_STREAMS): the wait polls and still gets there.
      const polling = open(generateMnemonic(), refused.url)
      const settled = await (await polling.deposit({ amount: parseEther('0.05') })).wait('settled')
      expect(refused.seen).toContain('GET /v1/events')
      expect(settled.l1TxHash).toBe((await node.get<{ l1TxHash: string }>(`/v1/batches/${settled.batchNumber}`)).l1TxHash)
      expect(polling.balance()).toBe(parseEther('0.05'))
      // Rate limited now and then (429): the wait asks again rather than give up.
      const patient = open(generateMnemonic(), limited.url)
      await (await patient.deposit({ amount: parseEther('0.02') })).wait('settled')
      expect(limited.seen.filter((r) => r === 'GET /v1/transactions/:id').length).toBeGreaterThan(1)
      expect(patient.balance()).toBe(parseEther('0.02'))

      // A node that calls a transaction settled is not believed until L1 says so: the wait gives up.
      const fooled = open(payerMnemonic, lying.url)
      await fooled.sync()
      const claimed = await fooled.transfer({ to: polling.address, amount: parseEther('0.01') })
      await expect(claimed.wait('settled', { timeoutMs: 2_000 })).rejects.toMatchObject({ code: 'WAIT_TIMEOUT' })
      expect(fooled.history().at(-1)).toMatchObject({ status: 'pending', l1TxHash: null })
    } finally {
      stream.abort()
      await live.close()
      await refused.close()
      await lying.close()
      await limited.close()
    }
  })
})
