import { readFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { gzipSync } from 'node:zlib'
import { fromSnarkjs } from '../src/circuits/proofResult.ts'
import { terminateProver, verifyTransfer } from '../src/circuits/prove.ts'
import { initCrypto } from '../src/crypto/poseidon.ts'
import { buildWebBundle, CHROMIUM, decimalInput, hasChromium, launchChromium, openProverPage, type PageProof, startProverSite, type StockProof, transferWitness, WORKER_BUNDLE, zk } from '../test/helpers/browserProver.ts'
import type { Row } from './crypto.ts'

const RUNS = 5
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

function proved(r: PageProof) {
  if ('error' in r) throw new Error(`the browser proof failed: ${r.error.code} ${r.error.message}`)
  return r
}

function stockProved(r: StockProof) {
  if (r.error !== undefined) throw new Error(`stock snarkjs failed: ${r.error}`)
  return r
}

/**
 * Transfer proofs in headless Chromium (issue: browser prover): our worker
 * (dist/web/prover.worker.js, driven by createWorkerProver) warm and on a cold visit (empty
 * cache: download from localhost, init, prove), the longest main-thread task while it proves
 * (PerformanceObserver 'longtask'), a second visit that reads the artifacts from Cache Storage,
 * and stock snarkjs (its browser build's groth16.fullProve, in a worker too) for comparison.
 * Every proof made is the same witness; one of each kind is verified in Node.
 *
 * @example
 * const rows = await benchBrowser(console.log) // `npm run bench browser`
 */
export async function benchBrowser(log: (line: string) => void): Promise<Row[]> {
  if (!hasChromium) throw new Error(`The browser benchmark needs Chromium at ${CHROMIUM} (or CHROMIUM_PATH).`)
  await initCrypto()
  buildWebBundle()
  const bundle = readFileSync(WORKER_BUNDLE)
  const gzipKiB = gzipSync(bundle, { level: 9 }).length / 1024
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
      { key: 'browser.transfer.warmProveSeconds', label: `Browser worker: transfer proof, warm, median of ${RUNS}`, value: median(warmMs) / 1000, unit: 's', target: '≤ 1.8' },
      { key: 'browser.transfer.coldProveSeconds', label: 'Browser worker: first proof on a cold visit (download from localhost, check, init, prove)', value: coldMs / 1000, unit: 's', target: '≤ 5' },
      { key: 'browser.transfer.cachedVisitSeconds', label: 'Browser worker: first proof on a second visit (artifacts from Cache Storage)', value: (reloaded.ms + second.ms) / 1000, unit: 's' },
      { key: 'browser.mainThread.longestTaskMs', label: 'Browser worker: longest main-thread task while proving (longtask observer)', value: longestTaskMs, unit: 'ms', target: '≤ 200' },
      { key: 'browser.stock.firstProveSeconds', label: 'Stock snarkjs fullProve in a worker: first proof (init + prove, bytes already fetched)', value: stockFirst.ms / 1000, unit: 's' },
      { key: 'browser.stock.warmProveSeconds', label: `Stock snarkjs fullProve in a worker: warm, median of ${RUNS}`, value: median(stockWarm) / 1000, unit: 's' },
      { key: 'browser.workerBundle.gzipKiB', label: 'dist/web/prover.worker.js, gzipped', value: gzipKiB, unit: 'KiB' },
    ]
  } finally {
    await browser.close()
    await site.close()
    await terminateProver()
  }
}
