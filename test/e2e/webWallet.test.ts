import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer, request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'
import { formatEther, parseEther } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEV_MNEMONIC } from '../../src/cli/devnet.ts'
import { type HttpServer, serveHttp } from '../../src/cli/serveHttp.ts'
import { serveWebWallet } from '../../src/cli/web.ts'
import { terminateProver } from '../../src/circuits/index.ts'
import { encodeAddress } from '../../src/crypto/address.ts'
import { deriveKeys, generateMnemonic, seedFromMnemonic } from '../../src/crypto/keys.ts'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import { exportViewingKey } from '../../src/crypto/viewingKeys.ts'
import { createMerchant, createMerchantApp, type Merchant, parsePaymentUri } from '../../src/sdk/merchant/index.ts'
import { runZkpay } from '../helpers/cli.ts'
import { startTestNode, type TestNode } from '../helpers/node.ts'
import { type Devnet, startDevnet } from '../helpers/rollup.ts'

// The web wallet in headless Chromium against a real devnet (anvil, a node, real proofs made in
// the page's Web Worker): created, funded through an injected EIP-1193 wallet, paying a
// merchant's checkout page from its link, reopened from IndexedDB, and riding out a node that
// goes down mid-payment. A CLI wallet receives, and both agree on every balance.

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const hasChromium = existsSync(CHROMIUM)
if (!hasChromium && process.env.CI) throw new Error(`The web wallet test needs Chromium at ${CHROMIUM} (apt-get install chromium); CI must not skip it.`)

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
/** Screenshots of the main screens, at phone and desktop widths: test artifacts (gitignored), looked at by people. */
const SHOTS = path.join(root, 'test-results', 'web-wallet')
const PASSPHRASE = 'a long web passphrase'
const PHONE = { width: 375, height: 812 }
const DESKTOP = { width: 1280, height: 900 }

let devnet: Devnet
let node: TestNode
let nodeProxy: SwitchableProxy
let web: HttpServer
let merchant: Merchant
let merchantServer: HttpServer
let browser: Browser | undefined
let cliDir: string
let cliAddress: string
/** the web wallet's shielded address, read from its Receive screen */
let webAddress: string
const receiverMnemonic = generateMnemonic()
/** an L1 address nothing else uses, for a withdrawal that must not happen */
const cliAddressL1 = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: 7 }).address

/** An HTTP proxy to the node that can go down (connections reset), the way a node's machine does, or refuse every submission. */
type SwitchableProxy = { url: string; down: boolean; refuseSubmissions: boolean; close(): Promise<void> }

async function startSwitchableProxy(upstream: string): Promise<SwitchableProxy> {
  const target = new URL(upstream)
  const proxy: SwitchableProxy = { url: '', down: false, refuseSubmissions: false, close: async () => undefined }
  const server = createServer((req, res) => {
    if (proxy.down) return req.socket.destroy()
    if (proxy.refuseSubmissions && req.method === 'POST') {
      res.writeHead(400, { 'content-type': 'application/json', 'access-control-allow-origin': '*' })
      return res.end(JSON.stringify({ code: 'UNKNOWN_ROOT', message: 'The root is not one this node knows.' }))
    }
    const forward = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    })
    forward.on('error', () => res.destroy())
    req.pipe(forward)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  return proxy
}

/** `zkpay wallet <args>` for the receiving CLI wallet. */
function cli(args: string[]) {
  return runZkpay(['wallet', '--dir', cliDir, '--rpc-url', devnet.anvil.rpcUrl, '--sequencer-url', node.url, '--rollup', devnet.rollup, '--from-block', String(devnet.deployBlock), ...args], {
    env: { ZKPAY_WALLET_PASSPHRASE: 'correct horse', RECEIVER_MNEMONIC: receiverMnemonic },
  })
}

async function cliBalance(): Promise<bigint> {
  const r = await cli(['--json', 'balance'])
  expect(r.code, r.stderr).toBe(0)
  return BigInt((JSON.parse(r.stdout) as { balance: string }).balance)
}

/**
 * A page context with an injected EIP-1193 wallet, as an extension provides one: the account is
 * anvil's unlocked dev account 2, and every request goes to anvil (which signs for it).
 */
