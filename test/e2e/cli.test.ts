import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { parseEther, toHex } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEV_MNEMONIC } from '../../src/cli/devnet.ts'
import { buildPaymentUri } from '../../src/sdk/merchant/paymentUri.ts'
import { deployTestToken } from '../../src/settlement/deployTestToken.ts'
import { testTokenAbi } from '../../src/settlement/generated/contracts.ts'
import { terminateProver } from '../../src/circuits/index.ts'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import { runOnTerminal } from '../helpers/cli.ts'
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
/** `zkpay wallet <args>` on a terminal of its own, answering `answer` to its yes/no question. */
function onTerminal(args: string[], answer: string, options: { wallet?: string } = {}) {
  const flags = ['--rpc-url', devnet.anvil.rpcUrl, '--sequencer-url', node.url, '--rollup', devnet.rollup, '--from-block', String(devnet.deployBlock)]
  return runOnTerminal(['bin/zkpay.js', 'wallet', '--dir', join(dir, options.wallet ?? 'a'), ...flags, ...args], {
    env: { ZKPAY_WALLET_PASSPHRASE: 'correct horse', ZKPAY_L1_KEY: l1Key },
    prompt: /\[y\/N\]/,
    answer,
  })
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
    expect(human.stdout).toMatch(/receive\s+0\.2\s+ETH\s+(settled|final)\s+"for the bikes"/)
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
    await expectError(zkpay(['balance'], { env: { ZKPAY_WALLET_PASSPHRASE: 'wrong' } }), /WRONG_PASSPHRASE/)
    await expectError(zkpay(['balance'], { wallet: 'nobody' }), /INVALID_PARAMETER/)
    await expectError(zkpay(['new']), /INVALID_PARAMETER/) // never overwrites a key file
    const offline = ['--rpc-url', devnet.anvil.rpcUrl, '--sequencer-url', 'http://127.0.0.1:9', '--rollup', devnet.rollup, '--from-block', String(devnet.deployBlock)]
    await expectError(zkpay(['send', self.address, '0.01'], { flags: offline }), /NODE_UNREACHABLE/)
    const otherRollup = ['--rpc-url', devnet.anvil.rpcUrl, '--sequencer-url', node.url, '--rollup', '0x000000000000000000000000000000000000dEaD', '--from-block', '0']
    await expectError(zkpay(['balance'], { flags: otherRollup }), /WRONG_NETWORK/)
    await expectError(zkpay(['balance'], { flags: ['--rpc-url', 'http://127.0.0.1:9', '--sequencer-url', node.url, '--rollup', devnet.rollup] }), /L1_UNREACHABLE/)
  })

  it('error: usage mistakes, damaged key files, weak passphrases, an L1 address in send and a URI not confirmed (without a terminal, or answered no on one) are one line with a code (JSON under --json), exit 2, nothing moved', async () => {
    const oneLine = async (r: Promise<{ code: number; stdout: string; stderr: string }>, code: string, message?: RegExp) => {
      const { code: exit, stdout, stderr } = await r
      expect(exit).toBe(2)
      const lines = stderr.trim().split('\n').filter((l) => !l.startsWith('fee:'))
      expect(lines).toEqual([expect.stringMatching(new RegExp(`^error ${code}: \\S`))])
      if (message) expect(lines[0]).toMatch(message)
      expect(stdout).toBe('')
    }
    await oneLine(zkpay(['balance', '--bogus']), 'USAGE', /unknown option '--bogus'; see `zkpay wallet balance --help`/)
    await oneLine(zkpay(['send']), 'USAGE', /missing required argument 'to'/)
    const bare = await zkpay([]) // commander shows the help first, then the one error line
    expect([bare.code, bare.stderr.trim().split('\n').at(-1)]).toEqual([2, expect.stringMatching(/^error USAGE: a command is missing; see `zkpay wallet --help`$/)])
    const asJson = await zkpay(['--json', 'deposit', '0.1', '--wait', 'later'])
    expect(asJson.code).toBe(2)
    expect(JSON.parse(asJson.stdout)).toEqual({ error: { code: 'INVALID_PARAMETER', message: expect.stringMatching(/wait/) } })
    expect(JSON.parse((await zkpay(['--json', 'send', '--nope'])).stdout)).toMatchObject({ error: { code: 'USAGE' } })

    // The key file: every field is checked before scrypt runs; no stack trace, no huge allocation.
    json(await zkpay(['--json', 'new'], { wallet: 'damaged' }))
    const keyFile = join(dir, 'damaged', 'wallet.key')
    const good = JSON.parse(readFileSync(keyFile, 'utf8')) as Record<string, unknown>
    writeFileSync(keyFile, JSON.stringify({ ...good, salt: undefined }))
    await oneLine(zkpay(['balance'], { wallet: 'damaged' }), 'KEY_FILE_DAMAGED', /salt/)
    writeFileSync(keyFile, JSON.stringify({ ...good, N: 2 ** 40 }))
    await oneLine(zkpay(['balance'], { wallet: 'damaged' }), 'KEY_FILE_DAMAGED', /scrypt N/)
    writeFileSync(keyFile, '{"version":1')
    await oneLine(zkpay(['balance'], { wallet: 'damaged' }), 'KEY_FILE_DAMAGED', /not JSON/)

    // An empty passphrase is refused before a mnemonic is made: no key file, nothing printed to lose.
    await oneLine(zkpay(['new'], { wallet: 'weak', env: { ZKPAY_WALLET_PASSPHRASE: '' } }), 'WEAK_PASSPHRASE')
    expect(statSync(join(dir, 'weak', 'wallet.key'), { throwIfNoEntry: false })).toBeUndefined()

    // An L1 address pasted into send: the answer is withdraw; nothing is proven or sent.
    await oneLine(zkpay(['send', devnet.accounts[2]!.walletClient.account.address, '0.1']), 'INVALID_PARAMETER', /is an L1 address: .*zkpay wallet withdraw/)
    // A payment URI without a terminal to confirm on needs --yes.
    const bob = json<{ address: string }>(await zkpay(['--json', 'address'], { wallet: 'b' }))
    await oneLine(zkpay(['send', buildPaymentUri({ address: bob.address, amount: parseEther('0.01') })]), 'INVALID_PARAMETER', /--yes/)
    // A URI names what it pays: a flag or amount that says otherwise is refused, not silently overridden.
    const uri = buildPaymentUri({ address: bob.address, amount: parseEther('0.01') })
    await oneLine(zkpay(['send', uri, '--yes', '--asset', devnet.rollup]), 'INVALID_PARAMETER', /`asset`: a payment URI sets the asset/)
    await oneLine(zkpay(['send', uri, '5', '--yes']), 'INVALID_PARAMETER', /names its amount/)
    // --yes is the whole confirmation for a script: past it, the payment's own checks (here an
    // empty wallet's balance) decide.
    json(await zkpay(['--json', 'new'], { wallet: 'empty' }))
    await oneLine(zkpay(['send', uri, '--yes'], { wallet: 'empty' }), 'INSUFFICIENT_BALANCE')

    // On a terminal zkpay asks, with the amount and the whole address in the question and the
    // URI's label made printable; anything but yes pays nothing.
    const history = () => zkpay(['--json', 'history']).then((r) => json<unknown[]>(r))
    const before = await history()
    const labelled = buildPaymentUri({ address: bob.address, amount: parseEther('0.01'), label: 'Bike\u001b]0;pwned\u0007 Shop' })
    const no = await onTerminal(['send', labelled], 'n')
    expect(no.code).toBe(2)
    expect(no.screen).toContain(`pay 0.01 ETH to ${bob.address}? [y/N]`)
    expect(no.screen).toMatch(/label: {3}Bike\]0;pwned Shop/)
    expect(no.screen).not.toContain('\u001b]0;')
    expect(no.screen).toMatch(/error INVALID_PARAMETER: .*not confirmed: nothing was paid/)
    expect(await history()).toEqual(before)
  })

  it('behavior: a 6-decimal token by address then by symbol, every asset in balance, history in each asset\'s units with block times, final after confirmations, a self-transfer, a URI confirmed on a terminal, memos without control characters', async () => {
    const [operator, user] = [devnet.accounts[0]!, devnet.accounts[1]!]
    const token = await deployTestToken(operator, { name: 'Six Dollar', symbol: 'SIX', decimals: 6 })
    const minted = await operator.walletClient.writeContract({ address: token, abi: testTokenAbi, functionName: 'mint', args: [user.walletClient.account.address, 10n ** 12n], gas: 100_000n })
    await devnet.publicClient.waitForTransactionReceipt({ hash: minted })
    const me = json<{ address: string }>(await zkpay(['--json', 'new'], { wallet: 'tok' })).address
    const bob = json<{ address: string }>(await zkpay(['--json', 'address'], { wallet: 'b' })).address

    expect(json<{ status: string; nodeStatus: string }>(await zkpay(['--json', 'deposit', '12.5', '--asset', token, '--wait', 'sequenced'], { wallet: 'tok' }))).toMatchObject({ status: 'sequenced' })
    const bySymbol = await zkpay(['deposit', '1.25', '--asset', 'six'], { wallet: 'tok' })
    expect(bySymbol.stdout).toMatch(/^deposited 1\.25 SIX \(fee 0\): settled/m)
    expect(json(await zkpay(['--json', 'deposit', '0.05'], { wallet: 'tok' }))).toMatchObject({ status: 'settled' })

    const balance = await zkpay(['balance'], { wallet: 'tok' })
    expect(balance.stdout.trim().split('\n')).toEqual(['0.05 ETH (1 note)', '13.75 SIX (2 notes)'])
    const one = json<{ balance: string; assets: { symbol: string; decimals: number; balance: string }[] }>(await zkpay(['--json', 'balance', '--asset', 'SIX'], { wallet: 'tok' }))
    expect(one).toMatchObject({ balance: '13750000', assets: [{ symbol: 'SIX', decimals: 6, balance: '13750000' }] })

    // To ourselves: allowed, shown as a self-transfer; the memo's escape sequence is not printed.
    const self = await zkpay(['send', me, '2', '--asset', 'SIX', '--memo', 'note\u001b[2Jto self'], { wallet: 'tok' })
    expect(self.stdout).toMatch(/^sent 2 SIX to yourself \(a self-transfer\)/m)
    // A payment URI, confirmed on a terminal.
    const uri = buildPaymentUri({ address: bob, amount: 10_000_000_000_000_000n, label: 'Bike Shop' })
    const paid = await onTerminal(['send', uri], 'y', { wallet: 'tok' })
    expect(paid.code).toBe(0)
    expect(paid.screen).toContain(`pay 0.01 ETH to ${bob}? [y/N]`)
    expect(paid.screen).toMatch(/^sent 0\.01 ETH to zkpt1/m)

    await devnet.testClient.mine({ blocks: 3 })
    const history = await zkpay(['history'], { wallet: 'tok' })
    const lines = history.stdout.trim().split('\n')
    expect(lines).toHaveLength(5)
    expect(lines[0]).toMatch(/deposit\s+12\.5\s+SIX\s+final/)
    expect(lines[1]).toMatch(/deposit\s+1\.25\s+SIX\s+final/)
    expect(lines[2]).toMatch(/deposit\s+0\.05\s+ETH\s+final/)
    expect(lines[3]).toMatch(/self\s+2\s+SIX\s+final\s+zkpt1\S+\s+"note\[2Jto self"$/)
    expect(lines[4]).toMatch(/send\s+0\.01\s+ETH\s+final\s+zkpt1/)
    expect(history.stdout).not.toContain('\u001b')

    // The receiver's entry is dated by its block, not by the moment it synced.
    const received = json<{ kind: string; createdAt: string; block: string }[]>(await zkpay(['--json', 'history'], { wallet: 'b' })).filter((h) => h.kind === 'receive').at(-1)!
    const block = await devnet.publicClient.getBlock({ blockNumber: BigInt(received.block) })
    expect(new Date(received.createdAt).getTime()).toBe(Number(block.timestamp) * 1000)
  }, 600_000)
})
