import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { parseEther, toHex } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEV_MNEMONIC } from '../../src/cli/devnet.ts'
import { terminateProver } from '../../src/circuits/index.ts'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import { startTestNode, type TestNode } from '../helpers/node.ts'
import { type Devnet, startDevnet } from '../helpers/rollup.ts'

// `zkpay wallet …` as a user runs it: a child process per command, against a node on anvil.

const run = promisify(execFile)
let devnet: Devnet
let node: TestNode
let dir: string
const l1Key = toHex(mnemonicToAccount(DEV_MNEMONIC, { addressIndex: 1 }).getHdKey().privateKey!)

/** Runs `zkpay wallet <args>` with this test's network flags; resolves with stdout, exit code and stderr. */
async function zkpay(args: string[], options: { wallet?: string; env?: Record<string, string>; flags?: string[] } = {}) {
  const flags = options.flags ?? ['--rpc-url', devnet.anvil.rpcUrl, '--sequencer-url', node.url, '--rollup', devnet.rollup, '--from-block', String(devnet.deployBlock)]
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/zkpay.js', 'wallet', '--dir', join(dir, options.wallet ?? 'a'), ...flags, ...args], {
      env: { ...process.env, ZKPAY_WALLET_PASSPHRASE: 'correct horse', ZKPAY_L1_KEY: l1Key, ...options.env },
      timeout: 120_000,
    })
    return { code: 0, stdout, stderr }
  } catch (e) {
    const failed = e as { code: number; stdout: string; stderr: string }
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr }
  }
}
const json = <T>(r: { code: number; stdout: string; stderr: string }): T => {
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`)
  return JSON.parse(r.stdout) as T
}

beforeAll(async () => {
  await initCrypto()
  devnet = await startDevnet()
  node = await startTestNode(devnet)
  dir = mkdtempSync(join(tmpdir(), 'zkpay-cli-'))
})

afterAll(async () => {
  await node?.stop()
  await devnet?.stop()
  await terminateProver()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('zkpay wallet', () => {
  it('default: new, deposit, balance, send with a memo, history, all with --json', async () => {
    const created = json<{ address: string; mnemonic: string }>(await zkpay(['--json', 'new']))
    expect(created.address).toMatch(/^zkpt1/)
    expect(created.mnemonic.split(' ')).toHaveLength(24)
    expect(statSync(join(dir, 'a', 'wallet.key')).mode & 0o777).toBe(0o600)
    const bob = json<{ address: string }>(await zkpay(['--json', 'new'], { wallet: 'b' }))
    expect(json<{ address: string }>(await zkpay(['--json', 'address'])).address).toBe(created.address)

    expect(json<{ status: string; l1TxHash: string }>(await zkpay(['--json', 'deposit', '0.5']))).toMatchObject({ status: expect.stringMatching(/settled|final/), l1TxHash: expect.stringMatching(/^0x/) })
    expect(json<{ balance: string }>(await zkpay(['--json', 'balance'])).balance).toBe(parseEther('0.5').toString())
    expect(json<{ status: string }>(await zkpay(['--json', 'send', bob.address, '0.2', '--memo', 'for the bikes'])).status).toMatch(/settled|final/)
    expect(json<{ balance: string }>(await zkpay(['--json', 'balance'], { wallet: 'b' })).balance).toBe(parseEther('0.2').toString())

    const history = json<{ kind: string; amount: string; memo: string | null; counterparty: string | null }[]>(await zkpay(['--json', 'history']))
    expect(history.map((h) => [h.kind, h.amount])).toEqual([
      ['deposit', parseEther('0.5').toString()],
      ['send', parseEther('0.2').toString()],
    ])
    expect(history[1]).toMatchObject({ memo: 'for the bikes', counterparty: bob.address })
    const human = await zkpay(['history'], { wallet: 'b' })
    expect(human.stdout).toMatch(/receive\s+0\.2\s+ETH\s+settled\s+"for the bikes"/)
  })

  it('error: bad address, amount, balance, passphrase, node and network each exit 2 with a code and a sentence', async () => {
    const expectError = async (r: Promise<{ code: number; stderr: string }>, code: RegExp) => {
      const { code: exit, stderr } = await r
      expect(exit).toBe(2)
      expect(stderr).toMatch(new RegExp(`^error ${code.source}: \\S.*`, 'm'))
      expect(stderr).not.toMatch(/\n\s+at /) // no stack trace
    }
    await expectError(zkpay(['send', 'zkpt1notanaddress', '0.1']), /ADDRESS_\w+/)
    await expectError(zkpay(['send', 'zkpay:zkpt1x?amount=1', '0.1']), /URI_\w+|ADDRESS_\w+/)
    await expectError(zkpay(['deposit', 'ten']), /INVALID_PARAMETER/)
    // A bad --wait is refused before anything moves: no escrow, no gas.
    const l1 = devnet.accounts[1]!.walletClient.account.address
    const before = await devnet.publicClient.getBalance({ address: l1 })
    await expectError(zkpay(['deposit', '0.1', '--wait', 'forever']), /INVALID_PARAMETER/)
    expect(await devnet.publicClient.getBalance({ address: l1 })).toBe(before)
    const self = json<{ address: string }>(await zkpay(['--json', 'address']))
    await expectError(zkpay(['send', self.address, '1000']), /INSUFFICIENT_BALANCE/)
    await expectError(zkpay(['balance'], { env: { ZKPAY_WALLET_PASSPHRASE: 'wrong' } }), /INVALID_PARAMETER/)
    await expectError(zkpay(['balance'], { wallet: 'nobody' }), /INVALID_PARAMETER/)
    await expectError(zkpay(['new']), /INVALID_PARAMETER/) // never overwrites a key file
    const offline = ['--rpc-url', devnet.anvil.rpcUrl, '--sequencer-url', 'http://127.0.0.1:9', '--rollup', devnet.rollup, '--from-block', String(devnet.deployBlock)]
    await expectError(zkpay(['send', self.address, '0.01'], { flags: offline }), /NODE_UNREACHABLE/)
    const otherRollup = ['--rpc-url', devnet.anvil.rpcUrl, '--sequencer-url', node.url, '--rollup', '0x000000000000000000000000000000000000dEaD', '--from-block', '0']
    await expectError(zkpay(['balance'], { flags: otherRollup }), /WRONG_NETWORK/)
    await expectError(zkpay(['balance'], { flags: ['--rpc-url', 'http://127.0.0.1:9', '--sequencer-url', node.url, '--rollup', devnet.rollup] }), /L1_UNREACHABLE/)
  })
})
