import { type Address, zeroAddress } from 'viem'
import { beforeAll, describe, expect, it } from 'vitest'
import { resolveFeePolicy } from '../../src/cli/feePolicy.ts'
import { encodeAddress } from '../../src/crypto/address.ts'
import { deriveKeys } from '../../src/crypto/keys.ts'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import { exportViewingKey } from '../../src/crypto/viewingKeys.ts'
import { assertFeeAcceptable, fetchNodeFees, quoteFee } from '../../src/sdk/wallet/feeQuote.ts'

// The node's fee settings (ZKPAY_FEES, the fee key) and the wallet's reading of /v1/status.

const TOKEN = '0x5FbDB2315678afecb367f032d93F642f64180aa3' as Address
const chain = { readContract: async ({ address }: { address: Address }) => (address === TOKEN ? 6 : Promise.reject(new Error('no contract'))) } as never
let ivk: string
let address: string

beforeAll(async () => {
  await initCrypto()
  const keys = deriveKeys(new Uint8Array(32).fill(5))
  ivk = exportViewingKey(keys, 'incoming', 'testnet')
  address = encodeAddress({ ownerPk: keys.ownerPk, vpk: keys.vpk }, 'testnet')
})

describe('resolveFeePolicy', () => {
  const key = () => ({ variable: 'ZKPAY_FEE_KEY', value: ivk })

  it('default: prices in each asset\'s units become base units with the token\'s decimals read from L1; the fee address is the key\'s', async () => {
    const policy = await resolveFeePolicy([{ asset: zeroAddress, amount: '0.00001' }, { asset: TOKEN, amount: '0.05' }], key(), chain)
    expect(policy!.address).toBe(address)
    expect(policy!.prices.get(0n)).toEqual({ amount: 10n ** 13n, decimals: 18 })
    expect(policy!.prices.get(BigInt(TOKEN))).toEqual({ amount: 50_000n, decimals: 6 })
    expect(JSON.stringify([...policy!.prices.keys()].map(String))).not.toContain(ivk)
  })

  it('behavior: no prices is no policy (the node charges nothing), whatever the key', async () => {
    expect(await resolveFeePolicy([], { variable: 'ZKPAY_FEE_KEY', value: undefined }, chain)).toBeUndefined()
  })

  it('error: prices without a key, a key that does not parse, a price of 0, more decimals than the token has, an asset twice, and a token without decimals() are CONFIG_INVALID', async () => {
    const eth = (amount: string) => [{ asset: zeroAddress, amount }]
    await expect(resolveFeePolicy(eth('1'), { variable: 'ZKPAY_FEE_KEY', value: undefined }, chain)).rejects.toMatchObject({ code: 'CONFIG_INVALID', variable: 'ZKPAY_FEE_KEY' })
    await expect(resolveFeePolicy(eth('1'), { variable: 'ZKPAY_FEE_KEY', value: 'zkptivk1nonsense' }, chain)).rejects.toMatchObject({ code: 'CONFIG_INVALID' })
    await expect(resolveFeePolicy(eth('0.000'), key(), chain)).rejects.toThrow(/is 0: list only the assets/)
    await expect(resolveFeePolicy([{ asset: TOKEN, amount: '0.0000001' }], key(), chain)).rejects.toThrow(/more decimals than the asset's 6/)
    await expect(resolveFeePolicy([...eth('1'), ...eth('2')], key(), chain)).rejects.toThrow(/twice/)
    await expect(resolveFeePolicy([{ asset: '0x00000000000000000000000000000000000000aa', amount: '1' }], key(), chain)).rejects.toThrow(/no ERC-20 decimals/)
  })
})

describe('the wallet reading /v1/status', () => {
  const status = (body: unknown) => async () => new Response(JSON.stringify(body), { status: 200 })

  it('default: a published price becomes a quote to the fee address; a node without fees quotes 0', async () => {
    const fees = await fetchNodeFees('http://node', status({ fees: { address, prices: [{ asset: zeroAddress, amount: '7', decimals: 18 }] } }))
    expect(quoteFee(fees, zeroAddress, 'testnet')).toMatchObject({ amount: 7n, to: { ownerPk: deriveKeys(new Uint8Array(32).fill(5)).ownerPk } })
    expect(quoteFee(await fetchNodeFees('http://node', status({ fees: null })), zeroAddress, 'testnet')).toEqual({ asset: zeroAddress, amount: 0n, to: null })
  })

  it('error: malformed fees are NODE_UNREACHABLE, an unpriced asset FEE_ASSET_UNSUPPORTED, a fee address of the other network WRONG_NETWORK, a fee above the cap FEE_TOO_HIGH', async () => {
    for (const fees of [undefined, { address, prices: [{ asset: zeroAddress, amount: '-1', decimals: 18 }] }, { address, prices: [{ asset: zeroAddress, amount: '0x10', decimals: 18 }] }, { address, prices: 'all' }]) {
      await expect(fetchNodeFees('http://node', status({ fees }))).rejects.toMatchObject({ code: 'NODE_UNREACHABLE' })
    }
    const fees = { address, prices: [{ asset: zeroAddress, amount: '100', decimals: 18 }] }
    expect(() => quoteFee(fees, TOKEN, 'testnet')).toThrow(expect.objectContaining({ code: 'FEE_ASSET_UNSUPPORTED' }))
    expect(() => quoteFee(fees, zeroAddress, 'mainnet')).toThrow(expect.objectContaining({ code: 'WRONG_NETWORK' }))
    const quote = quoteFee(fees, zeroAddress, 'testnet')
    expect(() => assertFeeAcceptable(quote, 9_999n, undefined)).toThrow(expect.objectContaining({ code: 'FEE_TOO_HIGH' })) // 1% of 9,999 is 99
    expect(() => assertFeeAcceptable(quote, 10_000n, undefined)).not.toThrow()
    expect(() => assertFeeAcceptable(quote, 1n, 99n)).toThrow(/more than maxFee \(99\)/)
    expect(() => assertFeeAcceptable(quote, 1n, 100n)).not.toThrow()
  })
})
