import { type Address, createPublicClient, createWalletClient, http, parseEther, type PublicClient, toFunctionSelector, zeroAddress } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { terminateProver } from '../../src/circuits/index.ts'
import { generateMnemonic } from '../../src/crypto/keys.ts'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import { openWalletStore, Wallet, type WalletStore } from '../../src/sdk/index.ts'
import { NodeWallet } from '../../src/sdk/wallet/nodeWallet.ts'
import { fromTransactionJson, type TransactionJson, toTransactionJson } from '../../src/circuits/index.ts'
import { type HoldingProxy, startHoldingProxy } from '../helpers/holdingProxy.ts'
import { startTestNode, type TestNode } from '../helpers/node.ts'
import { Actor, DEV_MNEMONIC, type Devnet, MerkleTree, startDevnet } from '../helpers/rollup.ts'
import { transactionId } from '../../src/sequencer/index.ts'
import { StoreError } from '../../src/errors/index.ts'
import type { SettlementClients } from '../../src/settlement/clients.ts'
import { deposit } from '../../src/settlement/deposit.ts'
import { deployTestToken } from '../../src/settlement/deployTestToken.ts'
import { rollupAbi, testTokenAbi } from '../../src/settlement/generated/contracts.ts'
import { reclaimDeposit } from '../../src/settlement/reclaimDeposit.ts'

// A deposit escrows on L1 first and asks the sequencer second. Whatever fails in between (the
// sequencer down, the sequencer refusing, the process gone), the escrow is recorded before it is
// made: the funds end up shielded (once) or back on L1, never lost. Real proofs, real anvil.

let devnet: Devnet
let node: TestNode
/** What the gate does with POST /v1/transactions: pass it on, answer 503, refuse it, or pass it on and lose the answer. */
/** `lying`: a 202 whose id is not an id (a hostile node, or whoever rewrites plain-http answers) */
let gate: 'open' | 'down' | 'refuse' | 'lost' | 'lying' = 'open'
let proxy: HoldingProxy
let proxyUrl: string

beforeAll(async () => {
  await initCrypto()
  devnet = await startDevnet({ depositTimeout: 30n })
  node = await startTestNode(devnet, { depositMarginBlocks: 0n })
  // The node behind a gate: reads always pass, submissions as `gate` says.
  proxy = await startHoldingProxy(
    () => node.url,
    (r) =>
      r.method !== 'POST' || gate === 'open'
        ? 'pass'
        : gate === 'lost'
          ? 'passThenHold'
          : gate === 'lying'
            ? { status: 202, json: { id: null, status: 'pending' } }
            : { status: gate === 'down' ? 503 : 400, json: gate === 'down' ? { code: 'UNAVAILABLE', message: 'down for maintenance' } : { code: 'UNKNOWN_ROOT', message: 'not synced' } },
  )
  proxyUrl = proxy.url
})

afterAll(async () => {
  await proxy?.close()
  await node?.stop()
  await devnet?.stop()
  await terminateProver()
})

/** Dev account 1's L1 clients, reaching anvil through `rpcUrl` (a proxy). */
const account1Through = (rpcUrl: string): SettlementClients => {
  const transport = http(rpcUrl)
  return {
    publicClient: createPublicClient({ chain: foundry, transport, pollingInterval: 50 }) as PublicClient,
    walletClient: createWalletClient({ account: mnemonicToAccount(DEV_MNEMONIC, { addressIndex: 1 }), chain: foundry, transport }),
  }
}

const open = (mnemonic: string, store: WalletStore, account = 1) =>
  new NodeWallet({ mnemonic, sequencerUrl: proxyUrl, rollupAddress: devnet.rollup, fromBlock: devnet.deployBlock, l1: devnet.accounts[account]!, store })

