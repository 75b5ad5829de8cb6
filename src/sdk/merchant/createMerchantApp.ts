import { isLoopback } from '../../config/loopback.ts'
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { type Context, Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { streamSSE } from 'hono/streaming'
import { z } from 'zod'
import { BaseError, InvalidParameterError, InvoiceLimitError, InvoiceNotFoundError } from '../../errors/index.ts'
import { INVOICE_TEXT_SIZE } from './invoiceMemo.ts'
import { INVOICE_EVENT_TYPES, INVOICE_STATES } from './invoiceState.ts'
import { toInvoiceJson } from './invoiceViews.ts'
import type { Merchant } from './Merchant.ts'
import { type Invoice, type InvoiceJson, METADATA_SIZE, type MerchantEvent, ORDER_ID_SIZE, REDIRECT_URL_SIZE } from './types.ts'
import { formatAmount } from './amount.ts'
import { toPublicInvoiceJson } from './toPublicInvoiceJson.ts'

/**
 * POST /invoices: the amount in base units as a decimal string (integers above 2^53 do not survive JSON numbers).
 *
 * @example
 * const parsed = createInvoiceSchema.safeParse({ amount: '250000000000000000', expiresIn: 3600, orderId: 'order-1042' })
 */
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
    orderId: z.string().min(1).max(ORDER_ID_SIZE, `expected at most ${ORDER_ID_SIZE} characters`).optional(),
    metadata: z
      .record(z.string(), z.unknown(), 'expected a JSON object')
      .refine((m) => Buffer.byteLength(JSON.stringify(m)) <= METADATA_SIZE, `expected at most ${METADATA_SIZE} bytes as JSON`)
      .optional(),
    redirectUrl: z
      .string()
      .max(REDIRECT_URL_SIZE, `expected at most ${REDIRECT_URL_SIZE} characters`)
      .refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), 'expected an http(s) URL')
      .optional(),
  })
  .strict()

/**
 * GET /invoices: a status filter, and paging (`cursor` is the `next` of the previous page).
 *
 * @example
 * const parsed = listInvoicesSchema.safeParse(c.req.query()) // e.g. { status: 'paid', limit: 50 } from ?status=paid&limit=50
 */
export const listInvoicesSchema = z
  .object({
    status: z.enum(INVOICE_STATES).optional(),
    limit: z.coerce.number().int('expected an integer').min(1).max(500).optional(),
    cursor: z.string().max(200).optional(),
  })
  .strict()

const HEARTBEAT_MS = 15_000
/**
 * Shorter keys could be guessed over the network; 16 random characters cannot.
 *
 * @example
 * if (apiKey.length < MIN_API_KEY_LENGTH) throw new Error(`expected at least ${MIN_API_KEY_LENGTH} characters`) // 16
 */
export const MIN_API_KEY_LENGTH = 16

export type MerchantAppOptions = {
  /**
   * An API key accepted besides the merchant's stored ones (`merchant.createApiKey()`; `zkpay
   * merchant serve` passes ZKPAY_MERCHANT_API_KEY here), at least 16 characters. Requests with
   * `Authorization: Bearer <key>` may create invoices, list them and read them whole, payments
   * included; without a key an app serves public views only.
   */
  apiKey?: string
  /**
   * Told of each request that failed with an unexpected error (the client gets a 500 with
   * `INTERNAL_ERROR` and no detail): where the operator's log should get it.
   */
  onError?: (error: unknown, request: { method: string; path: string }) => void
  /**
   * A zkpay web wallet's page (`zkpay web`), for a "Pay with the web wallet" link beside the
   * `zkpay:` one: browsers open no `zkpay:` links by themselves. It opens the wallet with the
   * payment filled in (`#pay?uri=…`, a fragment: never sent to any server). An https URL (http
   * on loopback only).
   */
  webWalletUrl?: string
}

