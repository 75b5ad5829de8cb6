import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import * as esbuild from 'esbuild'
import type { Page } from 'playwright-core'
import { browserBuildOptions } from '../scripts/buildWeb.mjs'
import { projectRoot } from '../src/circuits/artifacts.ts'
import { fromSnarkjs } from '../src/circuits/proofResult.ts'
import { terminateProver, verifyTransfer } from '../src/circuits/prove.ts'
import { TRANSFER_OUTPUTS } from '../src/crypto/note.ts'
import { initCrypto } from '../src/crypto/poseidon.ts'
import { buildWebBundle, CHROMIUM, decimalInput, hasChromium, launchChromium, launchChromiumProfile, openProverPage, type PageProof, startProverSite, startStaticSite, type StockProof, transferWitness, WORKER_BUNDLE, zk } from '../test/helpers/browserProver.ts'
import type { RestorePageApi } from './browserRestore.page.ts'
import { formatFigure, type Row } from './crypto.ts'
import { startSyncChain } from './sync.ts'

const RUNS = 5
const RESTORE_RUNS = 3
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/** Figures of the suites as results.json holds them (bench/run.ts passes them in). */
type Previous = Readonly<Record<string, { date: string; rows: Row[] }>>

function proved(r: PageProof) {
  if ('error' in r) throw new Error(`the browser proof failed: ${r.error.code} ${r.error.message}`)
  return r
}

function stockProved(r: StockProof) {
  if (r.error !== undefined) throw new Error(`stock snarkjs failed: ${r.error}`)
  return r
}

/** The Node figure `key` of `suite` as a note for the browser's row beside it. */
function nodeNote(previous: Previous, suite: string, key: string): string {
  const s = previous[suite]
  const row = s?.rows.find((r) => r.key === key)
  if (!s || !row) return `Node: no ${key} in results.json yet (npm run bench ${suite})`
  return `Node: ${formatFigure(row.value)} ${row.unit}, "${row.label}" (${suite} suite, ${s.date})`
}

/**
 * Transfer proofs in the browser worker, a wallet restore from L1 through the browser build, and
 * X25519 agreements per second, WebCrypto's and @noble's, each in headless Chromium.
 *
 * @example
 * const rows = await benchBrowser(console.log) // `npm run bench browser`
 */
export async function benchBrowser(log: (line: string) => void, previous: Previous = {}): Promise<Row[]> {
  if (!hasChromium) throw new Error(`The browser benchmark needs Chromium at ${CHROMIUM} (or CHROMIUM_PATH).`)
  await initCrypto()
  const prover = await benchProver(log, previous)
  const restore = await benchRestore(log, previous)
  return [...prover, ...restore]
}

/**
 * Transfer proofs in headless Chromium (issue: browser prover): our worker
 * (dist/web/prover.worker.js, driven by createWorkerProver) warm and on a cold visit (empty
 * cache: download from localhost, init, prove), the longest main-thread task while it proves
 * (PerformanceObserver 'longtask'), a second visit that reads the artifacts from Cache Storage,
 * and stock snarkjs (its browser build's groth16.fullProve, in a worker too) for comparison.
 * Every proof made is the same witness; one of each kind is verified in Node. The warm figure's
 * note is Node's proof (worker threads, the circuits suite).
 */
