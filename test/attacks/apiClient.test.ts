import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import { type AddressInfo, connect, type Socket } from 'node:net'
import { setTimeout } from 'node:timers/promises'
import { inspect } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/api/index.ts'
import { RateLimiter } from '../../src/api/RateLimiter.ts'
import { serveHttp } from '../../src/cli/serveHttp.ts'
import { createProverApp } from '../../src/prover/index.ts'
import { toHex32 } from '../../src/crypto/field.ts'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import { createLogger } from '../../src/log/index.ts'
import { startOfflineSequencer } from '../helpers/node.ts'
import { freePort } from '../helpers/nodeProcess.ts'

// An HTTP client of the node's API who tries to deny service to others, or to itself escape the
// limits, with requests alone. A real sequencer and SQLite store (L1 unreachable: nothing here
// gets as far as L1).

let offline: Awaited<ReturnType<typeof startOfflineSequencer>>

beforeAll(async () => {
  await initCrypto()
  offline = await startOfflineSequencer()
})

afterAll(async () => {
  await offline?.stop()
})

/** A request as @hono/node-server hands it over: the peer's address on `env.incoming.socket`. */
const from = (remoteAddress: string) => ({ incoming: { socket: { remoteAddress } } })
const submitGarbage = (app: ReturnType<typeof createApp>, env?: object) =>
  app.request('/v1/transactions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"proof":1}' }, env)
const codeOf = async (res: Response) => ((await res.json()) as { code?: string }).code

describe('rate limits', () => {
  it('behavior: a client flooding bad submissions gets 429 on submissions only: its reads, /v1/status and /health still answer', async () => {
    const app = createApp({ sequencer: offline.sequencer, rateLimit: { submit: 5, read: 5 } })
    for (let i = 0; i < 5; i++) expect(await codeOf(await submitGarbage(app))).toBe('INVALID_SCHEMA')
    const limited = await submitGarbage(app)
    expect([limited.status, limited.headers.get('retry-after'), await codeOf(limited)]).toEqual([429, expect.stringMatching(/^\d+$/), 'RATE_LIMITED'])

    expect((await app.request('/v1/status')).status).toBe(200)
    expect((await app.request('/v1/mempool')).status).toBe(200)
    const health = await app.request('/health')
    expect([health.status, await health.json()]).toEqual([200, { ok: true }])
  })

  it('behavior: a client polling reads past its limit keeps its submissions and its status checks', async () => {
    const app = createApp({ sequencer: offline.sequencer, rateLimit: { submit: 5, read: 5 } })
    for (let i = 0; i < 5; i++) expect((await app.request('/v1/transactions/0x12')).status).toBe(404)
    expect(await codeOf(await app.request('/v1/transactions/0x12'))).toBe('RATE_LIMITED')
    expect(await codeOf(await submitGarbage(app))).toBe('INVALID_SCHEMA')
    expect((await app.request('/v1/status')).status).toBe(200)
  })

  it('behavior: /v1/status has a bucket of its own, and /health is never limited', async () => {
    const app = createApp({ sequencer: offline.sequencer, rateLimit: { submit: 5, read: 5 } })
    for (let i = 0; i < 5; i++) expect((await app.request('/v1/status')).status).toBe(200)
    expect(await codeOf(await app.request('/metrics'))).toBe('RATE_LIMITED') // same bucket as status
    expect((await app.request('/v1/mempool')).status).toBe(200)
    for (let i = 0; i < 50; i++) expect((await app.request('/health')).status).toBe(200)
  })

  it('behavior: the limiter forgets ended windows, so a stream of new addresses cannot grow it without bound', () => {
    const limiter = new RateLimiter({ max: 2, windowMs: 60_000, maxClients: 1_000 })
    for (let i = 0; i < 1_000; i++) expect(limiter.take(`198.51.100.${i}`, 0).ok).toBe(true)
    expect(limiter.clients).toBe(1_000)
    // Full: a new address is turned away until the windows end; the known ones keep their allowance.
    expect(limiter.take('203.0.113.1', 1_000)).toEqual({ ok: false, retryAfterSeconds: 59 })
    expect(limiter.take('198.51.100.7', 1_000)).toEqual({ ok: true })
    expect(limiter.take('198.51.100.7', 1_000)).toEqual({ ok: false, retryAfterSeconds: 59 })
    // The next window sweeps every ended one.
    expect(limiter.take('203.0.113.1', 60_000)).toEqual({ ok: true })
    expect(limiter.clients).toBe(1)
  })
})