async function walletContext(viewport = PHONE): Promise<BrowserContext> {
  const context = await browser!.newContext({ viewport })
  const account = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: 2 }).address
  await context.addInitScript(
    ({ rpcUrl, account }) => {
      let id = 0
      // `declineNext`: the user presses Reject on the next signature request (EIP-1193 code 4001).
      const control = ((window as unknown as { l1Wallet: { declineNext: boolean } }).l1Wallet = { declineNext: false })
      ;(window as unknown as { ethereum: unknown }).ethereum = {
        async request({ method, params }: { method: string; params?: unknown[] }) {
          if (method === 'eth_requestAccounts' || method === 'eth_accounts') return [account]
          if (method === 'eth_sendTransaction' && control.declineNext) {
            control.declineNext = false
            throw Object.assign(new Error('User rejected the request.'), { code: 4001 })
          }
          const response = await fetch(rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params: params ?? [] }) })
          const body = (await response.json()) as { result?: unknown; error?: { code: number; message: string } }
          if (body.error) throw Object.assign(new Error(body.error.message), { code: body.error.code })
          return body.result
        },
        on() {},
        removeListener() {},
      }
    },
    { rpcUrl: devnet.anvil.rpcUrl, account },
  )
  return context
}

const errorLine = (page: Page) => page.locator('#error')
const balanceOf = async (page: Page) => parseEther(((await page.locator('#balance').textContent()) ?? '').replace(/ ETH$/, ''))
const rows = (page: Page) => page.locator('section[aria-label="Activity"] tbody tr')

/** Waits for `selector`; on a timeout, says what the page's status and error lines showed. */
async function waitOn(page: Page, selector: string, timeout: number): Promise<void> {
  try {
    await page.waitForSelector(selector, { timeout })
  } catch (error) {
    const [progress, shown] = await Promise.all([page.locator('#progress').textContent().catch(() => '?'), page.locator('#error').textContent().catch(() => '?')])
    const history = await rows(page).allTextContents().catch(() => [])
    throw new Error(`${selector} did not appear in ${timeout} ms; status line: ${progress}; error line: ${shown}; activity: ${JSON.stringify(history)}`, { cause: error })
  }
}

async function unlock(page: Page, passphrase = PASSPHRASE): Promise<void> {
  await page.getByLabel('Passphrase', { exact: true }).fill(passphrase)
  await page.getByRole('button', { name: 'Unlock' }).click()
}

async function shoot(page: Page, name: string): Promise<void> {
  for (const [width, size] of [['phone', PHONE], ['desktop', DESKTOP]] as const) {
    await page.setViewportSize(size)
    await page.screenshot({ path: path.join(SHOTS, `${name}-${width}.png`), fullPage: true })
  }
  await page.setViewportSize(PHONE)
}

beforeAll(async () => {
  if (!hasChromium) return
  await initCrypto()
  mkdirSync(SHOTS, { recursive: true })
  // Escrows unlock 30 blocks after their deposit, so that the reclaim test can reach it.
  devnet = await startDevnet({ depositTimeout: 30n })
  node = await startTestNode(devnet)
  nodeProxy = await startSwitchableProxy(node.url)
  cliDir = mkdtempSync(path.join(tmpdir(), 'zkpay-web-cli-'))
  const created = await cli(['new', '--mnemonic-env', 'RECEIVER_MNEMONIC'])
  expect(created.code, created.stderr).toBe(0)
  const keys = deriveKeys(seedFromMnemonic(receiverMnemonic))
  cliAddress = encodeAddress({ ownerPk: keys.ownerPk, vpk: keys.vpk }, 'testnet')
  web = await serveWebWallet({
    config: { sequencerUrl: nodeProxy.url, rpcUrl: devnet.anvil.rpcUrl, rollupAddress: devnet.rollup, fromBlock: String(devnet.deployBlock), chainId: await devnet.publicClient.getChainId(), network: 'testnet' },
    port: 0,
    hostname: '127.0.0.1',
  })
  // The shop: a merchant watching the CLI wallet's address with its incoming viewing key.
  merchant = await createMerchant({
    viewingKey: exportViewingKey(keys, 'incoming', 'testnet'),
    sequencerUrl: node.url,
    publicClient: devnet.publicClient,
    rollupAddress: devnet.rollup,
    fromBlock: devnet.deployBlock,
    confirmations: 1,
  })
  merchant.watch({ intervalMs: 500 })
  merchantServer = await serveHttp({ fetch: createMerchantApp(merchant, { webWalletUrl: `${web.url}/` }).fetch, port: 0, hostname: '127.0.0.1', headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 })
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
}, 180_000)

