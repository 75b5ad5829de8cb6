import type { Setting } from './setting.ts'

/**
 * What a secret setting's value prints as, in JSON, logs and `--help`.
 *
 * @example
 * if (declaration.secret) return REDACTED // '[redacted]'
 */
export const REDACTED = '[redacted]'

/**
 * How a setting's value prints in JSON, logs and `--help`: secrets as `[redacted]`, redacted
 * settings through their `redact`, bigints as decimal strings (JSON has no bigint).
 */
export function displayValue(declaration: Setting, value: unknown): unknown {
  if (value === undefined) return undefined
  if (declaration.secret) return REDACTED
  if (declaration.redact) return declaration.redact(value)
  if (typeof value === 'bigint') return value.toString()
  return value
}

/**
 * An http(s)/ws(s) URL reduced to its origin: RPC providers put API tokens in the path, the
 * query or the user info, and none of those belong in a log line.
 *
 * @example
 * redactUrl('https://mainnet.example.io/v3/0123abcd') // 'https://mainnet.example.io/[redacted]'
 */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value)
    // An unescaped `/` in a password ends the authority early (`postgres://u:pa/ss@host`): the
    // parsed "host" is then part of the secret, so nothing of the authority is shown.
    if (`${url.pathname}${url.search}${url.hash}`.includes('@')) return `${url.protocol}//${REDACTED}`
    const hidden = url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '' || url.pathname.length > 1
    return hidden ? `${url.protocol}//${url.host}/${REDACTED}` : `${url.protocol}//${url.host}`
  } catch {
    return REDACTED
  }
}
