import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createWalletClient, http, zeroAddress } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { beforeAll, describe, expect, it } from 'vitest'
import { toTransactionJson } from '../../src/circuits/index.ts'
import { toHex32 } from '../../src/crypto/field.ts'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import { StoreError } from '../../src/errors/index.ts'
import { readRollupState } from '../../src/settlement/readRollupState.ts'
import { openNodeStore, type SettledBatch } from '../../src/state/index.ts'
import { createRollupClient } from '../../src/settlement/createRollupClient.ts'
import { deposit } from '../../src/settlement/deposit.ts'
import { reclaimDeposit } from '../../src/settlement/reclaimDeposit.ts'
import { startAnvil } from '../../src/settlement/startAnvil.ts'
import { deferCleanups } from '../helpers/cleanups.ts'
import { startTestNode, type TestNode } from '../helpers/node.ts'
import { freePort, until } from '../helpers/nodeProcess.ts'
import { Actor, type Devnet, MerkleTree, startDevnet } from '../helpers/rollup.ts'

// The node when things go wrong outside it: the contract refuses one transaction of a batch,
// the operator has no ETH for gas, the chain goes away and comes back.

let alice: Actor
const defer = deferCleanups()

beforeAll(async () => {
  await initCrypto()
  alice = new Actor(1)
})

async function escrowed(devnet: Devnet, amount: bigint) {
  const { tx } = await alice.transact(new MerkleTree(), { asset: 0n, extAmount: amount })
  await deposit(devnet.accounts[1]!, { rollup: devnet.rollup, asset: zeroAddress, amount, extDataHash: tx.extDataHash, commitments: tx.commitments })
  return tx
}

type Status = { l1: { ok: boolean; code?: string; message?: string }; operator: { address: string; balance: string | null; lastError?: { code: string; message: string } } }

