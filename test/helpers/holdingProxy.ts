// An HTTP proxy in front of a node or an L1 RPC that a test can turn against its client: pass a
// request on, answer it itself, or hold it open for good (before or after passing it on), the
// way a link that dies in the middle of a request does.
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'

export type ProxiedRequest = { method: string; url: string; body: Buffer }

/**
 * What the proxy does with one request: `pass` it on and answer with the upstream's answer,
 * `hold` it without passing it on, `passThenHold` (it reaches the upstream, its answer never
 * reaches the client), or answer `{ status, json }` itself.
 */
export type ProxyDecision = 'pass' | 'hold' | 'passThenHold' | { status: number; json: unknown }

export type HoldingProxy = {
  url: string
  /** every request seen, in order */
  requests: ProxiedRequest[]
  /** resolves with the first request, from now on, for which `match` holds */
  next(match: (r: ProxiedRequest) => boolean): Promise<ProxiedRequest>
  close(): Promise<void>
}

const read = async (req: IncomingMessage) => {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  return Buffer.concat(chunks)
}

/**
 * Starts a proxy to `upstream()` (read per request) that does with each request what `decide`
 * says; a decision that is a promise delays the request until it settles (a slow link).
 */
export async function startHoldingProxy(upstream: () => string, decide: (r: ProxiedRequest) => ProxyDecision | Promise<ProxyDecision> = () => 'pass'): Promise<HoldingProxy> {
  const requests: ProxiedRequest[] = []
  let waiters: { match: (r: ProxiedRequest) => boolean; resolve: (r: ProxiedRequest) => void }[] = []
  const server = createServer(async (req, res) => {
    const r = { method: req.method ?? 'GET', url: req.url ?? '/', body: await read(req) }
    requests.push(r)
    const decision = await decide(r)
    const forward = async () =>
      fetch(`${upstream()}${r.url}`, { method: r.method, headers: { 'content-type': 'application/json' }, ...(r.body.length ? { body: r.body } : {}) })
    try {
      if (decision === 'hold') {
        // never answered
      } else if (decision === 'passThenHold') {
        await (await forward()).arrayBuffer()
      } else if (decision === 'pass') {
        const answer = await forward()
        res.writeHead(answer.status, { 'content-type': 'application/json' })
        res.end(Buffer.from(await answer.arrayBuffer()))
      } else {
        res.writeHead(decision.status, { 'content-type': 'application/json' })
        res.end(JSON.stringify(decision.json))
      }
    } catch {
      res.destroy()
    }
    // Told only once the request reached the upstream (or was held), never before.
    waiters = waiters.filter((w) => (w.match(r) ? (w.resolve(r), false) : true))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    next: (match) => new Promise((resolve) => waiters.push({ match, resolve })),
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
