import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { toHex } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEV_MNEMONIC } from '../../src/cli/devnet.ts'
import { terminateProver } from '../../src/circuits/index.ts'
import { startTestNode, type TestNode } from '../helpers/node.ts'
import { type Devnet, startDevnet } from '../helpers/rollup.ts'

// zkpay as another project meets it: `npm pack` (the built package, as published), the tarball
// unpacked into a new project's node_modules, and that project's own code, run by plain `node`
// and checked by `tsc`. The project's dependencies are this checkout's installed packages,
// linked in (nothing is downloaded); zkpay itself is the tarball's files, so a file missing
// from `files`, an export missing from `exports` or a dependency missing from `dependencies`
// fails here.

const run = promisify(execFile)
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
let app: string
let devnet: Devnet
let node: TestNode

beforeAll(async () => {
  app = mkdtempSync(path.join(tmpdir(), 'zkpay-consumer-'))
  // --ignore-scripts: `npm test` has just built dist/; pack what is there.
  const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', app], { cwd: root, maxBuffer: 64 * 2 ** 20 })
  const [{ filename }] = JSON.parse(stdout) as [{ filename: string }]
  const modules = path.join(app, 'node_modules')
  mkdirSync(path.join(modules, 'zkpay'), { recursive: true })
  await run('tar', ['-xzf', path.join(app, filename), '-C', path.join(modules, 'zkpay'), '--strip-components=1'])
  const manifest = JSON.parse(readFileSync(path.join(modules, 'zkpay', 'package.json'), 'utf8')) as { dependencies: Record<string, string> }
  // The package's declared dependencies, and what the consumer's own tools need.
  for (const name of [...Object.keys(manifest.dependencies), 'typescript', '@types/node']) {
    mkdirSync(path.dirname(path.join(modules, name)), { recursive: true })
    symlinkSync(path.join(root, 'node_modules', name), path.join(modules, name), 'dir')
  }
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'shop', private: true, type: 'module' }))
  devnet = await startDevnet()
  node = await startTestNode(devnet)
}, 600_000)

afterAll(async () => {
  await node?.stop()
  await devnet?.stop()
  await terminateProver()
  if (app) rmSync(app, { recursive: true, force: true })
})