describe('client addresses behind a reverse proxy', () => {
  const proxy = '10.0.0.1'
  const app = () => createApp({ sequencer: offline.sequencer, rateLimit: { read: 2 }, trustedProxies: [proxy, '10.1.0.0/16'] })
  const read = (a: ReturnType<typeof createApp>, peer: string, forwardedFor?: string) =>
    a.request('/v1/mempool', forwardedFor === undefined ? {} : { headers: { 'x-forwarded-for': forwardedFor } }, from(peer))

  it('behavior: through a trusted proxy each client has its own bucket, the one X-Forwarded-For names', async () => {
    const a = app()
    expect((await read(a, proxy, '203.0.113.7')).status).toBe(200)
    expect((await read(a, proxy, '203.0.113.7')).status).toBe(200)
    expect((await read(a, proxy, '203.0.113.7')).status).toBe(429)
    expect((await read(a, proxy, '203.0.113.8')).status).toBe(200) // another client behind the same proxy
    // Two proxies in a chain (10.1.2.3 in the trusted range): the client is the right-most untrusted hop.
    expect((await read(a, proxy, '203.0.113.9, 10.1.2.3')).status).toBe(200)
    expect((await read(a, proxy, '203.0.113.9')).status).toBe(200)
    expect((await read(a, proxy, '203.0.113.9')).status).toBe(429)
  })

  it('behavior: a client cannot escape its limit with X-Forwarded-For, sent directly or through the proxy', async () => {
    const a = app()
    // Directly: the header is ignored, the socket's address counts.
    expect((await read(a, '198.51.100.9', '1.1.1.1')).status).toBe(200)
    expect((await read(a, '198.51.100.9', '2.2.2.2')).status).toBe(200)
    expect((await read(a, '198.51.100.9', '3.3.3.3')).status).toBe(429)
    // Through the proxy, which appends the real address after whatever the client wrote.
    expect((await read(a, proxy, '4.4.4.4, 198.51.100.10')).status).toBe(200)
    expect((await read(a, proxy, '5.5.5.5, 198.51.100.10')).status).toBe(200)
    expect((await read(a, proxy, '10.0.0.1, 198.51.100.10')).status).toBe(429)
    // A hop that is no address stops the walk at the last address our proxies wrote: what the
    // client put further left never counts.
    expect((await read(a, proxy, '6.6.6.6, garbage, 10.1.2.3')).status).toBe(200)
    expect((await read(a, proxy, '7.7.7.7, junk, 10.1.2.3')).status).toBe(200)
    expect((await read(a, proxy, '8.8.8.8, 10.1.2.3')).status).toBe(200) // 8.8.8.8 is another client
    expect((await read(a, proxy, '9.9.9.9, other, 10.1.2.3')).status).toBe(429)
  })

  it('behavior: IPv6 clients count per /64, and an IPv4-mapped address as its IPv4 one', async () => {
    const a = app()
    expect((await read(a, '2001:db8:1:2::1')).status).toBe(200)
    expect((await read(a, '2001:db8:1:2:ffff:0:0:9')).status).toBe(200)
    expect((await read(a, '2001:0db8:0001:0002::abcd')).status).toBe(429)
    expect((await read(a, '2001:db8:1:3::1')).status).toBe(200) // the next /64
    expect((await read(a, '::ffff:198.51.100.12')).status).toBe(200)
    expect((await read(a, '198.51.100.12')).status).toBe(200)
    expect((await read(a, '::ffff:198.51.100.12')).status).toBe(429)
  })
})

