import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createPublicClient, createWalletClient, defineChain, http, type PublicClient, toHex } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEV_MNEMONIC } from '../../src/cli/devnet.ts'
import { readManifest } from '../../src/circuits/artifacts.ts'
import { deployRollup } from '../../src/settlement/deployRollup.ts'
import { type Anvil, startAnvil } from '../../src/settlement/startAnvil.ts'
import { runZkpay } from '../helpers/cli.ts'
import { spawnNode } from '../helpers/nodeProcess.ts'
import { parseExposition, sample } from '../helpers/prometheus.ts'

// Who this guards against: an operator who deploys or runs the committed dev keys on a real
// chain by mistake (they are forgeable: test/attacks/user.forgedProof.test.ts), and typos that
// would deploy a contract with the wrong parameters. `zkpay deploy` and `zkpay node` as an
// operator runs them: child processes against real anvils, one with the devnet's chain id
// (31337) and one with another (1337).

const operator = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: 0 })
const operatorKey = toHex(operator.getHdKey().privateKey!)
const manifest = readManifest()
const vkeySha256 = (name: string) => manifest.circuits.find((c) => c.name === name)!.vkeySha256
let devnetChain: Anvil // 31337
let otherChain: Anvil // 1337
let dir: string

/** The operator's environment for one command; undefined removes a variable, so the developer's own ZKPAY_* settings stay out. */
const env = (rpcUrl: string, extra: Record<string, string | undefined> = {}) => ({
  ZKPAY_RPC_URL: rpcUrl,
  ZKPAY_OPERATOR_KEY: operatorKey,
  ZKPAY_OPERATOR_KEY_ENV: undefined,
  ZKPAY_INSECURE_DEV_KEYS: undefined,
  ZKPAY_DEPLOYMENT: undefined,
  ZKPAY_ROLLUP_ADDRESS: undefined,
  ZKPAY_FROM_BLOCK: undefined,
  ...extra,
})
const nonce = (anvil: Anvil) => createPublicClient({ transport: http(anvil.rpcUrl) }).getTransactionCount({ address: operator.address })
const DEV_KEYS_SENTENCE = /^error DEV_KEYS_REFUSED: Refusing to .* with the dev verifying keys on chain 1337: .*anyone can forge proofs/

beforeAll(async () => {
  ;[devnetChain, otherChain] = await Promise.all([startAnvil(), startAnvil({ chainId: 1337 })])
  dir = mkdtempSync(path.join(tmpdir(), 'zkpay-deploy-'))
})