describe('zkpay as an installed package', () => {
  it('default: the tarball holds the built package and nothing of a working copy', () => {
    const files = (dir: string, prefix = ''): string[] =>
      readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(dir, path.join(prefix, e.name)) : [path.join(prefix, e.name)]))
    const shipped = files(path.join(app, 'node_modules', 'zkpay'))
    expect(shipped).toEqual(expect.arrayContaining(['package.json', 'bin/zkpay.js', 'dist/index.js', 'dist/index.d.ts', 'dist/bin/zkpay.js', 'circuits/artifacts/transfer.zkey', 'circuits/manifest.json']))
    expect(shipped.filter((f) => /^(src|test|bench|scripts)\//.test(f) || /\.(key|db)$/.test(f) || f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([])
  })

  it('default: a plain node ESM script imports zkpay and zkpay/merchant, makes a wallet on a devnet, deposits and pays', async () => {
    const script = path.join(app, 'pay.mjs')
    writeFileSync(
      script,
      `import { createPublicClient, createWalletClient, http, parseEther } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { createWallet, generateMnemonic, formatAmount } from 'zkpay'
import { parsePaymentUri, buildPaymentUri } from 'zkpay/merchant'

const { RPC_URL, SEQUENCER_URL, ROLLUP, FROM_BLOCK, L1_KEY } = process.env
const transport = http(RPC_URL)
const publicClient = createPublicClient({ transport })
const chain = { id: await publicClient.getChainId(), name: 'devnet', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [RPC_URL] } } }
const walletClient = createWalletClient({ account: privateKeyToAccount(L1_KEY), chain, transport })
const open = (name) => createWallet({ mnemonic: generateMnemonic(), sequencerUrl: SEQUENCER_URL, rollupAddress: ROLLUP, fromBlock: BigInt(FROM_BLOCK), l1: { publicClient, walletClient }, store: name + '.db' })
const alice = await open('alice')
const bob = await open('bob')
await (await alice.deposit({ amount: parseEther('0.5') })).wait('settled')
const uri = buildPaymentUri({ address: bob.address, amount: parseEther('0.2'), memo: 'order 7' })
const request = parsePaymentUri(uri)
await (await alice.transfer({ to: request.address, amount: request.amount, memo: request.memo })).wait('settled')
await bob.sync()
console.log(JSON.stringify({ bob: formatAmount(bob.balance(), 18), memo: bob.history().at(-1)?.memo ?? null }))
process.exit(0)
`,
    )
    const { stdout } = await run(process.execPath, [script], {
      cwd: app,
      env: {
        ...process.env,
        RPC_URL: devnet.anvil.rpcUrl,
        SEQUENCER_URL: node.url,
        ROLLUP: devnet.rollup,
        FROM_BLOCK: String(devnet.deployBlock),
        L1_KEY: toHex(mnemonicToAccount(DEV_MNEMONIC, { addressIndex: 1 }).getHdKey().privateKey!),
      },
      timeout: 300_000,
    })
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({ bob: '0.2', memo: 'order 7' })
  }, 400_000)

  it('default: importing zkpay or zkpay/merchant loads neither the prover, nor viem, nor SQLite', async () => {
    // A module hook (in the loader's thread) reports every module Node loads to this script.
    writeFileSync(
      path.join(app, 'hooks.mjs'),
      `let port
export function initialize(data) { port = data.port }
export async function load(url, context, next) { port.postMessage(url); return next(url, context) }
`,
    )
    writeFileSync(
      path.join(app, 'imports.mjs'),
      `import { register } from 'node:module'
import { MessageChannel } from 'node:worker_threads'
const { port1, port2 } = new MessageChannel()
const loaded = []
port1.on('message', (url) => loaded.push(url))
register('./hooks.mjs', import.meta.url, { data: { port: port2 }, transferList: [port2] })
const zkpay = await import(process.argv[2])
await new Promise((resolve) => setTimeout(resolve, 100))
port1.close()
console.log(JSON.stringify({ exports: Object.keys(zkpay).length, loaded }))
`,
    )
    for (const entry of ['zkpay', 'zkpay/merchant']) {
      const { stdout } = await run(process.execPath, ['imports.mjs', entry], { cwd: app })
      const { exports, loaded } = JSON.parse(stdout) as { exports: number; loaded: string[] }
      expect(exports).toBeGreaterThan(10)
      const packages = new Set(loaded.map((url) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? (url.startsWith('node:') ? url : 'own')))
      expect(packages.has('zkpay')).toBe(true) // the hook saw the package's own modules
      for (const heavy of ['snarkjs', 'circomlibjs', 'ffjavascript', 'viem', 'better-sqlite3', 'drizzle-orm', 'sodium-native', 'node:fs', 'node:worker_threads']) expect([entry, packages.has(heavy)]).toEqual([entry, false])
    }
  }, 60_000)

  it('default: a TypeScript consumer type-checks against the published declarations (NodeNext, strict)', async () => {
    writeFileSync(
      path.join(app, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] }, include: ['consumer.ts', 'readme.ts'] }),
    )
    // The README's code, as a consumer would paste it: every `ts` block, with what it leaves to the reader declared.
    const blocks = [...readFileSync(path.join(root, 'README.md'), 'utf8').matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((m) => m[1]!)
    expect(blocks.length).toBeGreaterThanOrEqual(2)
    writeFileSync(
      path.join(app, 'readme.ts'),
      `import { parseEther } from 'viem'
import type { SettlementClients } from 'zkpay'
declare const mnemonic: string, sequencerUrl: string, viewingKey: string, url: string, secret: string
declare const rollupAddress: \`0x\${string}\`, fromBlock: bigint
declare const publicClient: SettlementClients['publicClient'], walletClient: SettlementClients['walletClient']
declare function ship(invoiceId: string): void
${blocks.join('\n')}
export {}
`,
    )
    writeFileSync(
      path.join(app, 'consumer.ts'),
      `import type { PublicClient } from 'viem'
import { createWallet, decodeAddress, parseAmount, BaseError, InsufficientBalanceError, type TransactionHandle, type Wallet, type HistoryEntry, type SettlementClients } from 'zkpay'
import { createMerchant, type InvoiceJson, type MerchantEvent } from 'zkpay/merchant'
import { rollupAbi } from 'zkpay/settlement'
import { proveTransfer } from 'zkpay/circuits'
import { Sequencer } from 'zkpay/node'

export async function pay(wallet: Wallet, to: string, amount: string): Promise<HistoryEntry | undefined> {
  const value = parseAmount(amount, 18)
  if (value === undefined) throw new Error('bad amount')
  try {
    const handle: TransactionHandle = await wallet.transfer({ to, amount: value })
    const progress = await handle.wait('settled')
    const stage: 'sequenced' | 'settled' | 'final' = progress.status
    void stage
  } catch (e) {
    if (e instanceof InsufficientBalanceError) return undefined
    if (e instanceof BaseError) console.error(e.code, e.shortMessage)
    throw e
  }
  return wallet.history().at(-1)
}
export function open(l1: SettlementClients): Promise<Wallet> {
  return createWallet({ mnemonic: 'test test test', sequencerUrl: 'http://localhost', rollupAddress: '0x0000000000000000000000000000000000000001', fromBlock: 0n, l1, store: 'wallet.db' })
}
export async function shop(publicClient: PublicClient, viewingKey: string) {
  const m = await createMerchant({ viewingKey, sequencerUrl: 'http://localhost', publicClient, rollupAddress: '0x0000000000000000000000000000000000000001', fromBlock: 0n, store: 'shop.db' })
  m.on('invoice.settled', (e: MerchantEvent) => {
    const invoice: InvoiceJson = e.invoice
    console.log(invoice.id)
  })
  return m
}
export const network = (address: string) => decodeAddress(address).network
export const abi = rollupAbi
export const prover = proveTransfer
export type Operator = Sequencer
`,
    )
    // The README's browser code (```ts browser blocks) against the `browser` condition, as a bundler resolves it.
    const browserBlocks = [...readFileSync(path.join(root, 'README.md'), 'utf8').matchAll(/^```ts browser\n([\s\S]*?)^```/gm)].map((m) => m[1]!)
    expect(browserBlocks.length).toBeGreaterThanOrEqual(1)
    writeFileSync(
      path.join(app, 'tsconfig.browser.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', customConditions: ['browser'], lib: ['ES2023', 'DOM'], strict: true, noEmit: true, skipLibCheck: true, types: [] }, include: ['browser.ts'] }),
    )
    writeFileSync(
      path.join(app, 'browser.ts'),
      `import type { SettlementClients } from 'zkpay'
declare const sealed: string, passphrase: string, sequencerUrl: string
declare const rollupAddress: \`0x\${string}\`, fromBlock: bigint
declare const publicClient: SettlementClients['publicClient'], walletClient: SettlementClients['walletClient']
${browserBlocks.join('\n')}
export {}
`,
    )
    const tsc = path.join(app, 'node_modules', 'typescript', 'bin', 'tsc')
    for (const project of [app, path.join(app, 'tsconfig.browser.json')]) {
      const result = await run(process.execPath, [tsc, '-p', project], { cwd: app }).then(
        () => ({ code: 0, out: '' }),
        (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
      )
      expect([project, result]).toEqual([project, { code: 0, out: '' }])
    }
  }, 120_000)
})