async function benchProver(log: (line: string) => void, previous: Previous): Promise<Row[]> {
  buildWebBundle()
  const bundle = readFileSync(WORKER_BUNDLE)
  const gzipKiB = gzipSync(bundle, { level: 9 }).length / 1024
  // The web wallet's JavaScript as a browser downloads it: the page's bundle and the prover worker (circuit artifacts apart).
  const walletKiB = gzipKiB + gzipSync(readFileSync(path.join(path.dirname(WORKER_BUNDLE), 'app.js')), { level: 9 }).length / 1024
  const loadStart = loadavg()[0]!.toFixed(2)
  const site = await startProverSite()
  const browser = await launchChromium()
  try {
    const witness = transferWitness()

    // Cold visits: new profiles (empty HTTP cache and Cache Storage), ours then stock snarkjs
    // (which is handed bytes it fetched once: its download is not timed).
    const cold = await browser.newContext()
    const page = await openProverPage(cold, site)
    const loaded = await zk(page, 'load', '/artifacts/')
    if ('error' in loaded) throw new Error(`the worker did not load: ${loaded.error.message}`)
    if (site.artifactDownloads() !== 2) throw new Error(`expected 2 artifact downloads on the cold visit, saw ${site.artifactDownloads()}`)
    const first = proved(await zk(page, 'prove', witness))
    if (!(await verifyTransfer(first.proof, first.publicSignals))) throw new Error('the browser proof does not verify')
    const coldMs = loaded.ms + first.ms

    const stockContext = await browser.newContext()
    const stockPage = await openProverPage(stockContext, site)
    stockProved(await zk(stockPage, 'stock', { type: 'load' }))
    const input = decimalInput(witness.input)
    const stockFirst = stockProved(await zk(stockPage, 'stock', { type: 'prove', input }))
    const stockProof = fromSnarkjs(stockFirst.proof as Parameters<typeof fromSnarkjs>[0])
    if (!(await verifyTransfer(stockProof, stockFirst.publicSignals!.map(BigInt)))) throw new Error('the stock snarkjs proof does not verify')

    // Warm proofs, ours and stock interleaved: on a shared machine both then see the same neighbours.
    const warm: ReturnType<typeof proved>[] = []
    const stockWarm: number[] = []
    for (let i = 0; i < RUNS; i++) {
      warm.push(proved(await zk(page, 'prove', witness)))
      stockWarm.push(stockProved(await zk(stockPage, 'stock', { type: 'prove', input })).ms)
    }
    const warmMs = warm.map((r) => r.ms)
    const longestTaskMs = Math.max(first.longestTaskMs, ...warm.map((r) => r.longestTaskMs))
    await page.close()
    await stockContext.close()
    log(`cold visit: load ${loaded.ms.toFixed(0)} ms (download, check, init) + first proof ${first.ms.toFixed(0)} ms; warm ${warmMs.map((x) => x.toFixed(0)).join(', ')} ms; longest main-thread task ${longestTaskMs.toFixed(0)} ms`)
    log(`stock snarkjs.groth16.fullProve: first ${stockFirst.ms.toFixed(0)} ms (init + prove), warm ${stockWarm.map((x) => x.toFixed(0)).join(', ')} ms`)

    // Second visit, same profile: artifacts from Cache Storage, none downloaded.
    const downloads = site.artifactDownloads()
    const again = await openProverPage(cold, site)
    const reloaded = await zk(again, 'load', '/artifacts/')
    if ('error' in reloaded) throw new Error(`the worker did not load from the cache: ${reloaded.error.message}`)
    if (site.artifactDownloads() !== downloads) throw new Error('the second visit downloaded artifacts')
    const second = proved(await zk(again, 'prove', witness))
    await cold.close()
    log(`second visit: load from Cache Storage ${reloaded.ms.toFixed(0)} ms + first proof ${second.ms.toFixed(0)} ms, 0 downloads`)
    log(`dist/web/prover.worker.js: ${(bundle.length / 1024).toFixed(0)} KiB, ${gzipKiB.toFixed(0)} KiB gzipped; load average ${loadStart} at the start, ${loadavg()[0]!.toFixed(2)} at the end (2 cores: above ~2, neighbours slowed these figures)`)

    return [
      { key: 'browser.transfer.warmProveSeconds', label: `Browser worker: transfer proof, warm, median of ${RUNS}`, value: median(warmMs) / 1000, unit: 's', target: '≤ 1.8', note: nodeNote(previous, 'circuits', 'transfer.proveSeconds') },
      { key: 'browser.transfer.coldProveSeconds', label: 'Browser worker: first proof on a cold visit (download from localhost, check, init, prove)', value: coldMs / 1000, unit: 's', target: '≤ 5' },
      { key: 'browser.transfer.cachedVisitSeconds', label: 'Browser worker: first proof on a second visit (artifacts from Cache Storage)', value: (reloaded.ms + second.ms) / 1000, unit: 's' },
      { key: 'browser.mainThread.longestTaskMs', label: 'Browser worker: longest main-thread task while proving (longtask observer)', value: longestTaskMs, unit: 'ms', target: '≤ 200' },
      { key: 'browser.stock.firstProveSeconds', label: 'Stock snarkjs fullProve in a worker: first proof (init + prove, bytes already fetched)', value: stockFirst.ms / 1000, unit: 's' },
      { key: 'browser.stock.warmProveSeconds', label: `Stock snarkjs fullProve in a worker: warm, median of ${RUNS}`, value: median(stockWarm) / 1000, unit: 's' },
      { key: 'browser.workerBundle.gzipKiB', label: 'dist/web/prover.worker.js, gzipped', value: gzipKiB, unit: 'KiB' },
      { key: 'browser.webWallet.gzipKiB', label: 'Web wallet JavaScript (app.js + prover.worker.js), gzipped, without circuit artifacts', value: walletKiB, unit: 'KiB', target: '≤ 1,536' },
    ]
  } finally {
    await browser.close()
    await site.close()
    await terminateProver()
  }
}

/** The restore page: bench/browserRestore.page.ts, bundled when the benchmark starts. */
const RESTORE_PAGE = path.join(projectRoot, 'bench/browserRestore.page.ts')
const RESTORE_HTML = '<!doctype html><html><head><meta charset="utf-8"><title>zkpay restore bench</title></head><body><script type="module" src="/restore.js"></script></body></html>'

