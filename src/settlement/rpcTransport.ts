import { http, type HttpTransport, type HttpTransportConfig } from 'viem'
import { redactUrl } from '../config/display.ts'
import { InvalidParameterError } from '../errors/index.ts'

/**
 * viem's `http` transport for a JSON-RPC URL that may carry a provider's token (in the path, the
 * query or the user info), built so that the token cannot leave the process in an error: viem
 * only ever sees the URL's origin (`https://host/[redacted]`), and the real URL is used by the
 * `fetch` underneath. Every message, `details`, `url` and stack viem builds, at any depth of
 * its error chain, therefore names the origin only, and so does anything that prints them (logs,
 * `/v1/status`, the CLI). An error response whose body echoes the token is rewritten too.
 *
 * Rewriting errors after the fact would depend on the shape of every viem error class (messages
 * composed at construction, `metaMessages`, `details`, `url`, stacks, nested causes) and would
 * miss the next one; sanitising where errors are printed would miss the next place that prints.
 *
 * @example
 * const publicClient = createPublicClient({ transport: rpcTransport('https://mainnet.example.io/v3/0123abcd') })
 */
export function rpcTransport(url: string, config: Omit<HttpTransportConfig, 'fetchFn'> = {}): HttpTransport {
  let target: URL
  try {
    target = new URL(url)
  } catch {
    throw new InvalidParameterError('url', 'expected an http(s) JSON-RPC URL')
  }
  const shown = redactUrl(url)
  if (shown === url) return http(url, config) // nothing to hide: a bare origin such as a local anvil
  const authorization = target.username || target.password ? `Basic ${btoa(`${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`)}` : undefined
  target.username = ''
  target.password = ''
  const secrets = [url, target.href, `${target.pathname}${target.search}${target.hash}`, target.search, url.split('@')[0] ?? '']
    .flatMap((s) => [s, safeDecode(s)])
    .filter((s) => s.length > 1 && s !== '/')
    .sort((a, b) => b.length - a.length)
  const scrub = (text: string) => secrets.reduce((t, s) => t.split(s).join('[redacted]'), text)
  return http(shown, {
    ...config,
    async fetchFn(_input, init) {
      const headers = new Headers(init?.headers)
      if (authorization) headers.set('authorization', authorization)
      const response = await fetch(target, { ...init, headers })
      if (response.ok) return response
      // viem copies an error response's body into its error: a provider that echoes the
      // request's path would hand the token back.
      const type = response.headers.get('content-type')
      return new Response(scrub(await response.text()), { status: response.status, statusText: response.statusText, headers: type ? { 'content-type': type } : {} })
    },
  })
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}