describe('slow clients', () => {
  /**
   * Sends `head` and `body` on a raw socket and never more; resolves with what the server wrote
   * once it closes the connection, or undefined if it is still open after `giveUpMs`.
   */
  async function starve(url: string, head: string, body: string, giveUpMs = 15_000): Promise<string | undefined> {
    const { hostname, port } = new URL(url)
    const socket = connect(Number(port), hostname)
    let received = ''
    socket.on('data', (chunk) => (received += chunk.toString()))
    socket.on('error', () => {})
    socket.write(head + body)
    const closed = await Promise.race([once(socket, 'close').then(() => true), setTimeout(giveUpMs).then(() => false)])
    socket.destroy()
    return closed ? received : undefined
  }
  const announcing1000 = (path: string) => `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`

  it('behavior: a request that announces 1000 bytes and sends 10 is answered 408 and its connection closed', async () => {
    const server = await serveHttp({ fetch: createApp({ sequencer: offline.sequencer }).fetch, port: 0, hostname: '127.0.0.1', headersTimeoutMs: 300, requestTimeoutMs: 600 })
    try {
      const written = await starve(server.url, announcing1000('/v1/transactions'), '{"proof":1')
      expect(written).toMatch(/^HTTP\/1\.1 408 /)
      // Headers that never end are cut off the same way.
      expect(await starve(server.url, 'GET /v1/status HTTP/1.1\r\nHost: x\r\n', 'X-Slow: 1\r\n')).toMatch(/^HTTP\/1\.1 408 /)
    } finally {
      await server.close()
    }
  })

  it('behavior: the prover service cuts off a slow witness upload the same way', async () => {
    const prover = createProverApp({ name: 'never', prove: () => new Promise(() => {}) })
    const server = await serveHttp({ fetch: prover.fetch, port: 0, hostname: '127.0.0.1', headersTimeoutMs: 300, requestTimeoutMs: 600 })
    try {
      expect(await starve(server.url, announcing1000('/v1/prove'), '{"witness"')).toMatch(/^HTTP\/1\.1 408 /)
    } finally {
      await server.close()
    }
  })

  it('error: a headers timeout longer than the request timeout is a CONFIG_INVALID naming both variables', async () => {
    await expect(serveHttp({ fetch: createApp({ sequencer: offline.sequencer }).fetch, port: 0, hostname: '127.0.0.1', headersTimeoutMs: 2_000, requestTimeoutMs: 1_000 })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      variable: 'ZKPAY_HTTP_HEADERS_TIMEOUT_MS',
      shortMessage: expect.stringContaining('must not exceed ZKPAY_HTTP_REQUEST_TIMEOUT_MS'),
    })
  })
})

describe("the RPC provider's token", () => {
  const TOKEN = 'SECRETTOKEN123'
  let failing: Server
  let failingPort: number

  beforeAll(async () => {
    // An RPC that answers 500 and, as some proxies do, echoes the request's path in its body.
    failing = createServer((req, res) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`upstream failed for ${req.url}`))
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve))
    failingPort = (failing.address() as AddressInfo).port
  })
  afterAll(() => new Promise((resolve) => failing?.close(resolve)))

  const cases = [
    ['a closed port', async () => `http://127.0.0.1:${await freePort()}/v3/${TOKEN}`],
    ['an RPC answering HTTP 500', async () => `http://user:${TOKEN}@127.0.0.1:${failingPort}/v3/${TOKEN}?key=${TOKEN}`],
  ] as const

  it.each(cases)('behavior: with %s, /v1/status, the logs and the errors name the origin only', async (_, makeUrl) => {
    const url = await makeUrl()
    const origin = new URL(url).origin
    const lines: string[] = []
    const logger = createLogger('node', { level: 'debug', destination: { write: (line: string) => void lines.push(line) } })
    const node = await startOfflineSequencer({ rpcUrl: url, logger })
    try {
      const status = await (await createApp({ sequencer: node.sequencer }).request('/v1/status')).text()
      expect(JSON.parse(status).l1).toMatchObject({ ok: false, code: 'L1_UNREACHABLE', message: expect.stringContaining(`The L1 RPC at ${origin} cannot be reached`) })
      expect(status).not.toContain(TOKEN)

      const failed = lines.filter((l) => l.includes('L1 sync failed'))
      expect(failed.length).toBeGreaterThan(0)
      expect(failed[0]).toContain(origin)
      expect(lines.filter((l) => l.includes(TOKEN))).toEqual([])

      // The errors themselves, as deep as anything could print them (causes, details, url, stack).
      const error = await node.publicClient.getBalance({ address: node.sequencer.options.l1.account }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(Error)
      const everything = `${inspect(error, { depth: 20, showHidden: true })} ${JSON.stringify(error)} ${(error as Error).stack}`
      expect(everything).toContain(origin)
      expect(everything).not.toContain(TOKEN)
    } finally {
      await node.stop()
    }
  })
})

