import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { parseEther, toHex, zeroAddress } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEV_MNEMONIC } from '../../src/cli/devnet.ts'
import { terminateProver, type TransactionJson } from '../../src/circuits/index.ts'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import { openWalletStore } from '../../src/sdk/index.ts'
import type { StoredDeposit } from '../../src/sdk/wallet/WalletStore.ts'
import { transactionId } from '../../src/sequencer/index.ts'
import { rollupAbi } from '../../src/settlement/generated/contracts.ts'
import { type HoldingProxy, type ProxiedRequest, type ProxyDecision, startHoldingProxy } from '../helpers/holdingProxy.ts'
import { startTestNode, type TestNode } from '../helpers/node.ts'
import { type Devnet, startDevnet } from '../helpers/rollup.ts'

// `zkpay wallet deposit` killed (SIGKILL, no chance to clean up) between its L1 escrow and its
// submission to the sequencer, at three points: the submission held on its way to the node, the
// submission taken by the node but its answer lost, and the escrow transaction mined but its hash
// never returned to the CLI. The next command, a new process on the same --dir, must find the
// escrow and get it shielded exactly once. Real processes, real anvil, real proofs.

const run = promisify(execFile)
let devnet: Devnet
let node: TestNode
let dir: string
/** in front of the node: what happens to POST /v1/transactions */
let nodeProxy: HoldingProxy
let submissions: ProxyDecision = 'pass'
/** in front of anvil: what happens to eth_sendRawTransaction */
let rpcProxy: HoldingProxy
let rawTransactions: ProxyDecision = 'pass'
const l1 = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: 1 })
const l1Key = toHex(l1.getHdKey().privateKey!)
const env = { ...process.env, ZKPAY_WALLET_PASSPHRASE: 'correct horse', ZKPAY_L1_KEY: l1Key }

const isSubmission = (r: ProxiedRequest) => r.method === 'POST' && r.url === '/v1/transactions'
const isRawTransaction = (r: ProxiedRequest) => r.body.toString().includes('"eth_sendRawTransaction"')
const cliArgs = (wallet: string, args: string[]) => [
  'bin/zkpay.js',
  'wallet',
  '--dir',
  join(dir, wallet),
  '--rpc-url',
  rpcProxy.url,
  '--sequencer-url',
  nodeProxy.url,
  '--rollup',
  devnet.rollup,
  '--from-block',
  String(devnet.deployBlock),
  '--json',
  ...args,
]

/** `zkpay wallet <args> --json` to its end; its JSON output. */
async function zkpay<T>(wallet: string, args: string[]): Promise<T> {
  const { stdout } = await run(process.execPath, cliArgs(wallet, args), { env, timeout: 180_000 })
  return JSON.parse(stdout) as T
}

