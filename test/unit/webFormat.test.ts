import { describe, expect, it } from 'vitest'
import { amountText } from '../../src/web/format.ts'

// The web wallet's activity list: a token payment must never read as ETH, whatever the token
// calls itself (anyone can send a worthless token with a memo that names an order).

describe('web wallet amounts', () => {
  it('default: ETH in ether', () => {
    expect(amountText({ asset: 0n, amount: 10n ** 17n })).toBe('0.1 ETH')
    expect(amountText({ asset: 0n, amount: 1n })).toBe('0.000000000000000001 ETH')
  })

  it('error: any other asset is its base units and its address, never ETH nor a symbol or decimals it chose', () => {
    const token = 0xe7f1725e7734ce288f8367e1bb143e90bb3f0512n
    expect(amountText({ asset: token, amount: 100n * 10n ** 18n })).toBe('100000000000000000000 units of token 0xe7f172…3f0512')
    expect(amountText({ asset: 1n, amount: 5n })).toBe('5 units of token 0x000000…000001')
    expect(amountText({ asset: token, amount: 1n })).not.toMatch(/ETH/)
  })
})
