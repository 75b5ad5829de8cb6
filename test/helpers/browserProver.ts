// Helpers for the browser prover's e2e test and benchmark: headless Chromium launched as the
// checkout test launches it, and a local site that serves a test page (driving
// src/browser/workerProver.ts), dist/web (the worker bundle), the circuit artifacts (genuine
// under /artifacts/, with a tampered zkey under /tampered/) and the manifest, counting requests.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import * as esbuild from 'esbuild'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'
import { zeroAddress } from 'viem'
import { ARTIFACT_CACHE } from '../../src/browser/artifacts.ts'
import { artifactPaths, MANIFEST_PATH, projectRoot } from '../../src/circuits/artifacts.ts'
import { buildTransferWitness, type TransferWitness } from '../../src/circuits/witness.ts'
import { deriveKeys, extDataHash, MerkleTree, noteCommitment, randomFieldElement } from '../../src/crypto/index.ts'
import type { Proof } from '../../src/circuits/proofResult.ts'

/**
 * Where Chromium is: Debian's package puts it here; CHROMIUM_PATH points elsewhere.
 *
 * @example
 * if (!hasChromium && process.env.CI) throw new Error(`Chromium is missing at ${CHROMIUM}`)
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
/**
 * Whether Chromium is installed at `CHROMIUM` (tests skip without it, except under CI).
 *
 * @example
 * it.skipIf(!hasChromium)('default: proves in the browser', async () => { … })
 */
export const hasChromium = existsSync(CHROMIUM)

/** The checkout test's flags: headless, and none of Chromium's own background traffic. */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

/**
 * Headless Chromium with the checkout test's flags.
 *
 * @example
 * const browser = await launchChromium()
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
}

/**
 * Headless Chromium with the same flags on a profile kept in `userDataDir`: IndexedDB and Cache
 * Storage on disk, as a user's are (`launchChromium`'s contexts keep them in memory).
 *
 * @example
 * const context = await launchChromiumProfile(mkdtempSync(path.join(tmpdir(), 'zkpay-profile-')))
 * const page = await openProverPage(context, site)
 */
export function launchChromiumProfile(userDataDir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, args: CHROMIUM_ARGS })
}

/**
 * The worker bundle scripts/buildWeb.mjs writes.
 *
 * @example
 * const gzipped = gzipSync(readFileSync(WORKER_BUNDLE)).length
 */
export const WORKER_BUNDLE = path.join(projectRoot, 'dist/web/prover.worker.js')

/**
 * Runs scripts/buildWeb.mjs (dist/web/prover.worker.js); returns what it printed.
 *
 * @example
 * buildWebBundle() // before serving dist/web
 */
export function buildWebBundle(): string {
  return execFileSync(process.execPath, [path.join(projectRoot, 'scripts/buildWeb.mjs')], { cwd: projectRoot, encoding: 'utf8' })
}

/**
 * A transfer of two real notes (60 + 40 → 85 + 10 + 5): the witness a wallet would prove.
 *
 * @example
 * const result = await zk(page, 'prove', transferWitness())
 */
export function transferWitness(): TransferWitness {
  const keys = deriveKeys(new Uint8Array(32).fill(7))
  const tree = new MerkleTree()
  const note = (amount: bigint) => ({ asset: 0n, amount, ownerPk: keys.ownerPk, blinding: randomFieldElement() })
  const notes = [note(60n), note(40n)]
  tree.insertMany(notes.map(noteCommitment))
  return buildTransferWitness({
    keys,
    root: tree.root,
    inputs: [
      { note: notes[0]!, leafIndex: 0, path: tree.path(0) },
      { note: notes[1]!, leafIndex: 1, path: tree.path(1) },
    ],
    outputs: [note(85n), note(10n), note(5n)],
    publicAmount: 0n,
    publicAsset: 0n,
    extDataHash: extDataHash({ recipient: zeroAddress, extAmount: 0n, fee: 0n, epk: `0x${'00'.repeat(32)}`, ciphertexts: ['0x', '0x', '0x'] }),
  })
}

/**
 * The circuit input with every signal a decimal string, as circom's JSON inputs are.
 *
 * @example
 * await zk(page, 'stock', { type: 'prove', input: decimalInput(witness.input) })
 */
export function decimalInput(input: TransferWitness['input']): Record<string, unknown> {
  const convert = (x: unknown): unknown => (Array.isArray(x) ? x.map(convert) : typeof x === 'bigint' ? x.toString(10) : x)
  return Object.fromEntries(Object.entries(input).map(([k, v]) => [k, convert(v)]))
}