/** Starts `zkpay wallet deposit <amount>`, waits until `reached` says so, and kills it with SIGKILL. */
async function killDepositWhen(wallet: string, amount: string, reached: Promise<ProxiedRequest>): Promise<void> {
  const child: ChildProcess = spawn(process.execPath, cliArgs(wallet, ['deposit', amount]), { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const first = await Promise.race([reached.then(() => 'reached' as const), exited.then(() => 'exited' as const)])
  if (first === 'exited') throw new Error(`the deposit ended before the point it was to be killed at: ${stderr}`)
  child.kill('SIGKILL')
  await exited
  expect(child.signalCode).toBe('SIGKILL')
}

/** The deposits the wallet in `wallet` recorded, read from its database (no process holds it). */
function depositsIn(wallet: string): StoredDeposit[] {
  const store = openWalletStore({ path: join(dir, wallet, 'wallet.db') })
  try {
    return store.deposits()
  } finally {
    store.close()
  }
}

const escrowOf = async (key: `0x${string}`) => (await devnet.publicClient.readContract({ address: devnet.rollup, abi: rollupAbi, functionName: 'escrows', args: [key] }))[0]

beforeAll(async () => {
  await initCrypto()
  devnet = await startDevnet()
  node = await startTestNode(devnet)
  nodeProxy = await startHoldingProxy(() => node.url, (r) => (isSubmission(r) ? submissions : 'pass'))
  rpcProxy = await startHoldingProxy(() => devnet.anvil.rpcUrl, (r) => (isRawTransaction(r) ? rawTransactions : 'pass'))
  dir = mkdtempSync(join(tmpdir(), 'zkpay-kill-'))
}, 120_000)

afterAll(async () => {
  await nodeProxy?.close()
  await rpcProxy?.close()
  await node?.stop()
  await devnet?.stop()
  await terminateProver()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

/**
 * After the kill, with both proxies passing everything: a new `balance` (a new process on the same
 * --dir) submits the recorded deposit once, the node settles it, and the next `balance` shows the
 * amount once, the escrow consumed on L1. Once more: nothing is submitted or counted twice.
 */
async function expectSubmittedThenShieldedOnce(wallet: string, amount: bigint) {
  submissions = 'pass'
  rawTransactions = 'pass'
  const [recorded] = depositsIn(wallet)
  const id = transactionId(recorded!.transaction as TransactionJson)
  const posts = nodeProxy.requests.filter(isSubmission).length
  expect((await zkpay<{ balance: string }>(wallet, ['balance'])).balance).toBe('0')
  expect(depositsIn(wallet)).toEqual([expect.objectContaining({ key: recorded!.key, state: 'submitted', txId: id })])
  expect(nodeProxy.requests.filter(isSubmission).length).toBe(posts + 1)
  await node.waitFor(id, ['settled', 'final'], 120_000)
  await expectShieldedOnce(wallet, amount, recorded!.key)
}

async function expectShieldedOnce(wallet: string, amount: bigint, key: `0x${string}`) {
  const posts = nodeProxy.requests.filter(isSubmission).length
  for (let i = 0; i < 2; i++) expect(await zkpay<{ balance: string; notes: number; deposits: unknown[] }>(wallet, ['balance'])).toMatchObject({ balance: amount.toString(), notes: 1, deposits: [] })
  expect(depositsIn(wallet)).toEqual([expect.objectContaining({ key, state: 'settled' })])
  expect(await escrowOf(key)).toBe(zeroAddress) // consumed by the batch
  expect(nodeProxy.requests.filter(isSubmission).length).toBe(posts)
}

describe('zkpay wallet deposit killed between the L1 escrow and the submission', () => {
  it('behavior: killed while its submission is held on the way to the node: the escrow is on L1 and recorded escrowed; the next command submits it and it is shielded once', async () => {
    await zkpay('a', ['new'])
    submissions = 'hold'
    const before = await devnet.publicClient.getBalance({ address: l1.address })
    await killDepositWhen('a', '0.4', nodeProxy.next(isSubmission))
    const [d] = depositsIn('a')
    expect(d).toMatchObject({ state: 'escrowed', amount: parseEther('0.4'), txId: null })
    expect(await escrowOf(d!.key)).toBe(l1.address)
    expect(before - (await devnet.publicClient.getBalance({ address: l1.address }))).toBeGreaterThan(parseEther('0.4')) // escrowed, and gas
    await expectSubmittedThenShieldedOnce('a', parseEther('0.4'))
  }, 600_000)

  it('behavior: killed after the node took its submission but before the answer came back: the node settles it, and the next command finds its notes and submits nothing; shielded once', async () => {
    await zkpay('b', ['new'])
    submissions = 'passThenHold'
    await killDepositWhen('b', '0.3', nodeProxy.next(isSubmission))
    const [d] = depositsIn('b')
    expect(d).toMatchObject({ state: 'escrowed', amount: parseEther('0.3'), txId: null })
    await node.waitFor(transactionId(d!.transaction as TransactionJson), ['settled', 'final'], 120_000)
    submissions = 'pass'
    await expectShieldedOnce('b', parseEther('0.3'), d!.key)
  }, 600_000)

  it('behavior: killed after its escrow transaction was mined but before the CLI learned its hash: recorded escrowing, the next command finds the escrow on L1, submits it, and it is shielded once', async () => {
    await zkpay('c', ['new'])
    rawTransactions = 'passThenHold'
    await killDepositWhen('c', '0.2', rpcProxy.next(isRawTransaction))
    const [d] = depositsIn('c')
    expect(d).toMatchObject({ state: 'escrowing', amount: parseEther('0.2'), txId: null, unlockBlock: null })
    expect(await escrowOf(d!.key)).toBe(l1.address) // it reached L1 all the same
    expect(nodeProxy.requests.filter((r) => isSubmission(r) && r.body.toString().includes((d!.transaction as TransactionJson).commitments[0]))).toEqual([])
    await expectSubmittedThenShieldedOnce('c', parseEther('0.2'))
  }, 600_000)
})