afterAll(async () => {
  await browser?.close()
  await merchantServer?.close()
  await merchant?.close()
  await web?.close()
  await nodeProxy?.close()
  await node?.stop()
  await devnet?.stop()
  await terminateProver()
  if (cliDir) rmSync(cliDir, { recursive: true, force: true })
})

describe.skipIf(!hasChromium)('web wallet in Chromium', () => {
  let context: BrowserContext
  let page: Page

  it('default: create, deposit through the injected L1 wallet, pay a checkout page from its link; the checkout goes paid then settled and the CLI wallet agrees', async () => {
    context = await walletContext()
    page = await context.newPage()
    const problems: string[] = []
    page.on('pageerror', (e) => problems.push(e.message))
    page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && problems.push(m.text()))
    page.on('response', (r) => r.status() >= 400 && problems.push(`${r.status()} ${r.url()}`))
    await page.goto(`${web.url}/`)
    await page.getByRole('button', { name: 'Create a new wallet' }).click()
    const words = ((await page.locator('#mnemonic').textContent()) ?? '').split(' ')
    expect(words).toHaveLength(24)
    await shoot(page, 'create')
    await page.getByLabel('I wrote the words down').check()
    await page.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE)
    await page.getByLabel('Passphrase again').fill(PASSPHRASE)
    await page.getByRole('button', { name: 'Create wallet' }).click()
    await waitOn(page, '#tabs:not([hidden])', 60_000)
    expect(await page.locator('#balance').textContent()).toBe('0 ETH')

    // Deposit 0.5 ETH, signed by the injected wallet (anvil's account 2).
    await page.getByRole('link', { name: 'Deposit' }).click()
    await page.getByLabel('Amount (ETH)').fill('0.5')
    await page.getByRole('button', { name: 'Deposit' }).click()
    await waitOn(page, 'tr[data-kind="deposit"][data-state="settled"], tr[data-kind="deposit"][data-state="final"]', 60_000)
    await expect.poll(() => balanceOf(page), { timeout: 30_000 }).toBe(parseEther('0.5'))
    await page.getByRole('link', { name: 'Receive' }).click()
    webAddress = (await page.locator('#address').textContent()) ?? ''
    expect(webAddress).toMatch(/^zkpt1/)
    await shoot(page, 'receive')

    // The shop's checkout page links to the wallet with the payment filled in.
    const invoice = await merchant.createInvoice({ amount: parseEther('0.1'), expiresIn: 600, label: 'Corner café' })
    await page.goto(`${merchantServer.url}/checkout/${invoice.id}`)
    const [walletTab] = await Promise.all([context.waitForEvent('page'), page.locator('#web-wallet').click()])
    const checkout = page
    page = walletTab!
    page.on('pageerror', (e) => problems.push(e.message))
    await unlock(page)
    await waitOn(page, 'form[aria-label="Pay"]', 60_000)
    expect(await page.getByLabel('To (zkpay address)').inputValue()).toBe(cliAddress)
    expect(await page.getByLabel('Amount (ETH)').inputValue()).toBe('0.1')
    expect(await page.getByLabel('Memo').inputValue()).toBe(parsePaymentUri(invoice.uri).memo)
    await shoot(page, 'pay')
    await page.getByRole('button', { name: 'Pay' }).click()
    await checkout.waitForSelector('#status[data-state="paid"], #status[data-state="settled"], #status[data-state="final"]', { timeout: 120_000 })
    await checkout.waitForSelector('#status[data-state="settled"], #status[data-state="final"]', { timeout: 120_000 })
    await waitOn(page, 'tr[data-kind="send"][data-state="settled"], tr[data-kind="send"][data-state="final"]', 60_000)

    // Every balance agrees: the CLI wallet received the payment, the web wallet paid it.
    expect(await cliBalance()).toBe(parseEther('0.1'))
    await expect.poll(() => balanceOf(page), { timeout: 30_000 }).toBe(parseEther('0.4'))
    expect(await errorLine(page).isVisible()).toBe(false)
    expect(problems).toEqual([])
  }, 480_000)

  it('behavior: a reload reopens the wallet from IndexedDB with its passphrase, same balance and history; a wrong passphrase is refused', async () => {
    const history = await rows(page).allTextContents()
    expect(history).toHaveLength(2)
    await page.goto(`${web.url}/`)
    await unlock(page, 'not the passphrase')
    await expect.poll(() => errorLine(page).textContent()).toBe('WRONG_PASSPHRASE: The passphrase does not open the sealed seed.')
    expect(await page.locator('#tabs').isHidden()).toBe(true)
    await unlock(page)
    await waitOn(page, '#tabs:not([hidden])', 60_000)
    await expect.poll(() => balanceOf(page), { timeout: 30_000 }).toBe(parseEther('0.4'))
    await expect.poll(() => rows(page).allTextContents()).toEqual(history)
    // A second tab on the same wallet would write from a stale copy: it is refused, with a sentence.
    const second = await context.newPage()
    await second.goto(`${web.url}/`)
    await expect.poll(() => errorLine(second).textContent()).toBe('STORE_LOCKED: The wallet web-wallet is open in another tab or window: close it there, then reload this page.')
    await second.close()

    // A payment request arrives only with the page's load: a fragment changed afterwards (by the
    // page that opened this one, say) fills nothing in.
    const planted = `zkpay:${cliAddress}?amount=0.2`
    await page.evaluate((uri) => (location.hash = `#pay?uri=${encodeURIComponent(uri)}`), planted)
    await waitOn(page, 'form[aria-label="Pay"]', 10_000)
    expect([await page.getByLabel('To (zkpay address)').inputValue(), await page.getByLabel('Amount (ETH)').inputValue()]).toEqual(['', ''])
    expect(page.url()).toBe(`${web.url}/#pay?uri=${encodeURIComponent(planted)}`)
    await page.evaluate(() => (location.hash = '#home'))
  }, 120_000)

  it('error: the node goes down mid-payment: the wallet says so and frees its notes; the same payment succeeds once the node is back', async () => {
    await page.goto(`${web.url}/#pay`)
    await waitOn(page, 'form[aria-label="Pay"]', 30_000)
    await page.getByLabel('To (zkpay address)').fill(cliAddress)
    await page.getByLabel('Amount (ETH)').fill('0.05')
    nodeProxy.down = true
    await page.getByRole('button', { name: 'Pay' }).click()
    await expect.poll(() => errorLine(page).textContent(), { timeout: 60_000 }).toMatch(/^NODE_UNREACHABLE: /)
    // Nothing left the wallet, and the notes are free to spend again.
    expect(await balanceOf(page)).toBe(parseEther('0.4'))
    nodeProxy.down = false
    await page.getByRole('button', { name: 'Pay' }).click()
    // While that payment is being proven and sent, no other money-moving form acts: one call at a time.
    await page.getByRole('link', { name: 'Withdraw' }).click()
    await page.getByLabel('To (L1 address)').fill(cliAddressL1)
    await page.getByLabel('Amount (ETH)').fill('0.01')
    await page.getByRole('button', { name: 'Withdraw' }).click()
    await page.getByRole('link', { name: 'Activity' }).click()
    await waitOn(page, 'tr[data-kind="send"][data-state="settled"] >> nth=0', 120_000)
    expect(await page.locator('tr[data-kind="withdraw"]').count()).toBe(0)
    await expect.poll(() => balanceOf(page), { timeout: 30_000 }).toBe(parseEther('0.35'))
    await expect.poll(cliBalance, { timeout: 30_000 }).toBe(parseEther('0.15'))
    expect(formatEther(await balanceOf(page))).toBe('0.35')

    // And out to L1: a withdrawal to the injected account arrives there whole (the operator pays the gas).
    const l1Account = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: 2 }).address
    const before = await devnet.publicClient.getBalance({ address: l1Account })
    await page.getByRole('link', { name: 'Withdraw' }).click()
    // Never prefilled with the deposit account (that would link the two on L1): typed on purpose here.
    expect(await page.getByLabel('To (L1 address)').inputValue()).toBe('')
    await page.getByLabel('To (L1 address)').fill(l1Account)
    await page.getByLabel('Amount (ETH)').fill('0.05')
    await page.getByRole('button', { name: 'Withdraw' }).click()
    await waitOn(page, 'tr[data-kind="withdraw"][data-state="settled"], tr[data-kind="withdraw"][data-state="final"]', 120_000)
    expect(await devnet.publicClient.getBalance({ address: l1Account })).toBe(before + parseEther('0.05'))
    await expect.poll(() => balanceOf(page), { timeout: 30_000 }).toBe(parseEther('0.3'))

    await page.getByRole('link', { name: 'Activity' }).click()
    await shoot(page, 'activity')
    // A memo is the sender's text: shown as text (no markup runs, no bidi override kept), never as HTML.
    const memo = '<img src=x onerror="window.pwned=1">\u202Egnp.exe'
    const sent = await cli(['send', webAddress, '0.01', '--memo', memo, '--wait', 'settled'])
    expect(sent.code, sent.stderr).toBe(0)
    await waitOn(page, 'tr[data-kind="receive"]', 60_000)
    expect(await page.locator('tr[data-kind="receive"] td div').first().textContent()).toBe('<img src=x onerror="window.pwned=1">gnp.exe')
    expect(await page.locator('tr[data-kind="receive"] img').count()).toBe(0)
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined()
    await expect.poll(() => balanceOf(page), { timeout: 30_000 }).toBe(parseEther('0.31'))
  }, 240_000)

  it('error: a deposit declined in the L1 wallet sends nothing; one the node refuses is listed with its unlock block and comes back to L1 through Reclaim', async () => {
    const l1Account = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: 2 }).address
    await page.getByRole('link', { name: 'Deposit' }).click()
    const nonce = await devnet.publicClient.getTransactionCount({ address: l1Account })
    await page.evaluate(() => ((window as unknown as { l1Wallet: { declineNext: boolean } }).l1Wallet.declineNext = true))
    await page.getByLabel('Amount (ETH)').fill('0.02')
    await page.getByRole('button', { name: 'Deposit' }).click()
    await expect.poll(() => errorLine(page).textContent(), { timeout: 60_000 }).toMatch(/^SETTLEMENT_FAILED: The deposit failed: User rejected the request/)
    expect(await devnet.publicClient.getTransactionCount({ address: l1Account })).toBe(nonce)
    expect(await page.locator('#escrows li').count()).toBe(0)

    // The node refuses every submission: the escrow stays on L1, listed, until it unlocks.
    nodeProxy.refuseSubmissions = true
    try {
      await page.getByRole('button', { name: 'Deposit' }).click()
      await expect.poll(() => errorLine(page).textContent(), { timeout: 60_000 }).toMatch(/^DEPOSIT_NOT_SUBMITTED: .*UNKNOWN_ROOT.*Reclaim on the web wallet's Deposit screen/)
      await page.getByRole('link', { name: 'Activity' }).click()
      await page.getByRole('link', { name: 'Deposit' }).click()
      const listed = page.locator('#escrows li')
      await expect.poll(() => listed.textContent()).toMatch(/^0\.02 ETH, escrowed: the node has not taken it yet .*UNKNOWN_ROOT.*reclaimable from L1 block \d+$/)
      const unlock = BigInt(/block (\d+)$/.exec((await listed.textContent())!)![1]!)
      await devnet.testClient.mine({ blocks: Number(unlock - (await devnet.publicClient.getBlockNumber())) + 1 })
      const before = await devnet.publicClient.getBalance({ address: l1Account })
      await page.getByRole('button', { name: 'Reclaim unlocked deposits' }).click()
      await expect.poll(() => page.locator('#progress').textContent(), { timeout: 60_000 }).toBe('1 deposit returned to L1')
      expect(await page.locator('#escrows li').count()).toBe(0)
      // 0.02 ETH back, less the reclaim's gas.
      expect((await devnet.publicClient.getBalance({ address: l1Account })) - before).toBeGreaterThan(parseEther('0.0199'))
      expect(await balanceOf(page)).toBe(parseEther('0.31'))
    } finally {
      nodeProxy.refuseSubmissions = false
    }
  }, 180_000)
})
