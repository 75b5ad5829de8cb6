/**
 * What a redacted log field prints as, the same word config and `AccountKeys` use.
 *
 * @example
 * pino({ redact: { paths: REDACT_PATHS, censor: LOG_CENSOR } }) // '[redacted]'
 */
export const LOG_CENSOR = '[redacted]'

/**
 * Field names whose values never reach a log line, wherever they sit in the first three levels
 * of a logged object. pino redacts by path (fast-redact), not by searching, so each name is
 * listed at each depth. Name non-secret fields otherwise (`cursor`, not `key`).
 *
 * @example
 * const secret = (SECRET_FIELDS as readonly string[]).includes(field) // true for 'mnemonic', false for 'cursor'
 */
export const SECRET_FIELDS = [
  'key',
  'keys',
  'privateKey',
  'operatorKey',
  'mnemonic',
  'seed',
  'sk',
  'nk',
  'vsk',
  'password',
  'secret',
  'apiKey',
  'token',
  'authorization',
] as const

/**
 * The pino redaction paths of `SECRET_FIELDS`: each name at the top level and one and two levels down.
 *
 * @example
 * pino({ redact: { paths: REDACT_PATHS, censor: LOG_CENSOR } }) // ['key', '*.key', '*.*.key', 'keys', …]
 */
export const REDACT_PATHS: string[] = SECRET_FIELDS.flatMap((name) => [name, `*.${name}`, `*.*.${name}`])

/**
 * Writes every bigint as fixed-width `0x` hex (64 digits), as field elements appear in JSON and
 * SQL, instead of the bare JSON number pino would print, which most log tools round to a double.
 * Plain objects and arrays are walked to a small depth; class instances keep their own `toJSON`.
 *
 * @example
 * hexBigints({ root: 255n, ok: true }) // { root: '0x00…00ff', ok: true }
 */
export function hexBigints(value: unknown, depth = 0): unknown {
  if (typeof value === 'bigint') return value < 0n ? `-0x${(-value).toString(16).padStart(64, '0')}` : `0x${value.toString(16).padStart(64, '0')}`
  if (depth >= 4 || value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map((v) => hexBigints(v, depth + 1))
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) out[k] = hexBigints(v, depth + 1)
  return out
}
