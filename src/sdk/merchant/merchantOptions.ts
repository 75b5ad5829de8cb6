import * as Address from 'ox/Address'
import { importViewingKey, type ViewingKey } from '../../crypto/viewingKeys.ts'
import { InvalidParameterError } from '../../errors/index.ts'
import { assertConfirmations, DEFAULT_CLIENT_CONFIRMATIONS } from '../../settlement/confirmations.ts'
import { DEFAULT_MAX_INVOICE_TTL, DEFAULT_MAX_OPEN_INVOICES, type MerchantOptions } from './types.ts'

/** A merchant's options as checked, with the defaults filled in and the viewing key imported. */
export type CheckedMerchantOptions = { key: ViewingKey; confirmations: number; maxInvoiceTtl: number; maxOpenInvoices: number }

/**
 * Checks `createMerchant`'s options, naming the bad one (`InvalidParameterError`; an unreadable
 * viewing key is `InvalidViewingKeyError`), and fills in the defaults. A merchant takes a viewing
 * key only: a seed or a mnemonic is refused, so it can never spend.
 *
 * @example
 * const { key, confirmations, maxInvoiceTtl, maxOpenInvoices } = checkMerchantOptions(options)
 */
export function checkMerchantOptions(options: MerchantOptions): CheckedMerchantOptions {
  if (typeof options?.viewingKey !== 'string') throw new InvalidParameterError('viewingKey', 'expected a viewing key string (zkptivk1… or zkptfvk1…); a merchant never takes a seed or a mnemonic')
  const key = importViewingKey(options.viewingKey)
  if (typeof options.sequencerUrl !== 'string' || !/^https?:\/\//.test(options.sequencerUrl)) throw new InvalidParameterError('sequencerUrl', 'expected an http(s) URL')
  if (!Address.validate(options.rollupAddress, { strict: false })) throw new InvalidParameterError('rollupAddress', 'expected 0x and 40 hex digits')
  if (typeof options.fromBlock !== 'bigint' || options.fromBlock < 0n) throw new InvalidParameterError('fromBlock', 'expected a non-negative bigint block number')
  if (!options.publicClient || typeof options.publicClient.getBlockNumber !== 'function') throw new InvalidParameterError('publicClient', 'expected a viem PublicClient')
  const confirmations = assertConfirmations(options.confirmations ?? DEFAULT_CLIENT_CONFIRMATIONS)
  if (options.webhook !== undefined) {
    if (typeof options.webhook.url !== 'string' || !/^https?:\/\//.test(options.webhook.url)) throw new InvalidParameterError('webhook.url', 'expected an http(s) URL')
    if (typeof options.webhook.secret !== 'string' || options.webhook.secret.length < 16) throw new InvalidParameterError('webhook.secret', 'expected a string of at least 16 characters')
  }
  const maxInvoiceTtl = options.maxInvoiceTtl ?? DEFAULT_MAX_INVOICE_TTL
  if (!Number.isInteger(maxInvoiceTtl) || maxInvoiceTtl < 1) throw new InvalidParameterError('maxInvoiceTtl', 'expected a positive whole number of seconds')
  const maxOpenInvoices = options.maxOpenInvoices ?? DEFAULT_MAX_OPEN_INVOICES
  if (!Number.isInteger(maxOpenInvoices) || maxOpenInvoices < 1) throw new InvalidParameterError('maxOpenInvoices', 'expected a positive integer')
  return { key, confirmations, maxInvoiceTtl, maxOpenInvoices }
}
