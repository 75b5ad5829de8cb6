import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { serveWebWallet, webWalletApp, type WebWalletConfig } from '../../src/cli/web.ts'

// `zkpay web`: the page and its bundles (dist/web, built by `npm run build`), the transfer
// circuit, and the network's config.json; nothing else from the disk, whatever the path asks.

const config: WebWalletConfig = { sequencerUrl: 'http://127.0.0.1:8080', rpcUrl: 'http://127.0.0.1:8545', rollupAddress: '0x5FbDB2315678afecb367f032d93F642f64180aa3', fromBlock: '1', chainId: 31337, network: 'testnet' }
const empty = mkdtempSync(path.join(tmpdir(), 'zkpay-web-'))
afterAll(() => rmSync(empty, { recursive: true, force: true }))

describe('web wallet server', () => {
  const app = webWalletApp(config)

  it('default: serves the page, its bundles, the transfer circuit and config.json, with headers that keep the page to itself', async () => {
    const page = await app.request('/')
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toMatch(/^text\/html/)
    expect(await page.text()).toContain('<script type="module" src="app.js"></script>')
    expect([page.headers.get('x-frame-options'), page.headers.get('x-content-type-options'), page.headers.get('referrer-policy')]).toEqual(['DENY', 'nosniff', 'no-referrer'])
    for (const [url, type] of [['/app.js', /^text\/javascript/], ['/prover.worker.js', /^text\/javascript/], ['/app.css', /^text\/css/], ['/circuits/artifacts/transfer.wasm', /^application\/wasm/], ['/circuits/artifacts/transfer.zkey', /^application\/octet-stream/]] as const) {
      const res = await app.request(url)
      expect([url, res.status, res.headers.get('content-type')]).toEqual([url, 200, expect.stringMatching(type)])
    }
    expect(await (await app.request('/config.json')).json()).toEqual(config)
    // Its own scripts only, requests to itself, the node and the RPC only; no opener keeps a handle on it.
    for (const url of ['/', '/prover.worker.js']) {
      const headers = (await app.request(url)).headers
      expect(headers.get('content-security-policy')).toBe(
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval' blob:; worker-src 'self' blob:; connect-src 'self' http://127.0.0.1:8080 http://127.0.0.1:8545; img-src 'self' data:; style-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      )
      expect(headers.get('cross-origin-opener-policy')).toBe('same-origin')
    }
  })

  it('error: serving it off loopback (plain http, where anyone on the path could change the page) is CONFIG_INVALID naming the HTTPS proxy to use', async () => {
    await expect(serveWebWallet({ config, port: 0, hostname: '0.0.0.0' })).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/loopback only \(not 0\.0\.0\.0\): put an HTTPS reverse proxy in front/) })
  })

  it('error: anything else is a 404 with a code, paths that climb out of the folder included', async () => {
    for (const url of ['/nope.js', '/../package.json', '/%2e%2e/package.json', '/circuits/artifacts/batch.zkey', '/circuits/manifest.json']) {
      const res = await app.request(url)
      expect([url, res.status, await res.json()]).toEqual([url, 404, { code: 'NOT_FOUND', message: 'No such file in the web wallet.' }])
    }
  })

  it('error: an unbuilt web wallet is a CONFIG_INVALID naming the build command, not a server of 404s', () => {
    expect(() => webWalletApp(config, { appDir: empty })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringMatching(/is not built .*npm run build/) }))
  })
})
