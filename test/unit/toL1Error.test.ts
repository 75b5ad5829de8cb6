import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createPublicClient, type PublicClient } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { StoreError } from '../../src/errors/index.ts'
import { rpcOrigin } from '../../src/settlement/rpcOrigin.ts'
import { rpcTransport } from '../../src/settlement/rpcTransport.ts'
import { toL1Error } from '../../src/settlement/toL1Error.ts'
import { freePort } from '../helpers/nodeProcess.ts'

// What the node says when an L1 request fails (in /v1/status, /readyz, a posting error): a code
// and one sentence naming the RPC by its origin, for each way an RPC fails. Real viem errors
// from real sockets: a closed port, an HTTP error, a JSON-RPC error, an RPC that never answers.

const TOKEN = 'sk_live_0123456789abcdef'
let server: Server
let port: number

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url?.includes('/hang')) return // never answers
    if (req.url?.includes('/502')) return void res.writeHead(502, { 'content-type': 'text/plain' }).end('bad gateway')
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: 0, error: { code: -32601, message: 'the method eth_blockNumber does not exist\nsecond line' } }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

/** The error of one eth_blockNumber through a provider-style URL (token in path and query), and the client's origin. */
async function failure(url: string, timeout = 10_000) {
  const client = createPublicClient({ transport: rpcTransport(url, { retryCount: 0, timeout }) }) as PublicClient
  const error = await client.request({ method: 'eth_blockNumber' }).then(
    () => undefined,
    (e: unknown) => e,
  )
  return { error, origin: rpcOrigin(client) }
}

const sentence = (e: { code: string; shortMessage: string }) => ({ code: e.code, message: e.shortMessage })

describe('toL1Error', () => {
  it('error: a closed port is L1_UNREACHABLE naming the origin', async () => {
    const closed = await freePort()
    const { error, origin } = await failure(`http://127.0.0.1:${closed}/v3/${TOKEN}`)
    expect(origin).toBe(`http://127.0.0.1:${closed}`)
    expect(sentence(toL1Error(error, origin))).toEqual({ code: 'L1_UNREACHABLE', message: `The L1 RPC at http://127.0.0.1:${closed} cannot be reached: check the URL and that the chain runs.` })
    // Without the origin given, the one in viem's error (already reduced by rpcTransport) is used.
    expect(toL1Error(error).shortMessage).toContain(`http://127.0.0.1:${closed} cannot be reached`)
  })

  it('error: an HTTP error status is L1_UNREACHABLE with the status', async () => {
    const { error, origin } = await failure(`http://127.0.0.1:${port}/502/${TOKEN}?key=${TOKEN}`)
    expect(sentence(toL1Error(error, origin))).toEqual({ code: 'L1_UNREACHABLE', message: `The L1 RPC at http://127.0.0.1:${port} cannot be reached (HTTP 502): check the URL and that the chain runs.` })
  })

  it('error: no answer in time is L1_UNREACHABLE', async () => {
    const { error, origin } = await failure(`http://127.0.0.1:${port}/hang/${TOKEN}`, 100)
    expect(sentence(toL1Error(error, origin))).toEqual({ code: 'L1_UNREACHABLE', message: `The L1 RPC at http://127.0.0.1:${port} cannot be reached (no answer in time): check the URL and that the chain runs.` })
  })

  it('error: an RPC that answers with an error is L1_REQUEST_FAILED, quoting one line of it', async () => {
    const { error, origin } = await failure(`http://user:${TOKEN}@127.0.0.1:${port}/v3/${TOKEN}`)
    const e = toL1Error(error, origin)
    expect(e.code).toBe('L1_REQUEST_FAILED')
    expect(e.shortMessage).toMatch(new RegExp(`^The L1 RPC at http://127\\.0\\.0\\.1:${port} answered a request with an error: [^\\n]+\\.$`))
    expect(e.shortMessage).not.toContain(TOKEN)
  })

  it('behavior: zkpay errors pass through; anything else is L1_REQUEST_FAILED on one line', () => {
    const ours = new StoreError('STORE_NOT_FOUND', 'No such record.')
    expect(toL1Error(ours)).toBe(ours)
    expect(sentence(toL1Error(new TypeError('boom\n  at somewhere'), 'http://127.0.0.1:8545/'))).toEqual({ code: 'L1_REQUEST_FAILED', message: 'The L1 RPC at http://127.0.0.1:8545 answered a request with an error: boom.' })
    expect(toL1Error(new Error('x')).shortMessage).toBe('The L1 RPC answered a request with an error: x.')
  })
})