describe('a deposit whose submission fails', () => {
  it("error: a store that cannot make the escrow's record durable (a browser's IndexedDB failing) stops the deposit before L1: STORE_WRITE_FAILED, nothing escrowed, nothing sent", async () => {
    const store = openWalletStore({ path: ':memory:' })
    // The SQLite store in every way but durability: its flush fails, as IndexedDB's does over quota.
    const flush = () => Promise.reject(new StoreError('STORE_WRITE_FAILED', 'The wallet store could not save a write (quota).'))
    const failing = new Proxy(store, {
      get: (target, key) => (key === 'flush' ? flush : typeof Reflect.get(target, key) === 'function' ? (Reflect.get(target, key) as (...a: unknown[]) => unknown).bind(target) : Reflect.get(target, key)),
    }) as WalletStore
    const wallet = open(generateMnemonic(), failing)
    const account = devnet.accounts[1]!.walletClient.account.address
    const [balance, nonce, posts] = [await devnet.publicClient.getBalance({ address: account }), await devnet.publicClient.getTransactionCount({ address: account }), proxy.requests.filter((r) => r.method === 'POST').length]
    await expect(wallet.deposit({ amount: parseEther('0.01') })).rejects.toMatchObject({ code: 'STORE_WRITE_FAILED' })
    expect(await devnet.publicClient.getTransactionCount({ address: account })).toBe(nonce)
    expect(await devnet.publicClient.getBalance({ address: account })).toBe(balance)
    expect(proxy.requests.filter((r) => r.method === 'POST').length).toBe(posts)
  })

  it('behavior: syncs running while deposit() escrows and submits (a page syncs on a timer) leave the submission to it: one POST, no duplicate refused, shielded once', async () => {
    const wallet = open(generateMnemonic(), openWalletStore({ path: ':memory:' }))
    const posts = () => proxy.requests.filter((r) => r.method === 'POST').length
    const before = posts()
    let done = false
    const syncs: Promise<unknown>[] = []
    const handle = await wallet
      .deposit({
        amount: parseEther('0.01'),
        onProgress: (step) => {
          if (step !== 'escrowing') return
          // From the escrow on, a sync after every other, until the deposit call returns.
          const loop = async (): Promise<void> => {
            while (!done) await wallet.sync()
          }
          syncs.push(loop())
        },
      })
      .finally(() => (done = true))
    await Promise.all(syncs)
    expect(posts() - before).toBe(1)
    expect(wallet.deposits()).toEqual([expect.objectContaining({ state: 'submitted', txId: handle.id, lastError: null })])
    await handle.wait('settled')
    await wallet.sync()
    expect(wallet.balance()).toBe(parseEther('0.01'))
    expect(posts() - before).toBe(1)
  })

  it('the sequencer is down when the deposit is escrowed: DEPOSIT_NOT_SUBMITTED names the way back, and the next sync, in a new process on the same database, submits it; it is shielded once', async () => {
    const mnemonic = generateMnemonic()
    const store = openWalletStore({ path: ':memory:' })
    const wallet = open(mnemonic, store)
    gate = 'down'
    const error = await wallet.deposit({ amount: parseEther('0.5') }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'DEPOSIT_NOT_SUBMITTED' })
    expect((error as Error).message).toMatch(/escrowed on L1 .* the next sync submits it again, and a reclaim \(`zkpay wallet reclaim`, or Reclaim on the web wallet's Deposit screen\) returns it to the L1 account once it unlocks/)
    expect(wallet.deposits()).toEqual([expect.objectContaining({ state: 'escrowed', amount: parseEther('0.5'), unlockBlock: expect.any(BigInt), lastError: 'UNAVAILABLE' })])
    expect(wallet.balance()).toBe(0n)

    // Still down at the next sync: nothing changes, nothing is lost.
    await wallet.sync()
    expect(wallet.deposits()[0]).toMatchObject({ state: 'escrowed', lastError: 'UNAVAILABLE' })
    // An answer that admits it under no id does not record it submitted: it would never be
    // submitted again, nor reclaimed.
    gate = 'lying'
    await wallet.sync()
    expect(wallet.deposits()[0]).toMatchObject({ state: 'escrowed', txId: null, lastError: 'HTTP_202' })

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

describe('an escrow that never was, or that went elsewhere', () => {
  /** The POSTs the node was sent for the transaction whose first output commitment is `c0`. */
  const postsOf = (c0: string) => proxy.requests.filter((r) => r.method === 'POST' && r.body.toString().includes(c0))

  it('error: the rollup refuses the escrow itself (an ERC-20 deposit beyond what the account holds): ROLLUP_REVERTED, recorded void at once, nothing leaves the account but gas, and no sync ever submits it', async () => {
    gate = 'open'
    const token = await deployTestToken(devnet.accounts[0]!)
    const account = devnet.accounts[2]!.walletClient.account.address
    const balanceOf = (owner: Address) => devnet.publicClient.readContract({ address: token, abi: testTokenAbi, functionName: 'balanceOf', args: [owner] })
    const mint = await devnet.accounts[0]!.walletClient.writeContract({ address: token, abi: testTokenAbi, functionName: 'mint', args: [account, parseEther('0.1')], gas: 100_000n })
    await devnet.publicClient.waitForTransactionReceipt({ hash: mint })
    const mnemonic = generateMnemonic()
    const wallet = open(mnemonic, openWalletStore({ path: ':memory:' }), 2)
    const eth = await devnet.publicClient.getBalance({ address: account })

    // The rollup pulls the tokens in deposit(): 0.25 from an account holding 0.1 cannot arrive.
    const error = await wallet.deposit({ amount: parseEther('0.25'), asset: token }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'ROLLUP_REVERTED', errorName: 'Rollup__TransferFailed' })
    const [d] = wallet.deposits()
    expect(wallet.deposits()).toEqual([expect.objectContaining({ state: 'void', lastError: 'ROLLUP_REVERTED', amount: parseEther('0.25'), txId: null })])
    const [, escrowBlock] = await devnet.publicClient.readContract({ address: devnet.rollup, abi: rollupAbi, functionName: 'escrows', args: [d!.key] })
    expect(escrowBlock).toBe(0n) // no escrow under its key
    expect(await balanceOf(account)).toBe(parseEther('0.1'))
    expect(await balanceOf(devnet.rollup)).toBe(0n)
    const spent = eth - (await devnet.publicClient.getBalance({ address: account }))
    expect(spent).toBeGreaterThan(0n) // the approval's gas
    expect(spent).toBeLessThan(parseEther('0.001'))

    // Never submitted: not now, not at any later sync, not by a new wallet object on the database.
    const c0 = (d!.transaction as TransactionJson).commitments[0]
    await wallet.sync()
    await open(mnemonic, wallet.store, 2).sync()
    await wallet.sync()
    expect(postsOf(c0)).toEqual([])
    expect(wallet.deposits()[0]).toMatchObject({ state: 'void', lastError: 'ROLLUP_REVERTED' })
    expect(wallet.history()).toEqual([])
    expect(wallet.balance(token)).toBe(0n)
  })

  it('error: an escrow that fails before it is sent (more ETH than the account holds fails its simulation) is recorded void, not DEPOSIT_UNCONFIRMED: the user is not told to wait for money that never left', async () => {
    gate = 'open'
    const wallet = open(generateMnemonic(), openWalletStore({ path: ':memory:' }), 2)
    const account = devnet.accounts[2]!.walletClient.account.address
    const held = await devnet.publicClient.getBalance({ address: account })
    const error = await wallet.deposit({ amount: held + parseEther('1') }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'SETTLEMENT_FAILED' })
    expect(wallet.deposits()).toEqual([expect.objectContaining({ state: 'void', lastError: 'SETTLEMENT_FAILED' })])
    expect(await devnet.publicClient.getBalance({ address: account })).toBe(held) // not even gas
    await wallet.sync()
    expect(wallet.deposits()[0]).toMatchObject({ state: 'void' })
    expect(wallet.history()).toEqual([])
  })

  it("behavior: the depositor's L1 account reclaims the escrow directly: gone at one sync it stays escrowed (marked ESCROW_GONE, a batch may have consumed it after the read); still gone at the next it is recorded reclaimed, its history entry rejected, never submitted again", async () => {
    const mnemonic = generateMnemonic()
    const wallet = open(mnemonic, openWalletStore({ path: ':memory:' }), 1)
    const account = devnet.accounts[1]!.walletClient.account.address
    gate = 'down'
    const before = await devnet.publicClient.getBalance({ address: account })
    await expect(wallet.deposit({ amount: parseEther('0.3') })).rejects.toMatchObject({ code: 'DEPOSIT_NOT_SUBMITTED' })
    const [d] = wallet.deposits()
    expect(d).toMatchObject({ state: 'escrowed', lastError: 'UNAVAILABLE' })

    // Past its unlock block, the L1 account takes it back without this wallet (another machine, a script).
    await devnet.testClient.mine({ blocks: 31 })
    const t = fromTransactionJson(d!.transaction as TransactionJson)
    await reclaimDeposit(devnet.accounts[1]!, { rollup: devnet.rollup, asset: zeroAddress, amount: d!.amount, extDataHash: t.extDataHash, commitments: t.commitments })
    expect(before - (await devnet.publicClient.getBalance({ address: account }))).toBeLessThan(parseEther('0.01')) // back, but the gas

    gate = 'open'
    await wallet.sync()
    expect(wallet.deposits()).toEqual([expect.objectContaining({ state: 'escrowed', lastError: 'ESCROW_GONE' })])
    await wallet.sync()
    expect(wallet.deposits()).toEqual([expect.objectContaining({ state: 'reclaimed' })])
    expect(wallet.history()).toEqual([expect.objectContaining({ kind: 'deposit', status: 'rejected', amount: parseEther('0.3') })])
    expect((await wallet.reclaimDeposits()).reclaimed).toEqual([])
    await wallet.sync()
    expect(wallet.deposits()[0]!.state).toBe('reclaimed')
    expect(postsOf((d!.transaction as TransactionJson).commitments[0])).toHaveLength(1) // the one refused at deposit time
    expect(wallet.balance()).toBe(0n)
  })
})

describe('an escrow consumed by a batch while the wallet syncs', () => {
  it('behavior: the batch lands after the sync read the chain and before it read the escrow: gone without our notes, it is only marked ESCROW_GONE (not reclaimed); the next sync finds the notes and records it settled, shielded once', async () => {
    // The wallet reads L1 through a proxy that runs `onEscrowRead` before passing on a read of `escrows`.
    let onEscrowRead: (() => Promise<void>) | undefined
    const escrowsCall = toFunctionSelector('escrows(bytes32)').slice(2)
    const rpc = await startHoldingProxy(
      () => devnet.anvil.rpcUrl,
      async (r) => {
        if (onEscrowRead && r.body.toString().includes(escrowsCall)) await onEscrowRead()
        return 'pass' as const
      },
    )
    try {
      const wallet = new NodeWallet({ mnemonic: generateMnemonic(), sequencerUrl: proxyUrl, rollupAddress: devnet.rollup, fromBlock: devnet.deployBlock, l1: account1Through(rpc.url), store: openWalletStore({ path: ':memory:' }), requestTimeoutMs: 1_000 })
      // The node takes the deposit; its answer never reaches the wallet.
      // From its admission on, L1 mines only when told: the escrow is in, the batch will wait.
      gate = 'lost'
      const admitted = proxy.next((r) => r.method === 'POST').then(() => devnet.testClient.setAutomine(false))
      await expect(wallet.deposit({ amount: parseEther('0.15') })).rejects.toMatchObject({ code: 'DEPOSIT_NOT_SUBMITTED' })
      gate = 'open'
      await admitted
      const [d] = wallet.deposits()
      expect(d).toMatchObject({ state: 'escrowed', lastError: 'NODE_UNREACHABLE' })
      // Its batch is sent to L1 but not mined yet: the sync reads a chain without it...
      const id = transactionId(d!.transaction as TransactionJson)
      await node.waitFor(id, ['submitted'], 120_000)
      // ...and reads the escrow once it is mined.
      onEscrowRead = async () => {
        onEscrowRead = undefined
        await devnet.testClient.mine({ blocks: 1 })
        await node.waitFor(id, ['settled', 'final'])
      }
      await wallet.sync()
      expect(onEscrowRead).toBeUndefined() // the escrow was read after the batch landed
      expect(wallet.deposits()).toEqual([expect.objectContaining({ state: 'escrowed', lastError: 'ESCROW_GONE' })])
      expect(wallet.balance()).toBe(0n)

      await wallet.sync()
      expect(wallet.deposits()).toEqual([expect.objectContaining({ state: 'settled', lastError: null })])
      expect(wallet.balance()).toBe(parseEther('0.15'))
      expect((await wallet.reclaimDeposits()).reclaimed).toEqual([])
      await wallet.sync()
      expect(wallet.balance()).toBe(parseEther('0.15'))
      expect(wallet.notes()).toHaveLength(1)
      expect(wallet.history()).toEqual([expect.objectContaining({ kind: 'deposit', status: 'settled', amount: parseEther('0.15') })])
    } finally {
      onEscrowRead = undefined
      await devnet.testClient.setAutomine(true)
      await rpc.close()
    }
  }, 300_000)
})

describe('an escrow transaction that lands late', () => {
  it('behavior: the RPC answers the escrow transaction with an error, yet it was broadcast and lands after the grace period: the deposit, void for not being seen on L1, is found at the next sync, submitted and shielded once', async () => {
    // The RPC keeps the signed escrow transaction and answers an error (a load balancer that gave up on a node that had taken it).
    let held: `0x${string}` | undefined
    const rpc = await startHoldingProxy(
      () => devnet.anvil.rpcUrl,
      (r) => {
        const call = JSON.parse(r.body.toString() || '{}') as { id?: number; method?: string; params?: [`0x${string}`] }
        if (held !== undefined || call.method !== 'eth_sendRawTransaction') return 'pass'
        held = call.params![0]
        return { status: 200, json: { jsonrpc: '2.0', id: call.id, error: { code: -32000, message: 'upstream timed out' } } }
      },
    )
    try {
      gate = 'open'
      const wallet = new NodeWallet({ mnemonic: generateMnemonic(), sequencerUrl: proxyUrl, rollupAddress: devnet.rollup, fromBlock: devnet.deployBlock, l1: account1Through(rpc.url), store: openWalletStore({ path: ':memory:' }) })
      const error = await wallet.deposit({ amount: parseEther('0.05') }).catch((e: unknown) => e)
      // The user is told the deposit is recorded and may land: not to deposit again.
      expect(error).toMatchObject({ code: 'DEPOSIT_UNCONFIRMED', shortMessage: expect.stringMatching(/SETTLEMENT_FAILED.*do not deposit again/) })
      expect(held).toMatch(/^0x/)
      const [d] = wallet.deposits()
      expect(d).toMatchObject({ state: 'escrowing', unlockBlock: null })
      await wallet.sync()
      expect(wallet.deposits()[0]!.state).toBe('escrowing') // not on L1, within the grace period

      // Sixteen minutes later, still not on L1: void.
      vi.useFakeTimers({ toFake: ['Date'] })
      vi.setSystemTime(Date.now() + 16 * 60_000)
      await wallet.sync()
      vi.useRealTimers()
      expect(wallet.deposits()[0]).toMatchObject({ state: 'void', lastError: 'ESCROW_NOT_SEEN' })

      // Then the signed transaction lands: the escrow is live, and only this wallet's database knows its notes.
      const hash = await devnet.publicClient.request({ method: 'eth_sendRawTransaction', params: [held!] })
      await devnet.publicClient.waitForTransactionReceipt({ hash })
      const [depositor] = await devnet.publicClient.readContract({ address: devnet.rollup, abi: rollupAbi, functionName: 'escrows', args: [d!.key] })
      expect(depositor).toBe(devnet.accounts[1]!.walletClient.account.address)
      await wallet.sync()
      const [found] = wallet.deposits()
      expect(found).toMatchObject({ state: 'submitted', txId: transactionId(d!.transaction as TransactionJson) })
      await node.waitFor(found!.txId!, ['settled', 'final'])
      await wallet.sync()
      expect(wallet.deposits()[0]!.state).toBe('settled')
      expect(wallet.balance()).toBe(parseEther('0.05'))
      await wallet.sync()
      expect(wallet.balance()).toBe(parseEther('0.05'))
      expect(wallet.notes()).toHaveLength(1)
    } finally {
      vi.useRealTimers()
      await rpc.close()
    }
  }, 300_000)
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
        const w = new NodeWallet({ mnemonic, sequencerUrl: 'http://127.0.0.1:9', rollupAddress: first.rollup, fromBlock: first.deployBlock, l1: first.accounts[1]!, store: openWalletStore({ path: file }) })
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
        const w = new NodeWallet({ mnemonic, sequencerUrl: 'http://127.0.0.1:9', rollupAddress: second.rollup, fromBlock: second.deployBlock, l1: second.accounts[1]!, store: openWalletStore({ path: file }) })
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