describe('cheap requests that would make the node work or hold memory', () => {
  it('error: /v1/notes pages hold at most 1,000 notes; a larger limit is INVALID_SCHEMA naming the cap', async () => {
    const app = createApp({ sequencer: offline.sequencer })
    const res = await app.request('/v1/notes?from=0&limit=10000')
    const body = (await res.json()) as { code: string; message: string }
    expect([res.status, body.code]).toEqual([400, 'INVALID_SCHEMA'])
    expect(body.message).toMatch(/limit at most 1,000/)
    expect((await app.request('/v1/notes?from=0&limit=1000')).status).toBe(200)
  })

  it('error: past the cap on event streams the next one is 503 TOO_MANY_STREAMS, and a closed one frees its slot', async () => {
    const app = createApp({ sequencer: offline.sequencer, eventStreams: 2 })
    const listening = offline.sequencer.listenerCount('event')
    const open = [await app.request('/v1/events'), await app.request('/v1/events')]
    expect(open.map((r) => r.status)).toEqual([200, 200])
    const refused = await app.request('/v1/events')
    expect([refused.status, await codeOf(refused)]).toEqual([503, 'TOO_MANY_STREAMS'])
    await open[0]!.body!.cancel()
    await setTimeout(20)
    const again = await app.request('/v1/events')
    expect(again.status).toBe(200)
    for (const r of [open[1]!, again]) await r.body!.cancel()
    await setTimeout(20)
    expect(offline.sequencer.listenerCount('event')).toBe(listening) // every stream let go of the sequencer
  })

  it('behavior: a stream that falls more than its buffer behind gets what it buffered, event: overflow, and its end', async () => {
    const app = createApp({ sequencer: offline.sequencer, eventBuffer: 5 })
    const res = await app.request('/v1/events')
    await setTimeout(20)
    for (let i = 0; i < 10; i++) offline.sequencer.emit('event', { type: 'batch', number: 1000 + i, state: 'sealed' })
    const text = await res.text() // the stream ends
    expect(text.match(/^event: \w+$/gm)).toEqual([...Array<string>(5).fill('event: batch'), 'event: overflow'])
    expect(text).toContain('"number":1004')
    expect(text).not.toContain('"number":1005')
    expect(text).toContain('"code":"EVENT_STREAM_OVERFLOW"')
  })

  it('behavior: a client that never reads its stream is cut off once it falls behind; a client that reads keeps receiving', async () => {
    const server = await serveHttp({ fetch: createApp({ sequencer: offline.sequencer, eventBuffer: 200 }).fetch, port: 0, hostname: '127.0.0.1', headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 })
    const connections: Socket[] = []
    server.server.on('connection', (socket: Socket) => connections.push(socket))
    const listening = offline.sequencer.listenerCount('event')
    const reading = await fetch(`${server.url}/v1/events`)
    const reader = reading.body!.getReader()
    let received = 0
    const counting = (async () => {
      const decoder = new TextDecoder()
      for (;;) {
        const { done, value } = await reader.read()
        if (done) return
        received += decoder.decode(value, { stream: true }).match(/^event: batch$/gm)?.length ?? 0
      }
    })()
    const silent = connect(Number(new URL(server.url).port), '127.0.0.1')
    silent.on('error', () => {})
    await once(silent, 'connect')
    silent.pause() // reads nothing: the kernel's buffers fill, then the node's
    silent.write('GET /v1/events HTTP/1.1\r\nHost: x\r\n\r\n')
    try {
      await setTimeout(100)
      const serverSide = connections.find((c) => c.remotePort === silent.localPort)!
      expect(offline.sequencer.listenerCount('event')).toBe(listening + 2)
      const memo = 'm'.repeat(10_000) // about 10 KB an event: the buffers fill after a few hundred
      let sent = 0
      for (; sent < 10_000 && !serverSide.destroyed; sent++) {
        offline.sequencer.emit('event', { type: 'batch', number: sent, state: 'failed', error: memo })
        await setTimeout(1)
      }
      expect(serverSide.destroyed).toBe(true)
      expect(offline.sequencer.listenerCount('event')).toBe(listening + 1) // the silent stream let go
      // What the silent client was sent ends: once it reads, it finds the connection closed.
      silent.resume()
      expect(await Promise.race([once(silent, 'close').then(() => 'closed'), setTimeout(10_000, 'open')])).toBe('closed')

      await setTimeout(200)
      expect(received).toBe(sent) // the reader got every event, and is still connected
      offline.sequencer.emit('event', { type: 'batch', number: sent, state: 'sealed' })
      await setTimeout(200)
      expect(received).toBe(sent + 1)
    } finally {
      silent.destroy()
      await reader.cancel()
      await counting
      await server.close()
    }
  })
})