/** Calls the restore page's `window.restoreBench[method](arg)`; bigints cross as Playwright serializes them. */
function restorePage<M extends keyof RestorePageApi>(page: Page, method: M, arg: Parameters<RestorePageApi[M]>[0]): Promise<Awaited<ReturnType<RestorePageApi[M]>>> {
  return page.evaluate(
    ([m, a]) => (globalThis as unknown as { restoreBench: Record<string, (x: unknown) => unknown> }).restoreBench[m]!(a),
    [method, arg] as const,
  ) as Promise<Awaited<ReturnType<RestorePageApi[M]>>>
}

/**
 * Wallet restore in headless Chromium (issue: browser wallet): the chain of the Node sync bench
 * (`startSyncChain`: 10,002 outputs announced on anvil, which answers a page's CORS requests),
 * restored by zkpay's browser build (`createWallet` of src/browser.ts: IndexedDB on a profile on
 * disk, a prover worker that never answers so no artifact download competes) into a fresh store
 * each time, with WebCrypto's X25519 and with @noble's, runs interleaved; `wallet.sync()` timed
 * in the page, the balance checked in Node. Then X25519 agreements per second in the same page.
 * Node's figures from results.json go in the rows' notes.
 */
async function benchRestore(log: (line: string) => void, previous: Previous): Promise<Row[]> {
  const bundled = await esbuild.build({ ...browserBuildOptions, entryPoints: [RESTORE_PAGE], write: false })
  const script = bundled.outputFiles[0]!.contents
  const chain = await startSyncChain(log)
  const site = await startStaticSite({
    '/': { body: () => RESTORE_HTML, type: 'text/html' },
    '/restore.js': { body: () => script, type: 'text/javascript' },
  })
  const profile = mkdtempSync(path.join(tmpdir(), 'zkpay-bench-profile-'))
  try {
    const loadStart = loadavg()[0]!.toFixed(2)
    const context = await launchChromiumProfile(profile)
    try {
      const page = await openProverPage(context, site)
      const modes = ['webcrypto', 'noble'] as const
      const times: Record<(typeof modes)[number], number[]> = { webcrypto: [], noble: [] }
      for (let run = 0; run < RESTORE_RUNS; run++) {
        for (const x25519 of modes) {
          const store = `bench-restore-${x25519}-${run}-${Date.now()}`
          const restored = await restorePage(page, 'restore', { rpcUrl: chain.rpcUrl, mnemonic: chain.mnemonic, rollupAddress: chain.rollupAddress, fromBlock: chain.fromBlock, account: chain.walletClient.account.address, store, x25519 })
          if (restored.balance !== chain.expected) throw new Error(`the browser restore (${x25519}) found a balance of ${restored.balance}, expected ${chain.expected}`)
          times[x25519].push(restored.ms / 1000)
          log(`browser restore ${run + 1}, ${x25519}: ${(restored.ms / 1000).toFixed(2)} s (${Math.round(chain.outputs / (restored.ms / 1000))} outputs/s), balance found`)
        }
      }
      // As many agreements as a restore's scan makes in one batch: one per transaction.
      const transactions = Math.ceil(chain.outputs / TRANSFER_OUTPUTS)
      const ecdh = await restorePage(page, 'ecdh', { webcryptoAgreements: transactions, nobleAgreements: 500, rounds: 3 })
      log(`browser X25519: WebCrypto ${Math.round(ecdh.webcryptoPerSecond)}/s (batches of ${transactions}), @noble ${Math.round(ecdh.noblePerSecond)}/s (loops of 500), median of 3; load average ${loadStart} at the start, ${loadavg()[0]!.toFixed(2)} at the end`)
      const restoreNote = nodeNote(previous, 'sync', 'sync.restore10k')
      const ecdhNote = nodeNote(previous, 'crypto', 'x25519.perSecond')
      const outputs = chain.outputs.toLocaleString('en-US')
      return [
        { key: 'browser.restore10k.webcryptoSeconds', label: `Browser wallet restore from L1 over ${outputs} outputs, WebCrypto X25519 (median of ${RESTORE_RUNS})`, value: median(times.webcrypto), unit: 's', target: '≤ 2', note: restoreNote },
        { key: 'browser.restore10k.nobleSeconds', label: `Browser wallet restore from L1 over ${outputs} outputs, @noble X25519 (median of ${RESTORE_RUNS})`, value: median(times.noble), unit: 's', target: '≤ 2', note: restoreNote },
        { key: 'browser.x25519.webcryptoPerSecond', label: `Browser X25519 ECDH, WebCrypto, batches of ${transactions.toLocaleString('en-US')} (median of 3)`, value: ecdh.webcryptoPerSecond, unit: 'ECDH/s', note: ecdhNote },
        { key: 'browser.x25519.noblePerSecond', label: 'Browser X25519 ECDH, @noble/curves in a loop (median of 3)', value: ecdh.noblePerSecond, unit: 'ECDH/s', note: ecdhNote },
      ]
    } finally {
      await context.close()
    }
  } finally {
    await site.close()
    await chain.stop()
    rmSync(profile, { recursive: true, force: true })
  }
}
