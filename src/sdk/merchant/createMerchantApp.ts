import { createHash, timingSafeEqual } from 'node:crypto'
import { type Context, Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { streamSSE } from 'hono/streaming'
import { z } from 'zod'
import { BaseError, InvalidParameterError, InvoiceNotFoundError } from '../../errors/index.ts'
import { INVOICE_TEXT_SIZE } from './invoiceMemo.ts'
import { INVOICE_EVENT_TYPES } from './invoiceState.ts'
import { type Invoice, type InvoiceJson, type Merchant, type MerchantEvent, toInvoiceJson } from './Merchant.ts'
import { formatAmount } from './amount.ts'
import { toPublicInvoiceJson } from './toPublicInvoiceJson.ts'

/** POST /invoices: the amount in base units as a decimal string (integers above 2^53 do not survive JSON numbers). */
export const createInvoiceSchema = z
  .object({
    amount: z.string().regex(/^[1-9][0-9]{0,38}$/, 'expected a positive integer in base units, as a decimal string'),
    asset: z
      .string()
      .regex(/^0x[0-9a-fA-F]{40}$/, 'expected an ERC-20 address (0x and 40 hex digits)')
      .transform((s) => s as `0x${string}`)
      .optional(),
    memo: z.string().max(INVOICE_TEXT_SIZE, `expected at most ${INVOICE_TEXT_SIZE} characters`).optional(),
    expiresIn: z.number().int('expected whole seconds').min(1, 'expected at least 1 second').max(366 * 24 * 3600, 'expected at most a year'),
    label: z.string().max(200).optional(),
    message: z.string().max(200).optional(),
    decimals: z.number().int().min(0).max(36).optional(),
  })
  .strict()

const HEARTBEAT_MS = 15_000
/** Shorter keys could be guessed over the network; 16 random characters cannot. */
export const MIN_API_KEY_LENGTH = 16

export type MerchantAppOptions = {
  /**
   * The merchant's API key (`zkpay merchant serve` reads ZKPAY_MERCHANT_API_KEY), at least 16
   * characters. Requests with `Authorization: Bearer <key>` may create invoices and read them
   * whole, payments included; without the key an app serves public views only.
   */
  apiKey?: string
}

const UNAUTHORIZED = {
  code: 'UNAUTHORIZED',
  message: "This needs the merchant's API key: send `Authorization: Bearer <key>` (the key in ZKPAY_MERCHANT_API_KEY).",
}
const NO_API_KEY = {
  code: 'UNAUTHORIZED',
  message: 'This server has no API key (ZKPAY_MERCHANT_API_KEY is not set): it serves public views only.',
}
const sha256 = (s: string) => createHash('sha256').update(s).digest()

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

function displayAmount(invoice: Invoice): string {
  const unit = invoice.asset === '0x0000000000000000000000000000000000000000' ? 'ETH' : `of token ${invoice.asset.slice(0, 6)}…${invoice.asset.slice(-4)}`
  return `${formatAmount(invoice.amount, invoice.decimals)} ${unit}`
}

/**
 * The merchant's HTTP app (Hono): create and read invoices, follow one's state as server-sent
 * events, and a checkout page whose status line follows them live. Bad input is a 4xx with
 * `{ code, message }`, never a 500.
 *
 * Two audiences. The payer (and anyone who saw the QR code, which carries the invoice id) gets
 * the public view: state and amounts (`toPublicInvoiceJson`). The merchant, with its API key,
 * gets the whole invoice: its payments with their commitments, leaf indexes, sequencer
 * transaction ids and L1 transactions, which tie the invoice to one transaction on the chain.
 * A request with a wrong key is refused, never answered with the public view.
 *
 * - `POST /invoices` (API key) `{ amount, asset?, memo?, expiresIn, label?, message? }` → 201 invoice JSON with `qr.svg`
 * - `GET /invoices/:id` → public invoice JSON; with the API key, the invoice JSON with its payments
 * - `GET /invoices/:id/events` → `text/event-stream`: `state` at once, then each `invoice.*` event
 *   (public or whole, as above; event ids only with the key)
 * - `GET /checkout/:id` → HTML page: QR code, amount, payment link, live status (public)
 *
 * @example
 * serve({ fetch: createMerchantApp(merchant, { apiKey: process.env.ZKPAY_MERCHANT_API_KEY }).fetch, port: 8081 })
 */
export function createMerchantApp(merchant: Merchant, options: MerchantAppOptions = {}) {
  if (options.apiKey !== undefined && (typeof options.apiKey !== 'string' || options.apiKey.length < MIN_API_KEY_LENGTH)) {
    throw new InvalidParameterError('apiKey', `expected a random string of at least ${MIN_API_KEY_LENGTH} characters`)
  }
  const expected = options.apiKey === undefined ? undefined : sha256(options.apiKey)
  /**
   * Who asks: the merchant (its key), the public (no Authorization header), or a refusal (a
   * wrong key: a merchant's misconfigured backend must notice, not get the public view).
   */
  const viewer = (c: Context): 'merchant' | 'public' | Response => {
    const header = c.req.header('authorization')
    if (header === undefined) return 'public'
    const given = /^Bearer (.+)$/.exec(header)?.[1]
    // Digests of equal length, so that the comparison's time says nothing about the key.
    if (expected && given !== undefined && timingSafeEqual(sha256(given), expected)) return 'merchant'
    return refuse(c)
  }
  const refuse = (c: Context) => {
    c.header('WWW-Authenticate', 'Bearer')
    return c.json(expected ? UNAUTHORIZED : NO_API_KEY, 401)
  }
  const view = (who: 'merchant' | 'public', invoice: InvoiceJson) => (who === 'merchant' ? invoice : toPublicInvoiceJson(invoice))
  // Both views live at one URL: caches must key on the credentials, and keep the merchant's none.
  const cacheHeaders = (c: Context, who: 'merchant' | 'public') => {
    c.header('Vary', 'Authorization')
    if (who === 'merchant') c.header('Cache-Control', 'private, no-store')
  }
  const fail = (c: Context, error: unknown) => {
    if (error instanceof InvoiceNotFoundError) return c.json({ code: error.code, message: error.shortMessage }, 404)
    if (error instanceof BaseError) return c.json({ code: error.code, message: error.shortMessage }, 400)
    throw error
  }
  const find = (c: Context): Invoice | Response => {
    try {
      return merchant.getInvoice(c.req.param('id') ?? '')
    } catch (error) {
      return fail(c, error)
    }
  }

  return new Hono()
    .post(
      '/invoices',
      // Checked before the body is read: only the merchant creates invoices.
      async (c, next) => {
        const who = viewer(c)
        if (who instanceof Response) return who
        if (who !== 'merchant') return refuse(c)
        await next()
      },
      bodyLimit({ maxSize: 16 * 1024, onError: (c) => c.json({ code: 'PAYLOAD_TOO_LARGE', message: 'The body is larger than 16 KiB.' }, 413) }),
      async (c) => {
        let body: unknown
        try {
          body = await c.req.json()
        } catch {
          return c.json({ code: 'INVALID_PARAMETER', message: 'The body is not JSON.' }, 400)
        }
        const parsed = createInvoiceSchema.safeParse(body)
        if (!parsed.success) {
          const issue = parsed.error.issues[0]!
          return c.json({ code: 'INVALID_PARAMETER', message: `Invalid \`${issue.path.join('.') || 'body'}\`: ${issue.message}.` }, 400)
        }
        const { amount, ...rest } = parsed.data
        try {
          const invoice = await merchant.createInvoice({ ...rest, amount: BigInt(amount) })
          return c.json({ ...toInvoiceJson(invoice), qr: { svg: invoice.qr.svg }, checkoutPath: `/checkout/${invoice.id}` }, 201)
        } catch (error) {
          return fail(c, error)
        }
      },
    )
    .get('/invoices/:id', (c) => {
      const who = viewer(c)
      if (who instanceof Response) return who
      const invoice = find(c)
      if (invoice instanceof Response) return invoice
      cacheHeaders(c, who)
      return c.json(view(who, toInvoiceJson(invoice)))
    })
    .get('/invoices/:id/events', (c) => {
      const who = viewer(c)
      if (who instanceof Response) return who
      const id = c.req.param('id')
      // Subscribe before reading the state, so no change falls between the two.
      const queue: MerchantEvent[] = []
      let wake: (() => void) | undefined
      const off = merchant.on('*', (e) => {
        if (e.invoice.id !== id) return
        queue.push(e)
        wake?.()
      })
      const invoice = find(c)
      if (invoice instanceof Response) {
        off()
        return invoice
      }
      cacheHeaders(c, who)
      return streamSSE(c, async (stream) => {
        stream.onAbort(() => {
          off()
          wake?.()
        })
        await stream.writeSSE({ event: 'state', data: JSON.stringify(view(who, toInvoiceJson(invoice))) })
        while (!stream.aborted && !stream.closed) {
          if (queue.length === 0) {
            let timer: NodeJS.Timeout | undefined
            await new Promise<void>((resolve) => {
              wake = resolve
              timer = setTimeout(resolve, HEARTBEAT_MS)
            })
            clearTimeout(timer)
            wake = undefined
          }
          if (stream.aborted) break
          const event = queue.shift()
          // An event id hashes the invoice id with the payment's commitment (invoice.late): the
          // public stream carries none, or a reader could test the chain's commitments against it.
          if (event && who === 'merchant') await stream.writeSSE({ id: event.id, event: event.type, data: JSON.stringify(event.invoice) })
          else if (event) await stream.writeSSE({ event: event.type, data: JSON.stringify(view(who, event.invoice)) })
          else await stream.writeSSE({ event: 'ping', data: '' })
        }
        off()
      })
    })
    .get('/checkout/:id', (c) => {
      const invoice = find(c)
      if (invoice instanceof Response) return invoice
      return c.html(checkoutPage(invoice))
    })
}

/** The checkout page: server-rendered, with a few lines of inline script that follow the (public) SSE stream. */
function checkoutPage(invoice: Invoice): string {
  const json = JSON.stringify(toPublicInvoiceJson(toInvoiceJson(invoice))).replace(/</g, '\\u003c')
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pay ${escapeHtml(displayAmount(invoice))}${invoice.label ? ` to ${escapeHtml(invoice.label)}` : ''}</title>
<style>
  body { font-family: system-ui, sans-serif; max-width: 28rem; margin: 2rem auto; padding: 0 1rem; color: #111; }
  #qr svg { width: 100%; max-width: 20rem; height: auto; display: block; margin: 1rem auto; }
  #amount { font-size: 1.75rem; font-weight: 600; text-align: center; }
  #status { text-align: center; padding: .75rem; border-radius: .5rem; background: #f3f3f3; }
  #status[data-state="paid"], #status[data-state="settled"], #status[data-state="final"] { background: #dff5e1; }
  #status[data-state="expired"], #status[data-state="late"] { background: #fde2e1; }
  #uri { word-break: break-all; font-size: .8rem; }
</style>
</head>
<body>
<h1>${escapeHtml(invoice.label ?? 'Payment request')}</h1>
${invoice.message ? `<p id="message">${escapeHtml(invoice.message)}</p>` : ''}
<p id="amount">${escapeHtml(displayAmount(invoice))}</p>
<div id="qr">${invoice.qr.svg}</div>
<p><a id="uri" href="${escapeHtml(invoice.uri)}">${escapeHtml(invoice.uri)}</a></p>
<p>Scan with a zkpay wallet, or open the link: it fills in the amount and the memo <code>${escapeHtml(invoice.memo)}</code> that identifies this payment.</p>
<p id="status" data-state="${invoice.state}" role="status" aria-live="polite"></p>
<script>
  const TEXT = {
    open: 'Waiting for payment',
    underpaid: 'Partially paid: waiting for the rest',
    paid: 'Paid: waiting for settlement on L1',
    settled: 'Paid and settled on L1',
    final: 'Paid: final',
    expired: 'Expired: do not pay this invoice',
    late: 'Paid after expiry: the merchant will contact you',
  }
  const status = document.getElementById('status')
  const show = (invoice) => {
    status.dataset.state = invoice.state
    status.textContent = TEXT[invoice.state] + (invoice.overpaid ? ' (more than asked was received)' : '')
  }
  show(${json})
  const events = new EventSource('../invoices/' + encodeURIComponent(${JSON.stringify(invoice.id)}) + '/events')
  const update = (e) => show(JSON.parse(e.data))
  // data-live tells a test (or a stylesheet) that updates are flowing; EventSource reconnects by itself.
  events.onopen = () => (document.body.dataset.live = 'true')
  events.onerror = () => (document.body.dataset.live = 'false')
  for (const type of ['state', ${INVOICE_EVENT_TYPES.map((t) => `'${t}'`).join(', ')}]) events.addEventListener(type, update)
</script>
</body>
</html>
`
}
