import { randomBytes } from '@noble/hashes/utils.js'
import { base32nopad } from '@scure/base'
import { MEMO_SIZE } from '../../crypto/noteEncryption.ts'
import { InvalidParameterError } from '../../errors/index.ts'

/**
 * `inv_` and 12 lowercase base32 letters (60 random bits): short enough to leave 111 of the
 * memo's 128 bytes for the merchant's text, long enough that guessing a live invoice id is hopeless,
 * and URL-safe as it is.
 *
 * @example
 * INVOICE_ID_PATTERN.test('inv_k3m9xq2a7bce') // true
 */
export const INVOICE_ID_PATTERN = /^inv_[a-z2-7]{12}$/
const MEMO_ID = /^(inv_[a-z2-7]{12})(?: |$)/
const ID_LENGTH = 16
/**
 * The most bytes of merchant text an invoice memo holds after its id and one space.
 *
 * @example
 * if (Buffer.byteLength(text) > INVOICE_TEXT_SIZE) throw new Error('memo text too long') // 111 bytes
 */
export const INVOICE_TEXT_SIZE = MEMO_SIZE - ID_LENGTH - 1

/**
 * A fresh random invoice id.
 *
 * @example
 * newInvoiceId() // 'inv_k3m9xq2a7bce'
 */
export function newInvoiceId(): string {
  return `inv_${base32nopad.encode(randomBytes(8)).slice(0, 12).toLowerCase()}`
}

/**
 * The memo a payer's wallet sends for an invoice: its id alone, or its id, one space and the
 * merchant's text (`inv_k3m9xq2a7bce Order 1042`). The id comes first so a merchant matches
 * payments on a prefix, whatever the text.
 *
 * @example
 * invoiceMemo('inv_k3m9xq2a7bce', 'Order 1042') // 'inv_k3m9xq2a7bce Order 1042'
 */
export function invoiceMemo(invoiceId: string, text?: string): string {
  if (!INVOICE_ID_PATTERN.test(invoiceId)) throw new InvalidParameterError('invoiceId', 'expected `inv_` and 12 base32 letters (a-z, 2-7)')
  if (text === undefined || text === '') return invoiceId
  if (typeof text !== 'string') throw new InvalidParameterError('memo', 'expected a string')
  const size = new TextEncoder().encode(text).length
  if (size > INVOICE_TEXT_SIZE) {
    throw new InvalidParameterError('memo', `at most ${INVOICE_TEXT_SIZE} bytes of UTF-8 (the invoice id and a space take ${ID_LENGTH + 1} of the memo's ${MEMO_SIZE}); got ${size}`)
  }
  return `${invoiceId} ${text}`
}

/**
 * The invoice id a decrypted memo names, or undefined when it names none (no memo, or a memo
 * that does not start with an invoice id followed by a space or its end).
 *
 * @example
 * invoiceIdOfMemo(new TextEncoder().encode('inv_k3m9xq2a7bce Order 1042')) // 'inv_k3m9xq2a7bce'
 */
export function invoiceIdOfMemo(memo: Uint8Array | string): string | undefined {
  const text = typeof memo === 'string' ? memo : new TextDecoder('utf-8', { fatal: false }).decode(memo)
  return MEMO_ID.exec(text)?.[1]
}
