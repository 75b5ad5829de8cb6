import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Hono } from 'hono'
import type { Address } from 'viem'
import { ConfigError } from '../errors/index.ts'
import { isLoopback } from '../config/loopback.ts'
import { type HttpServer, serveHttp } from './serveHttp.ts'

/** What the web wallet page reads as `config.json`: the network it belongs to. */
export type WebWalletConfig = {
  sequencerUrl: string
  /** given to every visitor's browser: a public RPC, never one with a secret in its URL */
  rpcUrl: string
  rollupAddress: Address
  fromBlock: string
  chainId: number
  network: 'mainnet' | 'testnet'
  /** where the page finds transfer.wasm and transfer.zkey (default: `circuits/artifacts/` of the page) */
  artifactsUrl?: string
  /** the prover worker's script (default: `prover.worker.js` beside the page) */
  workerUrl?: string
}

/** The package root: this module is src/cli/web.ts or dist/cli/web.js. */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
/** The bundled app (`scripts/buildWeb.mjs`), and the transfer circuit its worker proves with. */
const APP_DIR = path.join(ROOT, 'dist', 'web')
const ARTIFACTS_DIR = path.join(ROOT, 'circuits', 'artifacts')
const ARTIFACTS = ['transfer.wasm', 'transfer.zkey']

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.zkey': 'application/octet-stream',
}

/** Every file under `dir` by its URL path: the app serves what the build wrote, and nothing else (no path from a request reaches the disk). */
function filesUnder(dir: string, prefix = '/'): Map<string, string> {
  const files = new Map<string, string>()
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name)
    if (statSync(file).isDirectory()) for (const [url, f] of filesUnder(file, `${prefix}${name}/`)) files.set(url, f)
    else if (TYPES[path.extname(name)]) files.set(`${prefix}${name}`, file)
  }
  return files
}

/**
 * The web wallet as an HTTP app: the page and its bundles from dist/web, the transfer circuit's
 * artifacts under /circuits/artifacts/ (the page's worker checks them against the hashes built
 * into it), and `config.json`. Static, with headers that keep the page to itself: its CSP, no
 * sniffing, no framing, no referrer.
 *
 * @example
 * const app = webWalletApp({ sequencerUrl, rpcUrl, rollupAddress, fromBlock: '0', chainId: 31337, network: 'testnet' })
 */
export function webWalletApp(config: WebWalletConfig, options: { appDir?: string } = {}) {
  const appDir = options.appDir ?? APP_DIR
  if (!existsSync(path.join(appDir, 'index.html'))) {
    throw new ConfigError('ZKPAY_WEB', `The web wallet is not built (${path.relative(process.cwd(), appDir) || appDir} has no index.html): run \`npm run build\`.`)
  }
  const files = filesUnder(appDir)
  for (const name of ARTIFACTS) {
    const file = path.join(ARTIFACTS_DIR, name)
    if (!existsSync(file)) throw new ConfigError('ZKPAY_WEB', `The transfer circuit's ${name} is missing: run \`npm run setup\`.`)
    files.set(`/circuits/artifacts/${name}`, file)
  }
  const body = JSON.stringify(config)
  const cache = new Map<string, Uint8Array>()
  const csp = contentSecurityPolicy(config)
  return new Hono()
    .use('*', async (c, next) => {
      await next()
      // On every answer, the worker scripts' too (a worker takes its policy from its own response).
      c.header('Content-Security-Policy', csp)
      // No other origin keeps a handle on this page (one that opened it could change its fragment).
      c.header('Cross-Origin-Opener-Policy', 'same-origin')
      c.header('X-Content-Type-Options', 'nosniff')
      c.header('Referrer-Policy', 'no-referrer')
      c.header('X-Frame-Options', 'DENY')
    })
    .get('/config.json', (c) => c.body(body, 200, { 'content-type': 'application/json', 'cache-control': 'no-store' }))
    .get('*', (c) => {
      const url = c.req.path === '/' ? '/index.html' : c.req.path
      const file = files.get(url)
      if (!file) return c.json({ code: 'NOT_FOUND', message: 'No such file in the web wallet.' }, 404)
      let bytes = cache.get(file)
      if (!bytes) {
        bytes = new Uint8Array(readFileSync(file))
        cache.set(file, bytes)
      }
      // The page and config change with a release; the bundles, hashed artifacts and maps are revalidated.
      return c.body(bytes as Uint8Array<ArrayBuffer>, 200, { 'content-type': TYPES[path.extname(file)]!, 'cache-control': 'no-cache' })
    })
}

/**
 * The page's policy: its own scripts and styles only (no inline code, no eval; WebAssembly and the
 * prover's Blob workers allowed), requests to itself, the node and the RPC only, no framing, no
 * forms posted anywhere, no `<base>`.
 */
function contentSecurityPolicy(config: WebWalletConfig): string {
  const origins = new Set(["'self'"])
  for (const url of [config.sequencerUrl, config.rpcUrl, config.artifactsUrl]) if (url && URL.canParse(url)) origins.add(new URL(url).origin)
  return [
    "default-src 'none'",
    "script-src 'self' 'wasm-unsafe-eval' blob:",
    "worker-src 'self' blob:",
    `connect-src ${[...origins].join(' ')}`,
    "img-src 'self' data:",
    "style-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
}

/**
 * Serves the web wallet (`zkpay web`, and `zkpay devnet` beside its node). On loopback only:
 * whoever can change the page can read the recovery words typed into it, so off this machine it
 * must be served over HTTPS, by a reverse proxy in front of this server (and a browser gives an
 * http page off localhost neither Web Locks nor Cache Storage).
 *
 * @example
 * const web = await serveWebWallet({ config, port: 5173, hostname: '127.0.0.1' })
 * console.log(`web wallet: ${web.url}`)
 */
export async function serveWebWallet(p: { config: WebWalletConfig; port: number; hostname: string; appDir?: string }): Promise<HttpServer> {
  if (!isLoopback(p.hostname)) {
    throw new ConfigError('ZKPAY_WEB_HOST', `The web wallet serves plain HTTP on loopback only (not ${p.hostname}): put an HTTPS reverse proxy in front of it to serve it to others.`)
  }
  const app = webWalletApp(p.config, p.appDir ? { appDir: p.appDir } : {})
  return serveHttp({ fetch: app.fetch, port: p.port, hostname: p.hostname, headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 })
}
