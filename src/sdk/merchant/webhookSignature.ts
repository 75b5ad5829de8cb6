import { createHmac, timingSafeEqual } from 'node:crypto'
import { InvalidParameterError } from '../../errors/index.ts'

/**
 * The header a webhook delivery carries: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
 *
 * @example
 * const check = verifyWebhookSignature({ body: rawBody, header: req.headers[WEBHOOK_SIGNATURE_HEADER], secret }) // 'zkpay-signature'
 */
export const WEBHOOK_SIGNATURE_HEADER = 'zkpay-signature'

export type WebhookVerification =
  | { ok: true; timestamp: number }
  | { ok: false; code: 'WEBHOOK_BAD_HEADER' | 'WEBHOOK_STALE' | 'WEBHOOK_BAD_SIGNATURE'; message: string }

function assertSecret(secret: unknown): asserts secret is string {
  if (typeof secret !== 'string' || secret.length < 16) throw new InvalidParameterError('secret', 'expected a string of at least 16 characters')
}

const mac = (secret: string, timestamp: number, body: string) => createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')

/**
 * The `zkpay-signature` header for `body` sent at `timestamp` (unix seconds). The timestamp is
 * signed with the body so that a captured delivery cannot be replayed later (receivers reject
 * timestamps outside their tolerance), as Stripe does.
 *
 * @example
 * const header = signWebhook({ body, secret, timestamp: Math.floor(Date.now() / 1000) })
 */
export function signWebhook(p: { body: string; secret: string; timestamp: number }): string {
  assertSecret(p.secret)
  if (!Number.isSafeInteger(p.timestamp) || p.timestamp < 0) throw new InvalidParameterError('timestamp', 'expected unix seconds')
  return `t=${p.timestamp},v1=${mac(p.secret, p.timestamp, p.body)}`
}

/**
 * Checks a webhook delivery: the raw body exactly as received (not re-serialized JSON), its
 * `zkpay-signature` header and the shared secret. Rejects a timestamp more than
 * `toleranceSeconds` (default 300) from now. Compares in constant time; accepts any of several
 * `v1=` entries, so a sender can sign with an old and a new secret while rotating.
 *
 * @example
 * const check = verifyWebhookSignature({ body: rawBody, header: req.headers['zkpay-signature'], secret })
 * if (!check.ok) return res.writeHead(400).end(check.code)
 */
export function verifyWebhookSignature(p: {
  body: string
  header: string | null | undefined
  secret: string
  toleranceSeconds?: number
  /** unix seconds; tests pass a fixed clock */
  now?: number
}): WebhookVerification {
  assertSecret(p.secret)
  const tolerance = p.toleranceSeconds ?? 300
  if (typeof p.header !== 'string') return { ok: false, code: 'WEBHOOK_BAD_HEADER', message: 'The zkpay-signature header is missing.' }
  let timestamp: number | undefined
  const signatures: string[] = []
  for (const part of p.header.split(',')) {
    const [key, value] = part.trim().split('=', 2)
    if (key === 't' && value && /^[0-9]{1,12}$/.test(value)) timestamp = Number(value)
    else if (key === 'v1' && value && /^[0-9a-f]{64}$/.test(value)) signatures.push(value)
  }
  if (timestamp === undefined || signatures.length === 0) {
    return { ok: false, code: 'WEBHOOK_BAD_HEADER', message: 'The zkpay-signature header is not `t=<unix seconds>,v1=<64 hex digits>`.' }
  }
  const now = p.now ?? Math.floor(Date.now() / 1000)
  if (Math.abs(now - timestamp) > tolerance) {
    return { ok: false, code: 'WEBHOOK_STALE', message: `The delivery was signed ${now - timestamp} s ago, outside the ${tolerance} s tolerance: a replay, or a clock to fix.` }
  }
  const expected = Buffer.from(mac(p.secret, timestamp, p.body), 'hex')
  if (!signatures.some((s) => timingSafeEqual(Buffer.from(s, 'hex'), expected))) {
    return { ok: false, code: 'WEBHOOK_BAD_SIGNATURE', message: 'The signature does not match the body: wrong secret, or the body was altered.' }
  }
  return { ok: true, timestamp }
}
