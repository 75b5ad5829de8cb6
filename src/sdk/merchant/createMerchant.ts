import type { Merchant } from './Merchant.ts'
import type { MerchantOptions } from './types.ts'

/**
 * A watch-only merchant from a viewing key (see `Merchant`). Asynchronous because the merchant
 * and its SQLite store load on first use: `zkpay/merchant`'s payment URIs, amounts, QR codes and
 * webhook signatures load neither SQLite nor viem, so a checkout page or a webhook receiver can
 * import them alone.
 *
 * @example
 * const merchant = await createMerchant({ viewingKey: process.env.ZKPAY_VIEWING_KEY!, sequencerUrl, publicClient, rollupAddress, fromBlock })
 */
export async function createMerchant(options: MerchantOptions): Promise<Merchant> {
  const { Merchant } = await import('./Merchant.ts')
  return new Merchant(options)
}