describe('a network observer', () => {
  it("a network observer reads /v1/events to time each client's submission: the stream carries no transaction event, only batch events timed to the second; a settled batch lists what it made public on L1", async () => {
    const app = createApp({ sequencer: offline.sequencer })
    const res = await app.request('/v1/events')
    const reader = res.body!.getReader()
    await setTimeout(20)
    // What the sequencer announces in process around one admission and its batch.
    const id = `0x${'7e'.repeat(32)}`
    const commitments = [11n, 12n, 13n] // one transaction's payment, change and fee note
    const nullifiers = [21n, 22n]
    offline.sequencer.emit('event', { type: 'transaction', id, status: 'pending' })
    offline.sequencer.emit('event', { type: 'batch', number: 7, state: 'sealed' })
    offline.sequencer.emit('event', { type: 'transaction', id, status: 'batched' })
    offline.sequencer.emit('event', { type: 'batch', number: 7, state: 'settled', l1TxHash: `0x${'ab'.repeat(32)}`, l1Block: 42, commitments, nullifiers })
    offline.sequencer.emit('event', { type: 'transaction', id, status: 'settled' })
    let text = ''
    while ((text.match(/^event: /gm)?.length ?? 0) < 2) text += new TextDecoder().decode((await reader.read()).value)
    await setTimeout(50)
    await reader.cancel()

    expect(text).not.toContain('event: transaction')
    expect(text).not.toContain(id.slice(2, 20))
    const events = text
      .split('\n\n')
      .filter((b) => b.startsWith('event: '))
      .map((b) => [b.split('\n')[0], JSON.parse(b.split('\n').find((l) => l.startsWith('data: '))!.slice(6))] as const)
    expect(events.map(([type]) => type)).toEqual(['event: batch', 'event: batch'])
    for (const [, e] of events) expect(e.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/)
    expect(events[0]![1]).toEqual({ type: 'batch', number: 7, state: 'sealed', at: expect.any(String) })
    expect(events[1]![1]).toEqual({
      type: 'batch',
      number: 7,
      state: 'settled',
      at: expect.any(String),
      l1TxHash: `0x${'ab'.repeat(32)}`,
      l1Block: 42,
      commitments: commitments.map(toHex32),
      nullifiers: nullifiers.map(toHex32),
    })
  })
})
