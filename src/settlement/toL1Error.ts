import { BaseError as ViemBaseError, HttpRequestError, SocketClosedError, TimeoutError, WebSocketRequestError } from 'viem'
import { BaseError, L1RequestFailedError, L1UnreachableError } from '../errors/index.ts'

/** The longest reason quoted from an RPC's answer: one line, not a dump. */
const MAX_REASON = 200

/**
 * What went wrong with an L1 request, as a zkpay error with a stable code and one sentence that
 * names the RPC by its origin only: `L1_UNREACHABLE` when the RPC did not answer (no connection,
 * a timeout, an HTTP error status from it or a proxy), `L1_REQUEST_FAILED` when it answered with
 * an error of its own. zkpay's own errors pass through as they are. viem's messages span lines
 * (URL, request body, version) and are for logs; this is for `/v1/status`, `/readyz` and the CLI.
 * `url` is the RPC's URL when the caller knows it (otherwise the one viem's error carries, which
 * `rpcTransport` has already reduced to the origin).
 *
 * @example
 * const failure = toL1Error(error, rpcOrigin(publicClient)) // L1_UNREACHABLE: 'The L1 RPC at http://127.0.0.1:8545 cannot be reached: …'
 */
export function toL1Error(error: unknown, url?: string): BaseError {
  if (error instanceof BaseError) return error
  if (!(error instanceof ViemBaseError)) return new L1RequestFailedError(url, oneLine(error instanceof Error ? error.message : String(error)), { cause: error })
  const transport = error.walk((e) => e instanceof HttpRequestError || e instanceof TimeoutError || e instanceof WebSocketRequestError || e instanceof SocketClosedError)
  const at = url ?? (transport as { url?: string } | null)?.url ?? urlOf(error)
  if (transport instanceof HttpRequestError) return new L1UnreachableError(at, { cause: error, ...(transport.status === undefined ? {} : { reason: `HTTP ${transport.status}` }) })
  if (transport instanceof TimeoutError) return new L1UnreachableError(at, { cause: error, reason: 'no answer in time' })
  if (transport) return new L1UnreachableError(at, { cause: error })
  return new L1RequestFailedError(at, oneLine(error.shortMessage), { cause: error })
}

/** The URL any error of the chain carries (viem's RPC errors do). */
function urlOf(error: ViemBaseError): string | undefined {
  const found = error.walk((e) => typeof (e as { url?: unknown }).url === 'string') as { url?: string } | null
  return found?.url
}

function oneLine(text: string): string {
  const line = (text.split('\n')[0] ?? '').replace(/[\u0000-\u001f\u007f]/g, '').trim()
  return line.length > MAX_REASON ? `${line.slice(0, MAX_REASON - 1)}…` : line || 'no reason given'
}
