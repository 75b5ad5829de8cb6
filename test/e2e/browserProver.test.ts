import type { Browser } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { verifyTransfer } from '../../src/circuits/prove.ts'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import { buildWebBundle, CHROMIUM, hasChromium, launchChromium, openProverPage, type PageProof, type ProverSite, startProverSite, transferWitness, zk } from '../helpers/browserProver.ts'
import { deferCleanups } from '../helpers/cleanups.ts'

// The prover in a browser: dist/web/prover.worker.js (built here by scripts/buildWeb.mjs) in a
// dedicated worker of headless Chromium, driven by createWorkerProver from a test page. Real
// artifacts, real proofs, verified in Node. Timings are logged, never asserted.

if (!hasChromium && process.env.CI) throw new Error(`The browser prover test needs Chromium at ${CHROMIUM} (apt-get install chromium); CI must not skip it.`)

let browser: Browser | undefined
let site: ProverSite
const defer = deferCleanups() // Node's prover threads (verifyTransfer) stop after the file

beforeAll(async () => {
  if (!hasChromium) return
  await initCrypto()
  buildWebBundle()
  site = await startProverSite()
  defer(() => site.close())
  browser = await launchChromium()
  defer(() => browser?.close())
})

const proved = (r: PageProof) => {
  if ('error' in r) throw new Error(`the page's proof failed: ${r.error.code} ${r.error.message}`)
  return r
}

const test = (name: string, fn: () => Promise<void>) => it.skipIf(!hasChromium)(hasChromium ? name : `${name} (skipped: no Chromium at ${CHROMIUM})`, fn)

describe('browser prover (worker)', () => {
  test('default: proves a transfer in the worker that verifies in Node; the second visit loads the artifacts from Cache Storage, downloading none', async () => {
    const context = await browser!.newContext()
    try {
      const witness = transferWitness()
      const page = await openProverPage(context, site)
      const loaded = await zk(page, 'load', '/artifacts/')
      expect(loaded).toMatchObject({ ms: expect.any(Number) })
      expect(site.artifactDownloads()).toBe(2)
      expect(await zk(page, 'cached', '/artifacts/transfer.zkey')).toBe(true)
      const first = proved(await zk(page, 'prove', witness))
      expect(first.publicSignals).toEqual(witness.publicSignals)
      expect(await verifyTransfer(first.proof, first.publicSignals)).toBe(true)
      // Another public signal does not verify with this proof: the proof is bound to them.
      expect(await verifyTransfer(first.proof, [first.publicSignals[0]! + 1n, ...first.publicSignals.slice(1)])).toBe(false)

      // The main thread's long tasks are observed (one is made here on purpose); the proof's
      // longest one is a figure for the benchmark, not asserted.
      expect(await zk(page, 'observing')).toBe(true)
      const t0 = await zk(page, 'now')
      await zk(page, 'block', 120)
      expect(await zk(page, 'longestSince', t0)).toBeGreaterThanOrEqual(100)
      console.log(`browser prover: load ${'ms' in loaded ? loaded.ms.toFixed(0) : '?'} ms, first proof ${first.ms.toFixed(0)} ms, longest main-thread task during it ${first.longestTaskMs.toFixed(0)} ms`)
      await page.close()

      // Second visit, same browser profile: nothing downloaded, and the proof still verifies.
      const before = site.artifactDownloads()
      const again = await openProverPage(context, site)
      expect(await zk(again, 'load', '/artifacts/')).toMatchObject({ ms: expect.any(Number) })
      expect(site.artifactDownloads() - before).toBe(0)
      const second = proved(await zk(again, 'prove', witness))
      expect(await verifyTransfer(second.proof, second.publicSignals)).toBe(true)
      await again.close()
    } finally {
      await context.close()
    }
  })

  test('error: a zkey that does not match the manifest is refused (CIRCUIT_ARTIFACT_INVALID, naming it), never cached, and downloaded again next time', async () => {
    const context = await browser!.newContext()
    try {
      const page = await openProverPage(context, site)
      const refused = await zk(page, 'load', '/tampered/')
      expect(refused).toEqual({ error: { name: 'CircuitArtifactError', code: 'CIRCUIT_ARTIFACT_INVALID', message: expect.stringContaining('transfer.zkey does not match the manifest') } })
      expect(await zk(page, 'cached', '/tampered/transfer.zkey')).toBe(false)
      // The genuine wasm beside it was checked and kept: the refusal is the zkey's alone.
      expect(await zk(page, 'cached', '/tampered/transfer.wasm')).toBe(true)
      // A proof asked of a prover whose load failed fails with the load's error.
      const proof = await zk(page, 'prove', transferWitness())
      expect(proof).toEqual({ error: expect.objectContaining({ code: 'CIRCUIT_ARTIFACT_INVALID' }) })
      const zkeys = site.requests.get('/tampered/transfer.zkey') ?? 0
      expect(await zk(page, 'load', '/tampered/')).toMatchObject({ error: { code: 'CIRCUIT_ARTIFACT_INVALID' } })
      expect(site.requests.get('/tampered/transfer.zkey')).toBe(zkeys + 1)
      expect(site.requests.get('/tampered/transfer.wasm')).toBe(1) // from Cache Storage the second time
      await page.close()
    } finally {
      await context.close()
    }
  })

  test('error: public signals other than the witness builder\'s are PROOF_GENERATION_FAILED; inputs that violate a constraint too, naming the circuit', async () => {
    const context = await browser!.newContext()
    try {
      const page = await openProverPage(context, site)
      expect(await zk(page, 'load', '/artifacts/')).toMatchObject({ ms: expect.any(Number) })
      const witness = transferWitness()
      // The worker proves the input; the main thread expects other public signals.
      const other = { ...witness, publicSignals: [...witness.publicSignals.slice(0, -1), witness.publicSignals.at(-1)! + 1n] }
      expect(await zk(page, 'prove', other)).toEqual({ error: { name: 'ProofGenerationError', code: 'PROOF_GENERATION_FAILED', message: "The transfer proof's public signals differ from the witness builder's." } })
      // An input the circuit refuses (the nullifier of another note): the witness fails in the worker.
      const bad = { ...witness, input: { ...witness.input, inputNullifier: [1n, 2n] } }
      expect(await zk(page, 'prove', bad)).toEqual({
        error: { name: 'ProofGenerationError', code: 'PROOF_GENERATION_FAILED', message: expect.stringMatching(/^The transfer inputs do not satisfy the circuit\.\n\nDetails: .*Assert Failed\. Error in template Transfer/) },
      })
      // The worker is still usable after both.
      const ok = proved(await zk(page, 'prove', witness))
      expect(await verifyTransfer(ok.proof, ok.publicSignals)).toBe(true)
      await page.close()
    } finally {
      await context.close()
    }
  })
})