// The page's script: loads the prover through createWorkerProver (bundled from src/ as
// /client.js), records the main thread's long tasks, and can run stock snarkjs in a worker.
const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>zkpay browser prover</title></head>
<body><script type="module">
import { createWorkerProver } from '/client.js'
const longTasks = []
let observing = false
try {
  new PerformanceObserver((list) => { for (const e of list.getEntries()) longTasks.push({ start: e.startTime, duration: e.duration }) }).observe({ type: 'longtask', buffered: true })
  observing = PerformanceObserver.supportedEntryTypes.includes('longtask')
} catch {}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const errorJson = (e) => ({ name: e?.name, code: e?.code, message: String(e?.message ?? e) })
// Long-task entries arrive after the task ends: give them a moment.
const longestSince = async (t0) => { await sleep(200); return Math.max(0, ...longTasks.filter((t) => t.start + t.duration >= t0).map((t) => t.duration)) }
let prover
let stock
let stockId = 0
const stockCalls = new Map()
window.zk = {
  observing: () => observing,
  now: () => performance.now(),
  // A task of the page's own (a timer), not the DevTools evaluation calling this.
  block(ms) { return new Promise((resolve) => setTimeout(() => { const end = performance.now() + ms; while (performance.now() < end); resolve() }, 0)) },
  longestSince,
  async load(artifactsUrl) {
    const manifest = await (await fetch('/manifest.json')).json()
    prover?.terminate()
    const t0 = performance.now()
    prover = createWorkerProver({ worker: new Worker('/web/prover.worker.js', { type: 'module' }), artifactsUrl, manifest })
    try { await prover.ready(); return { ms: performance.now() - t0 } } catch (e) { return { error: errorJson(e) } }
  },
  async prove(witness) {
    const t0 = performance.now()
    try {
      const { proof, publicSignals } = await prover.proveTransfer(witness)
      const ms = performance.now() - t0
      return { proof, publicSignals, ms, longestTaskMs: await longestSince(t0) }
    } catch (e) { return { error: errorJson(e) } }
  },
  async cached(url) {
    const cache = await caches.open(${JSON.stringify(ARTIFACT_CACHE)})
    return (await cache.match(new URL(url, location.href).href)) !== undefined
  },
  // Stock snarkjs (its browser build) in a classic worker: groth16.fullProve over the same bytes.
  stock(message) {
    stock ??= new Worker('/snarkjs.worker.js')
    stock.onmessage = (e) => { stockCalls.get(e.data.id)?.(e.data); stockCalls.delete(e.data.id) }
    const id = stockId++
    return new Promise((resolve) => { stockCalls.set(id, resolve); stock.postMessage({ ...message, id }) })
  },
}
document.body.dataset.ready = 'true'
</script></body></html>`

const STOCK_WORKER = `importScripts('/snarkjs.min.js')
let wasm, zkey
onmessage = async (e) => {
  const { id, type, input } = e.data
  try {
    if (type === 'load') {
      const t0 = performance.now()
      ;[wasm, zkey] = await Promise.all(['/artifacts/transfer.wasm', '/artifacts/transfer.zkey'].map(async (u) => new Uint8Array(await (await fetch(u)).arrayBuffer())))
      postMessage({ id, ms: performance.now() - t0 })
    } else {
      const t0 = performance.now()
      const { proof, publicSignals } = await snarkjs.groth16.fullProve(input, wasm, zkey)
      postMessage({ id, ms: performance.now() - t0, proof, publicSignals })
    }
  } catch (err) { postMessage({ id, error: String(err && err.stack || err) }) }
}`

export type PageError = { name?: string; code?: string; message: string }
export type PageProof = { proof: Proof; publicSignals: bigint[]; ms: number; longestTaskMs: number } | { error: PageError }
export type StockProof = { ms: number; proof?: unknown; publicSignals?: string[]; error?: string }

/** The test page's `window.zk`, as page.evaluate sees it. */
type PageApi = {
  observing(): boolean
  now(): number
  block(ms: number): Promise<void>
  longestSince(t0: number): Promise<number>
  load(artifactsUrl: string): Promise<{ ms: number } | { error: PageError }>
  prove(witness: TransferWitness): Promise<PageProof>
  cached(url: string): Promise<boolean>
  stock(message: { type: 'load' } | { type: 'prove'; input: Record<string, unknown> }): Promise<StockProof>
}

/**
 * Calls the test page's `window.zk[method](...args)` in `page`. Arguments and results cross as
 * Playwright serializes them (bigints included).
 *
 * @example
 * const { proof, publicSignals } = await zk(page, 'prove', witness)
 */
export function zk<M extends keyof PageApi>(page: Page, method: M, ...args: Parameters<PageApi[M]>): Promise<Awaited<ReturnType<PageApi[M]>>> {
  return page.evaluate(
    ([m, a]) => ((globalThis as unknown as { zk: Record<string, (...x: unknown[]) => unknown> }).zk[m]!(...a) as Promise<Awaited<ReturnType<PageApi[M]>>>),
    [method, args] as const,
  ) as Promise<Awaited<ReturnType<PageApi[M]>>>
}

/** A file a static site serves: its body (read at each request) and content type. */
export type SiteFile = { body: () => Uint8Array | string; type: string }

export type StaticSite = {
  url: string
  /** requests per path since the start (or the last `resetCounts`) */
  requests: Map<string, number>
  resetCounts(): void
  close(): Promise<void>
}

export type ProverSite = StaticSite & {
  /** requests for transfer.wasm and transfer.zkey under `prefix` (`/artifacts/` by default) */
  artifactDownloads(prefix?: string): number
}

/**
 * Serves `files` (path → file) on 127.0.0.1, a secure context (WebCrypto, Cache Storage and
 * IndexedDB work), counting requests per path; any other path is a 404.
 *
 * @example
 * const site = await startStaticSite({ '/': { body: () => '<!doctype html>…', type: 'text/html' } })
 */
export async function startStaticSite(files: Record<string, SiteFile>): Promise<StaticSite> {
  const requests = new Map<string, number>()
  const server: Server = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname
    requests.set(pathname, (requests.get(pathname) ?? 0) + 1)
    const file = files[pathname]
    if (!file) {
      res.writeHead(404).end()
      return
    }
    // no-store: a second download must reach this server (and be counted), not the HTTP cache.
    res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' }).end(file.body())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    resetCounts: () => requests.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/**
 * Serves the test page and its files on 127.0.0.1 (a secure context: Cache Storage works).
 *
 * @example
 * const site = await startProverSite()
 * const page = await openProverPage(await browser.newContext(), site)
 */
export async function startProverSite(): Promise<ProverSite> {
  const client = await esbuild.build({
    entryPoints: [path.join(projectRoot, 'src/browser/workerProver.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  })
  const transfer = artifactPaths('transfer')
  const zkey = readFileSync(transfer.zkey)
  const tampered = Uint8Array.from(zkey)
  tampered[tampered.length - 100]! ^= 1 // one bit near the end: same size, still a zkey, another hash
  const files: Record<string, SiteFile> = {
    '/': { body: () => PAGE, type: 'text/html' },
    '/client.js': { body: () => client.outputFiles[0]!.contents, type: 'text/javascript' },
    '/web/prover.worker.js': { body: () => readFileSync(WORKER_BUNDLE), type: 'text/javascript' },
    '/manifest.json': { body: () => readFileSync(MANIFEST_PATH), type: 'application/json' },
    '/artifacts/transfer.wasm': { body: () => readFileSync(transfer.wasm), type: 'application/wasm' },
    '/artifacts/transfer.zkey': { body: () => zkey, type: 'application/octet-stream' },
    '/tampered/transfer.wasm': { body: () => readFileSync(transfer.wasm), type: 'application/wasm' },
    '/tampered/transfer.zkey': { body: () => tampered, type: 'application/octet-stream' },
    '/snarkjs.min.js': { body: () => readFileSync(path.join(projectRoot, 'node_modules/snarkjs/build/snarkjs.min.js')), type: 'text/javascript' },
    '/snarkjs.worker.js': { body: () => STOCK_WORKER, type: 'text/javascript' },
  }
  const site = await startStaticSite(files)
  return {
    ...site,
    artifactDownloads: (prefix = '/artifacts/') => (site.requests.get(`${prefix}transfer.wasm`) ?? 0) + (site.requests.get(`${prefix}transfer.zkey`) ?? 0),
  }
}

/**
 * A new page of `site` in `context`, its script ready (it sets `data-ready` on the body).
 *
 * @example
 * const page = await openProverPage(context, site)
 * await zk(page, 'load', '/artifacts/')
 */
export async function openProverPage(context: { newPage(): Promise<Page> }, site: { url: string }): Promise<Page> {
  const page = await context.newPage()
  await page.goto(site.url)
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached', timeout: 10_000 })
  return page
}