describe('operator node under failures', () => {
  it('behavior: when the contract refuses one transaction of a batch, that one is rejected and the others settle in the next batch', async () => {
    const devnet = await startDevnet({ depositTimeout: 2n })
    defer(() => devnet.stop())
    const doomed = await escrowed(devnet, 10n)
    // A private transfer (of zero, from dummy inputs): no escrow that could run out meanwhile.
    const fine = (await alice.transact(new MerkleTree(), { asset: 0n })).tx
    // The depositor takes the escrow back after the batch was sealed and proven, just before it
    // is posted (sealing would have dropped it any earlier): the contract names the transaction.
    const l1 = createRollupClient(devnet.accounts[0]!, devnet.rollup)
    let raced = false
    const racing: typeof l1 = {
      ...l1,
      async submitBatch(p) {
        if (!raced) {
          raced = true
          await devnet.testClient.mine({ blocks: 2 })
          await reclaimDeposit(devnet.accounts[1]!, { rollup: devnet.rollup, asset: zeroAddress, amount: 10n, extDataHash: doomed.extDataHash, commitments: doomed.commitments })
        }
        return l1.submitBatch(p)
      },
    }
    // No deposit margin: this node lets the depositor do what the margin exists to prevent.
    const node = await startTestNode(devnet, { batchSize: 2, batchMaxAgeMs: 4_000, depositMarginBlocks: 0n, l1: racing })
    defer(() => node.stop())
    const first = await node.post(toTransactionJson(doomed))
    expect(first.status).toBe(202)
    const second = await node.post(toTransactionJson(fine))
    expect(second.status).toBe(202)

    const rejected = await node.waitFor(first.body.id!, ['rejected'])
    expect(rejected).toMatchObject({ status: 'rejected', code: 'DEPOSIT_NOT_ESCROWED' })
    await node.waitFor(second.body.id!, ['settled', 'final'])
    expect(await node.get('/v1/batches/1')).toMatchObject({ state: 'failed', error: expect.stringContaining('Rollup__DepositNotEscrowed') })
    expect(await node.get('/v1/batches/2')).toMatchObject({ state: expect.stringMatching(/settled|final/), transactions: [{ id: second.body.id }] })
  })

  it('behavior: a settled batch whose recording fails (before its commit, or after it with the answer lost) is recorded once on the next read, and the node carries on', async () => {
    const devnet = await startDevnet()
    defer(() => devnet.stop())
    const inner = await openNodeStore({ path: ':memory:' })
    let fail: 'before' | 'after' | undefined = 'after'
    const store = new Proxy(inner, {
      get(target, key) {
        if (key === 'recordSettledBatch') {
          return async (batch: SettledBatch) => {
            const mode = fail
            fail = undefined
            if (mode === 'before') throw new StoreError('STORE_UNAVAILABLE', 'The node database did not answer.')
            const recorded = await target.recordSettledBatch(batch)
            if (mode === 'after') throw new StoreError('STORE_UNAVAILABLE', 'The node database did not answer.')
            return recorded
          }
        }
        const value = Reflect.get(target, key) as unknown
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
    const node = await startTestNode(devnet, { store })
    defer(() => node.stop())
    for (const mode of ['after', 'before'] as const) {
      fail = mode
      const { body } = await node.post(toTransactionJson(await escrowed(devnet, mode === 'after' ? 40n : 41n)))
      await node.waitFor(body.id!, ['settled', 'final'])
      expect(fail).toBeUndefined()
    }
    const l1 = await readRollupState(devnet.publicClient, { rollup: devnet.rollup })
    const status = await node.get<{ root: string; leafCount: number }>('/v1/status')
    expect({ root: status.root, leafCount: status.leafCount, batches: l1.batchCount }).toEqual({ root: toHex32(l1.currentRoot), leafCount: Number(l1.nextLeafIndex), batches: 2n })
    expect(await inner.listNotes(0, 1000)).toHaveLength(6)
  })

  it('behavior: an operator without ETH for gas shows in status, keeps the transaction, and posts once funded', async () => {
    const devnet = await startDevnet({ escapeDelay: 5n })
    defer(() => devnet.stop())
    const broke = createWalletClient({ account: privateKeyToAccount(generatePrivateKey()), chain: foundry, transport: http(devnet.anvil.rpcUrl) })
    const node = await startTestNode(devnet, { l1: createRollupClient({ publicClient: devnet.publicClient, walletClient: broke }, devnet.rollup) })
    defer(() => node.stop())
    // The rollup's sequencer is another account: the escape hatch (open after 5 blocks) lets
    // this operator submit.
    await devnet.testClient.mine({ blocks: 5 })
    const tx = await escrowed(devnet, 30n)
    const { body } = await node.post(toTransactionJson(tx))
    const status = await until('the funding error in status', async () => {
      const s = await node.get<Status>('/v1/status')
      return s.operator.lastError ? s : undefined
    })
    expect(status.operator).toMatchObject({ address: broke.account.address, balance: '0' })
    expect(status.operator.lastError!.message).toMatch(/balance|fund/i)
    expect((await node.get<{ status: string }>(`/v1/transactions/${body.id}`)).status).not.toBe('rejected')

    await devnet.testClient.setBalance({ address: broke.account.address, value: 10n ** 18n })
    await node.waitFor(body.id!, ['settled', 'final'])
    expect((await node.get<Status>('/v1/status')).operator.lastError).toBeUndefined()
  })

  it('behavior: a batch stuck in the mempool is replaced with the same nonce and higher fees, and settles once', async () => {
    const devnet = await startDevnet()
    defer(() => devnet.stop())
    const node = await startTestNode(devnet, { feeBumpAfterMs: 1_500 })
    defer(() => node.stop())
    const tx = await escrowed(devnet, 60n)
    await devnet.testClient.setAutomine(false)
    const { body } = await node.post(toTransactionJson(tx))
    type Batch = { state: string; l1TxHash: `0x${string}` | null }
    const first = await until('the batch to be sent', async () => {
      const b = await node.get<Batch>('/v1/batches/1')
      return b.l1TxHash ? b.l1TxHash : undefined
    })
    const original = await devnet.publicClient.getTransaction({ hash: first })
    const second = await until('the replacement', async () => {
      const b = await node.get<Batch>('/v1/batches/1')
      return b.l1TxHash && b.l1TxHash !== first ? b.l1TxHash : undefined
    })
    const replacement = await devnet.publicClient.getTransaction({ hash: second })
    expect(replacement.nonce).toBe(original.nonce)
    expect(replacement.maxFeePerGas! > original.maxFeePerGas!).toBe(true)
    await devnet.testClient.mine({ blocks: 1 })
    await devnet.testClient.setAutomine(true)
    await node.waitFor(body.id!, ['settled', 'final'])
    expect(await node.get<Batch>('/v1/batches/1')).toMatchObject({ state: expect.stringMatching(/settled|final/), l1TxHash: second })
    expect((await devnet.publicClient.getTransactionReceipt({ hash: second })).status).toBe('success')
    // The original was replaced, never mined: one nonce, one batch.
    await expect(devnet.publicClient.getTransactionReceipt({ hash: first })).rejects.toThrow(/could not be found/)
  })

  it('behavior: when anvil stops under the node, status reports L1 down; when it is back, the node carries on', async () => {
    const stateDir = mkdtempSync(path.join(tmpdir(), 'zkpay-anvil-'))
    defer(async () => rmSync(stateDir, { recursive: true, force: true }))
    const port = await freePort()
    const anvilOptions = { port, state: path.join(stateDir, 'state.json'), stateInterval: 1 }
    const devnet = await startDevnet({ anvil: anvilOptions })
    const node = await startTestNode(devnet)
    defer(() => node.stop())
    const before = await escrowed(devnet, 40n)
    await node.waitFor((await node.post(toTransactionJson(before))).body.id!, ['settled', 'final'])

    await devnet.anvil.stop()
    const down = await until('L1 reported down', async () => {
      const s = await node.get<Status>('/v1/status')
      return s.l1.ok ? undefined : s
    })
    // A code and one sentence naming the RPC by its origin, not viem's multi-line dump.
    expect(down.l1).toMatchObject({ code: 'L1_UNREACHABLE', message: `The L1 RPC at ${new URL(devnet.anvil.rpcUrl).origin} cannot be reached: check the URL and that the chain runs.` })
    const ready = await node.app.request('/readyz')
    expect([ready.status, ((await ready.json()) as { checks: Record<string, { code?: string }> }).checks.l1?.code]).toEqual([503, 'L1_UNREACHABLE'])
    const restarted = await startAnvil(anvilOptions)
    defer(() => restarted.stop())
    await until('L1 reported up', async () => ((await node.get<Status>('/v1/status')).l1.ok ? true : undefined))
    await until('ready again', async () => ((await node.app.request('/readyz')).status === 200 ? true : undefined))

    const after = await escrowed(devnet, 50n)
    await node.waitFor((await node.post(toTransactionJson(after))).body.id!, ['settled', 'final'])
    const notes = await node.get<{ notes: unknown[]; leafCount: number }>('/v1/notes')
    expect(notes).toMatchObject({ leafCount: 128 })
    expect(notes.notes).toHaveLength(6) // two deposits, three outputs each
  })
})