const UNAUTHORIZED = {
  code: 'UNAUTHORIZED',
  message: "This needs one of the merchant's API keys: send `Authorization: Bearer <key>` (`zkpay merchant api-key create` makes one).",
}
const NO_API_KEY = {
  code: 'UNAUTHORIZED',
  message: 'This server has no API key yet (`zkpay merchant api-key create` makes one): it serves public views only.',
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
  let webWallet: URL | undefined
  if (options.webWalletUrl !== undefined) {
    webWallet = URL.canParse(options.webWalletUrl) ? new URL(options.webWalletUrl) : undefined
    // A payer types recovery words into a wallet page: one served over plain http off this machine could be anyone's.
    const secure = webWallet?.protocol === 'https:' || (webWallet?.protocol === 'http:' && isLoopback(webWallet.hostname))
    if (!secure) throw new InvalidParameterError('webWalletUrl', 'expected the https URL of a zkpay web wallet (http only on loopback)')
  }
  const expected = options.apiKey === undefined ? undefined : sha256(options.apiKey)
  const hasKeys = () => expected !== undefined || merchant.hasApiKeys()
  // Both checks run whatever the first says: which key matched (or that none did) takes the same time.
  const isKey = (given: string) => {
    const configured = expected !== undefined && timingSafeEqual(sha256(given), expected)
    const stored = merchant.verifyApiKey(given)
    return configured || stored
  }
  /**
   * Who asks: the merchant (its key), the public (no Authorization header), or a refusal (a
   * wrong key: a merchant's misconfigured backend must notice, not get the public view).
   */
  const viewer = (c: Context): 'merchant' | 'public' | Response => {
    const header = c.req.header('authorization')
    if (header === undefined) return 'public'
    const given = /^Bearer (.+)$/.exec(header)?.[1]
    // Digests of equal length, so that the comparison's time says nothing about the key.
    if (given !== undefined && isKey(given)) return 'merchant'
    return refuse(c)
  }
  const refuse = (c: Context) => {
    c.header('WWW-Authenticate', 'Bearer')
    return c.json(hasKeys() ? UNAUTHORIZED : NO_API_KEY, 401)
  }
  /** Middleware: the route is the merchant's only, checked before the body is read. */
  const merchantOnly = async (c: Context, next: () => Promise<void>) => {
    const who = viewer(c)
    if (who instanceof Response) return who
    if (who !== 'merchant') return refuse(c)
    await next()
  }
  const notAllowed = (allow: string) => (c: Context) => {
    c.header('Allow', allow)
    return c.json({ code: 'METHOD_NOT_ALLOWED', message: `This route answers ${allow} only.` }, 405)
  }
  const invalid = (c: Context, issue: z.core.$ZodIssue) => c.json({ code: 'INVALID_PARAMETER', message: `Invalid \`${issue.path.join('.') || 'body'}\`: ${issue.message}.` }, 400)
  const view = (who: 'merchant' | 'public', invoice: InvoiceJson) => (who === 'merchant' ? invoice : toPublicInvoiceJson(invoice))
  // Both views live at one URL: caches must key on the credentials, and keep the merchant's none.
  const cacheHeaders = (c: Context, who: 'merchant' | 'public') => {
    c.header('Vary', 'Authorization')
    if (who === 'merchant') c.header('Cache-Control', 'private, no-store')
  }
  const fail = (c: Context, error: unknown) => {
    if (error instanceof InvoiceNotFoundError) return c.json({ code: error.code, message: error.shortMessage }, 404)
    if (error instanceof InvoiceLimitError) return c.json({ code: error.code, message: error.shortMessage }, 429)
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
      merchantOnly,
      bodyLimit({ maxSize: 16 * 1024, onError: (c) => c.json({ code: 'PAYLOAD_TOO_LARGE', message: 'The body is larger than 16 KiB.' }, 413) }),
      async (c) => {
        let body: unknown
        try {
          body = await c.req.json()
        } catch {
          return c.json({ code: 'INVALID_PARAMETER', message: 'The body is not JSON.' }, 400)
        }
        const parsed = createInvoiceSchema.safeParse(body)
        if (!parsed.success) return invalid(c, parsed.error.issues[0]!)
        const { amount, ...rest } = parsed.data
        try {
          const invoice = await merchant.createInvoice({ ...rest, amount: BigInt(amount) })
          return c.json({ ...toInvoiceJson(invoice), qr: { svg: invoice.qr.svg }, checkoutPath: `/checkout/${invoice.id}` }, 201)
        } catch (error) {
          return fail(c, error)
        }
      },
    )
    .get('/invoices', merchantOnly, (c) => {
      const parsed = listInvoicesSchema.safeParse(c.req.query())
      if (!parsed.success) return invalid(c, parsed.error.issues[0]!)
      try {
        const { invoices, next } = merchant.listInvoicePage(parsed.data)
        cacheHeaders(c, 'merchant')
        return c.json({ invoices: invoices.map(toInvoiceJson), next })
      } catch (error) {
        return fail(c, error)
      }
    })
    .all('/invoices', notAllowed('GET, POST'))
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
      // The page runs one inline script, carrying this nonce; nothing else may run, load or frame it.
      const nonce = randomBytes(16).toString('base64')
      c.header(
        'Content-Security-Policy',
        `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
      )
      c.header('Referrer-Policy', 'no-referrer')
      return c.html(checkoutPage(invoice, nonce, webWallet))
    })
    .all('/invoices/:id', notAllowed('GET'))
    .all('/invoices/:id/events', notAllowed('GET'))
    .all('/checkout/:id', notAllowed('GET'))
    .notFound((c) => c.json({ code: 'NOT_FOUND', message: `No route ${c.req.method} ${new URL(c.req.url).pathname.slice(0, 200)}: see the merchant's README for its routes.` }, 404))
    .onError((error, c) => {
      options.onError?.(error, { method: c.req.method, path: c.req.path })
      return c.json({ code: 'INTERNAL_ERROR', message: 'The merchant failed to answer this request: try again, and check its log if it persists.' }, 500)
    })
}

/** States in which the invoice is paid: the QR code goes, the redirect (if any) follows. */
const PAID_STATES = ['paid', 'settled', 'final'] as const

/**
 * The checkout page: server-rendered, with a few lines of inline script that follow the (public)
 * SSE stream, count down to the expiry, hide the QR code once paid and then open the merchant's
 * redirect URL. Every invoice text is HTML-escaped, and JSON in the script has its `<` escaped,
 * so no label, message or URL can close the script or add markup.
 */
function checkoutPage(invoice: Invoice, nonce: string, webWallet: URL | undefined): string {
  const json = JSON.stringify(toPublicInvoiceJson(toInvoiceJson(invoice))).replace(/</g, '\\u003c')
  const paid = (PAID_STATES as readonly string[]).includes(invoice.state)
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
  #expires { text-align: center; color: #555; }
</style>
</head>
<body>
<h1>${escapeHtml(invoice.label ?? 'Payment request')}</h1>
${invoice.message ? `<p id="message">${escapeHtml(invoice.message)}</p>` : ''}
<p id="amount">${escapeHtml(displayAmount(invoice))}</p>
<div id="pay"${paid ? ' hidden' : ''}>
<div id="qr">${invoice.qr.svg}</div>
<p><a id="uri" href="${escapeHtml(invoice.uri)}">${escapeHtml(invoice.uri)}</a></p>
${webWallet ? `<p><a id="web-wallet" href="${escapeHtml(new URL(`#pay?uri=${encodeURIComponent(invoice.uri)}`, webWallet).href)}" target="_blank" rel="noreferrer">Pay with the zkpay web wallet</a></p>` : ''}
<p>Scan with a zkpay wallet, or open the link: it fills in the amount and the memo <code>${escapeHtml(invoice.memo)}</code> that identifies this payment.</p>
<p id="expires" data-expires-at="${escapeHtml(new Date(invoice.expiresAt).toISOString())}"></p>
</div>
<p id="status" data-state="${invoice.state}" role="status" aria-live="polite"></p>
${invoice.redirectUrl ? `<p id="continue" hidden><a href="${escapeHtml(invoice.redirectUrl)}" rel="noreferrer">Back to the shop</a></p>` : ''}
<script nonce="${nonce}">
  const TEXT = {
    open: 'Waiting for payment',
    underpaid: 'Partially paid: waiting for the rest',
    paid: 'Paid: waiting for settlement on L1',
    settled: 'Paid and settled on L1',
    final: 'Paid: final',
    expired: 'Expired: do not pay this invoice',
    late: 'Paid after expiry: the merchant will contact you',
  }
  const PAID = ${JSON.stringify(PAID_STATES)}
  const status = document.getElementById('status')
  const pay = document.getElementById('pay')
  const expires = document.getElementById('expires')
  let state = 'open'
  let redirecting = false
  // The time left, from the server's expiry; the server decides expiry, this is only the display.
  const tick = () => {
    const left = Math.max(0, Math.floor((Date.parse(expires.dataset.expiresAt) - Date.now()) / 1000))
    const h = Math.floor(left / 3600)
    const mmss = String(Math.floor((left % 3600) / 60)).padStart(h > 0 ? 2 : 1, '0') + ':' + String(left % 60).padStart(2, '0')
    expires.textContent = state === 'open' || state === 'underpaid' ? (left > 0 ? 'Time left: ' + (h > 0 ? h + ':' : '') + mmss : 'Expiring…') : ''
  }
  const show = (invoice) => {
    state = invoice.state
    status.dataset.state = invoice.state
    status.textContent = TEXT[invoice.state] + (invoice.overpaid ? ' (more than asked was received)' : '')
    const paid = PAID.includes(invoice.state)
    pay.hidden = paid || invoice.state === 'expired' || invoice.state === 'late'
    tick()
    // Once paid, back to the shop: only an http(s) URL (checked when the invoice was made, and here again).
    const url = invoice.redirectUrl && URL.canParse(invoice.redirectUrl) ? new URL(invoice.redirectUrl) : undefined
    if (paid && url && (url.protocol === 'https:' || url.protocol === 'http:') && !redirecting) {
      redirecting = true
      document.getElementById('continue').hidden = false
      setTimeout(() => location.assign(url.href), 1500)
    }
  }
  show(${json})
  setInterval(tick, 1000)
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