afterAll(async () => {
  await Promise.all([devnetChain?.stop(), otherChain?.stop()])
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('zkpay deploy and zkpay node on the devnet (31337)', () => {
  it('default: deploy --write records the rollup, and node --deployment follows it', async () => {
    const file = path.join(dir, 'devnet', 'deployment.json')
    const deployed = await runZkpay(['deploy', '--write', file, '--escape-delay', '300', '--deposit-timeout', '200'], { env: env(devnetChain.rpcUrl) })
    expect(deployed.code, deployed.stderr).toBe(0)
    expect(deployed.stdout).toMatch(/^deployed the rollup at 0x[0-9a-fA-F]{40} in block \d+ \(chain 31337/)
    expect(deployed.stdout).toContain('verifying keys: dev (forgeable: devnet only)')
    const deployment = JSON.parse(readFileSync(file, 'utf8'))
    expect(deployment).toEqual({
      chainId: 31337,
      rollupAddress: expect.stringMatching(/^0x[0-9a-fA-F]{40}$/),
      deployBlock: expect.stringMatching(/^[1-9]\d*$/),
      sequencer: operator.address,
      escapeDelay: '300',
      depositTimeout: '200',
      verifyingKeys: { dev: true, circuits: { transfer: { dev: true, vkeySha256: vkeySha256('transfer') }, batch: { dev: true, vkeySha256: vkeySha256('batch') } } },
    })
    expect(await createPublicClient({ transport: http(devnetChain.rpcUrl) }).getCode({ address: deployment.rollupAddress })).toMatch(/^0x[0-9a-f]{100,}/)

    const node = await spawnNode(env(devnetChain.rpcUrl, { ZKPAY_DEPLOYMENT: file, ZKPAY_DATA_DIR: path.join(dir, 'devnet-node'), ZKPAY_REPLICA_ID: 'sequencer-1' }))
    try {
      const status = (await (await fetch(`${node.url}/v1/status`)).json()) as { l1: { rollup: string; syncedToBlock: string } }
      expect(status.l1.rollup).toBe(deployment.rollupAddress)
      expect(BigInt(status.l1.syncedToBlock)).toBeGreaterThanOrEqual(BigInt(deployment.deployBlock) - 1n)
      expect(node.output()).toMatch(/"verifyingKeys":"dev".*verifying keys: the dev setup's/)
      // The operator's probes: ready, and every series named after the replica it was given.
      expect((await fetch(`${node.url}/readyz`)).status).toBe(200)
      const samples = parseExposition(await (await fetch(`${node.url}/metrics`)).text())
      expect(sample(samples, 'zkpay_l1_up')).toMatchObject({ labels: { replica: 'sequencer-1', role: 'all' }, value: 1 })
      expect(samples.filter((s) => s.labels.replica !== 'sequencer-1')).toEqual([])
      expect(sample(samples, 'process_resident_memory_bytes').value).toBeGreaterThan(0) // zkpay node collects the process's metrics
    } finally {
      await node.stop()
    }
  })

  it('error: a deployment file of another chain is WRONG_NETWORK, a malformed one CONFIG_INVALID', async () => {
    const file = path.join(dir, 'devnet', 'deployment.json')
    const wrong = await runZkpay(['node', '--deployment', file, '--data-dir', path.join(dir, 'wrong-node')], { env: env(otherChain.rpcUrl) })
    expect(wrong).toMatchObject({ code: 2, stderr: expect.stringMatching(/^error WRONG_NETWORK: The deployment file is for chain 31337, but the RPC serves chain 1337/) })
    expect(existsSync(path.join(dir, 'wrong-node'))).toBe(false)
    const bad = path.join(dir, 'bad.json')
    writeFileSync(bad, JSON.stringify({ chainId: 31337, rollupAddress: '0x12' }))
    const invalid = await runZkpay(['node', '--deployment', bad], { env: env(devnetChain.rpcUrl) })
    expect(invalid).toMatchObject({ code: 2, stderr: expect.stringMatching(/^error CONFIG_INVALID: The deployment file .* is invalid: rollupAddress/) })
  })
})

describe('the dev keys off the devnet (chain 1337)', () => {
  it('error: zkpay deploy refuses them with DEV_KEYS_REFUSED, naming the dev keys and the forgery, and deploys nothing', async () => {
    const r = await runZkpay(['deploy', '--write', path.join(dir, 'never.json')], { env: env(otherChain.rpcUrl) })
    expect(r).toMatchObject({ code: 2, stderr: expect.stringMatching(DEV_KEYS_SENTENCE) })
    expect(r.stderr).toContain('--insecure-dev-keys')
    expect(await nonce(otherChain)).toBe(0)
    expect(existsSync(path.join(dir, 'never.json'))).toBe(false)
  })

  it('error: deployRollup refuses them too unless allowInsecureDevKeys, and only then sends a transaction', async () => {
    const chain = defineChain({ id: 1337, name: 'other', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [otherChain.rpcUrl] } } })
    const transport = http(otherChain.rpcUrl)
    const clients = { publicClient: createPublicClient({ chain, transport, pollingInterval: 50 }) as PublicClient, walletClient: createWalletClient({ account: operator, chain, transport }) }
    await expect(deployRollup(clients)).rejects.toMatchObject({ code: 'DEV_KEYS_REFUSED', chainId: 1337 })
    await expect(deployRollup(clients, { allowInsecureDevKeys: 'true' as never })).rejects.toMatchObject({ code: 'DEV_KEYS_REFUSED' })
    expect(await nonce(otherChain)).toBe(0)
    const deployed = await deployRollup(clients, { allowInsecureDevKeys: true, escapeDelay: 10n })
    expect(deployed).toMatchObject({ chainId: 1337, escapeDelay: 10n, depositTimeout: 7200n, sequencer: operator.address, verifyingKeys: { dev: true } })
  })

  it('error: zkpay node refuses them with DEV_KEYS_REFUSED before it opens its database', async () => {
    const dataDir = path.join(dir, 'refused-node')
    const r = await runZkpay(['node', '--rollup', `0x${'12'.repeat(20)}`, '--data-dir', dataDir], { env: env(otherChain.rpcUrl) })
    expect(r).toMatchObject({ code: 2, stderr: expect.stringMatching(DEV_KEYS_SENTENCE) })
    expect(existsSync(dataDir)).toBe(false)
  })

  it('behavior: with --insecure-dev-keys, deploy succeeds with a warning and the node starts, logging a loud warning', async () => {
    const deployed = await runZkpay(['deploy', '--insecure-dev-keys', '--json'], { env: env(otherChain.rpcUrl) })
    expect(deployed.code, deployed.stderr).toBe(0)
    expect(deployed.stderr).toMatch(/^WARNING: the rollup on chain 1337 holds the DEV verifying keys .*anyone can forge proofs/)
    const deployment = JSON.parse(deployed.stdout) as { chainId: number; rollupAddress: string; deployBlock: string; verifyingKeys: { dev: boolean } }
    expect(deployment).toMatchObject({ chainId: 1337, verifyingKeys: { dev: true } })

    const node = await spawnNode(
      env(otherChain.rpcUrl, { ZKPAY_INSECURE_DEV_KEYS: '1', ZKPAY_ROLLUP_ADDRESS: deployment.rollupAddress, ZKPAY_FROM_BLOCK: deployment.deployBlock, ZKPAY_DATA_DIR: path.join(dir, 'insecure-node') }),
    )
    try {
      expect((await fetch(`${node.url}/v1/status`)).ok).toBe(true)
      expect(node.output()).toMatch(/"level":"warn".*"verifyingKeys":"dev".*INSECURE: running with the DEV verifying keys on chain 1337.*anyone can forge proofs/)
    } finally {
      await node.stop()
    }
  })
})

describe('zkpay deploy arguments', () => {
  let rpc: Server
  let rpcUrl: string
  let requests = 0

  beforeAll(async () => {
    // An RPC endpoint that only counts: every argument error must come before the first request.
    rpc = createServer((_req, res) => {
      requests++
      res.writeHead(500).end()
    })
    await new Promise<void>((resolve) => rpc.listen(0, '127.0.0.1', resolve))
    rpcUrl = `http://127.0.0.1:${(rpc.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((resolve) => rpc.close(() => resolve())))

  it('error: each bad argument exits 2 with a code and a sentence naming it, before any RPC call', async () => {
    const existing = path.join(dir, 'exists.json')
    writeFileSync(existing, '{}')
    const cases: [string[], Record<string, string | undefined>, RegExp][] = [
      [['--escape-delay', '0'], {}, /^error CONFIG_INVALID: .*ZKPAY_ESCAPE_DELAY.*whole number of blocks/],
      [['--deposit-timeout', '1.5'], {}, /^error CONFIG_INVALID: .*ZKPAY_DEPOSIT_TIMEOUT.*whole number of blocks/],
      [['--escape-delay', String(1n << 64n)], {}, /^error CONFIG_INVALID: .*ZKPAY_ESCAPE_DELAY/],
      [['--sequencer', '0x12'], {}, /^error CONFIG_INVALID: .*ZKPAY_SEQUENCER_ADDRESS.*40 hex digits/],
      [['--rpc-url', 'ftp://example.com'], {}, /^error CONFIG_INVALID: .*ZKPAY_RPC_URL/],
      [['--operator-key-env', operatorKey], {}, /^error CONFIG_INVALID: .*ZKPAY_OPERATOR_KEY_ENV.*name of an environment variable/],
      [[], { ZKPAY_OPERATOR_KEY: undefined }, /^error CONFIG_INVALID: ZKPAY_OPERATOR_KEY is not set/],
      [[], { ZKPAY_OPERATOR_KEY: '0x1234' }, /^error CONFIG_INVALID: ZKPAY_OPERATOR_KEY does not hold a private key/],
      [[], { ZKPAY_OPERATOR_KEY: `0x${'0'.repeat(64)}` }, /^error CONFIG_INVALID: ZKPAY_OPERATOR_KEY does not hold a private key/],
      [[], { ZKPAY_INSECURE_DEV_KEYS: 'yes' }, /^error CONFIG_INVALID: ZKPAY_INSECURE_DEV_KEYS is invalid: expected 1, true, 0 or false/],
      [['--write', existing], {}, /^error INVALID_PARAMETER: Invalid `write`: .*exists/],
    ]
    for (const [args, extra, expected] of cases) {
      const r = await runZkpay(['deploy', ...args], { env: env(rpcUrl, extra) })
      expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 2, stderr: expect.stringMatching(expected) })
      expect(r.stderr).not.toContain(operatorKey.slice(2)) // a key pasted in the wrong place is never echoed
    }
    expect(requests).toBe(0)
    // The same endpoint is reached once the arguments are right: the count above means something.
    const reached = await runZkpay(['deploy'], { env: env(rpcUrl) })
    expect(reached).toMatchObject({ code: 2, stderr: expect.stringMatching(/^error L1_UNREACHABLE: The L1 RPC at http:\/\/127\.0\.0\.1:\d+ cannot be reached/) })
    expect(requests).toBeGreaterThan(0)
  })
})
