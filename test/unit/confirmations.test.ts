import { describe, expect, it } from 'vitest'
import { loadClientConfig } from '../../src/cli/clientConfig.ts'
import { merchantConfig, nodeConfig } from '../../src/config/index.ts'
import { deriveKeys, generateMnemonic } from '../../src/crypto/keys.ts'
import { createMerchant } from '../../src/sdk/merchant/createMerchant.ts'
import { Wallet } from '../../src/sdk/wallet/Wallet.ts'
import { NodeWallet } from '../../src/sdk/wallet/nodeWallet.ts'
import { assertConfirmations, DEFAULT_CLIENT_CONFIRMATIONS, lastConfirmedBlock } from '../../src/settlement/confirmations.ts'
import { unitMerchantOptions } from '../helpers/merchant.ts'

// `confirmations` has one meaning in the node, the wallet and the merchant: blocks carrying a
// batch, the including block counted (1: final once mined).

describe('confirmations', () => {
  it('default: the including block counts: with 1 the head is final, with 3 two blocks must follow', () => {
    expect(lastConfirmedBlock(100n, 1)).toBe(100n)
    expect(lastConfirmedBlock(100n, 3)).toBe(98n)
    expect(DEFAULT_CLIENT_CONFIRMATIONS).toBe(3)
    expect(nodeConfig.confirmations.default).toBe(1)
    expect(merchantConfig.confirmations.default).toBe(DEFAULT_CLIENT_CONFIRMATIONS)
  })

  for (const bad of [0, -1, 1.5, 10_001, Number.NaN]) {
    it(`error: ${bad} is refused by the check, the wallet and the merchant alike`, async () => {
      expect(() => assertConfirmations(bad)).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER', parameter: 'confirmations' }))
      const wallet = () => new NodeWallet({ mnemonic: generateMnemonic(), sequencerUrl: 'http://127.0.0.1:9', rollupAddress: `0x${'11'.repeat(20)}`, fromBlock: 0n, l1: {} as never, confirmations: bad })
      expect(wallet).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER', parameter: 'confirmations' }))
      await expect(createMerchant({ ...unitMerchantOptions(deriveKeys(new Uint8Array(32).fill(1))), confirmations: bad })).rejects.toMatchObject({ code: 'INVALID_PARAMETER', parameter: 'confirmations' })
    })
  }

  it('error: ZKPAY_MERCHANT_CONFIRMATIONS=0 is a configuration error naming the variable', () => {
    expect(() => loadClientConfig(merchantConfig, { viewingKey: 'zkptivk1x' }, { devnetFile: '/nonexistent', env: { ZKPAY_MERCHANT_CONFIRMATIONS: '0', ZKPAY_ROLLUP_ADDRESS: `0x${'11'.repeat(20)}` } })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', variable: 'ZKPAY_MERCHANT_CONFIRMATIONS' }),
    )
  })
})
