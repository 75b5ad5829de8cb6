import type { AddressInfo } from 'node:net'
import { type ServerType, serve } from '@hono/node-server'
import { ConfigError } from '../errors/index.ts'

export type ServeHttpParameters = {
  fetch: (request: Request, env: never) => Response | Promise<Response>
  port: number
  hostname: string
  /** how long a client may take to send its headers (ZKPAY_HTTP_HEADERS_TIMEOUT_MS) */
  headersTimeoutMs: number
  /** how long a client may take to send its whole request (ZKPAY_HTTP_REQUEST_TIMEOUT_MS) */
  requestTimeoutMs: number
}

export type HttpServer = {
  server: ServerType
  /** `http://host:port`, with the port the OS chose for port 0 */
  url: string
  /** stops listening and ends open connections (event streams included) */
  close(): Promise<void>
}

/**
 * Starts one of zkpay's HTTP servers (the node's API, `zkpay prover`, `zkpay merchant serve`)
 * with bounds on how long a client may take to send its request. Without them a client that
 * announces `Content-Length: 1000` and sends 10 bytes holds its connection for Node's defaults
 * (five minutes); with them Node answers 408 and closes it. Node checks the timeouts every
 * `connectionsCheckingInterval` (30 s by default), so that interval is made as short as the
 * headers timeout, at most a second.
 *
 * @example
 * const { url, close } = await serveHttp({ fetch: app.fetch, port: 8080, hostname: '127.0.0.1', headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 })
 */
export async function serveHttp(parameters: ServeHttpParameters): Promise<HttpServer> {
  const { headersTimeoutMs, requestTimeoutMs, hostname } = parameters
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new ConfigError('ZKPAY_HTTP_HEADERS_TIMEOUT_MS', `ZKPAY_HTTP_HEADERS_TIMEOUT_MS (${headersTimeoutMs} ms) must not exceed ZKPAY_HTTP_REQUEST_TIMEOUT_MS (${requestTimeoutMs} ms): the headers are part of the request.`)
  }
  const server = serve({
    fetch: parameters.fetch as never,
    port: parameters.port,
    hostname,
    serverOptions: { headersTimeout: headersTimeoutMs, requestTimeout: requestTimeoutMs, connectionsCheckingInterval: Math.min(1_000, headersTimeoutMs) },
  })
  await new Promise<void>((resolve, reject) => {
    server.once('listening', () => resolve())
    server.once('error', reject)
  })
  const host = hostname.includes(':') ? `[${hostname}]` : hostname
  return {
    server,
    url: `http://${host}:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        ;(server as { closeAllConnections?: () => void }).closeAllConnections?.()
        server.close(() => resolve())
      }),
  }
}
