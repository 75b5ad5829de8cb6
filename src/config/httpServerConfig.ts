import { integer, setting } from './setting.ts'

/**
 * The defaults, also for servers started without settings (tests).
 *
 * @example
 * await serveHttp({ fetch: app.fetch, port: 0, hostname: '127.0.0.1', ...DEFAULT_HTTP_TIMEOUTS }) // 10 s for headers, 30 s for the request
 */
export const DEFAULT_HTTP_TIMEOUTS = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 } as const

/**
 * How long an HTTP server of ours waits for a client's request. A client that announces a body
 * it never sends (`Content-Length: 1000`, then 10 bytes) would otherwise hold a connection and
 * its memory for Node's defaults (a minute for the headers, five for the request). Shared by the
 * node's API, `zkpay prover` and `zkpay merchant serve`.
 *
 * @example
 * const { httpHeadersTimeoutMs, httpRequestTimeoutMs } = loadConfig(httpServerConfig, { env: process.env }) // 10000, 30000 by default
 */
export const httpServerConfig = {
  httpHeadersTimeoutMs: setting({
    env: 'ZKPAY_HTTP_HEADERS_TIMEOUT_MS',
    description: "How long a client may take to send a request's headers, in milliseconds; then the server answers 408 and closes the connection.",
    parser: integer(100, 600_000, 'expected an integer number of milliseconds from 100 to 600000'),
    default: DEFAULT_HTTP_TIMEOUTS.headersTimeoutMs,
  }),
  httpRequestTimeoutMs: setting({
    env: 'ZKPAY_HTTP_REQUEST_TIMEOUT_MS',
    description: 'How long a client may take to send a whole request, body included, in milliseconds (at least the headers timeout); then the server answers 408 and closes the connection.',
    parser: integer(100, 600_000, 'expected an integer number of milliseconds from 100 to 600000'),
    default: DEFAULT_HTTP_TIMEOUTS.requestTimeoutMs,
  }),
}
