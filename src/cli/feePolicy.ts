import { type Address, erc20Abi, type PublicClient, zeroAddress } from 'viem'
import { encodeAddress } from '../crypto/address.ts'
import { importViewingKey } from '../crypto/viewingKeys.ts'
import { BaseError, ConfigError } from '../errors/index.ts'
import type { FeePolicy, FeePrice } from '../sequencer/index.ts'

/**
 * The node's fee policy from its settings: the fee key (an incoming viewing key, the value of the
 * variable `feeKeyEnv` names) and the prices in each asset's own units, converted with the
 * token's `decimals()` read from L1 (18 for ETH). No prices: no policy (the node charges
 * nothing). Prices without a key, a key that does not parse, a token without decimals or an
 * amount finer than the token's decimals are CONFIG_INVALID, before the node starts.
 *
 * @example
 * const fees = await resolveFeePolicy(config.fees, { variable: 'ZKPAY_FEE_KEY', value: process.env.ZKPAY_FEE_KEY }, publicClient)
 */
export async function resolveFeePolicy(
  prices: readonly { asset: Address; amount: string }[],
  key: { variable: string; value: string | undefined },
  publicClient: Pick<PublicClient, 'readContract'>,
): Promise<FeePolicy | undefined> {
  if (prices.length === 0) return undefined
  if (!key.value) {
    throw new ConfigError(key.variable, `ZKPAY_FEES sets prices but ${key.variable} holds no fee key: set it to the incoming viewing key of the account that collects fees (\`zkpay wallet viewing-key\`).`, { setting: 'feeKeyEnv' })
  }
  let viewingKey: ReturnType<typeof importViewingKey>
  try {
    viewingKey = importViewingKey(key.value.trim())
  } catch (cause) {
    throw new ConfigError(key.variable, `${key.variable} does not hold a viewing key: ${cause instanceof BaseError ? cause.shortMessage : 'it does not parse'}`, { setting: 'feeKeyEnv' })
  }
  const resolved = new Map<bigint, FeePrice>()
  for (const { asset, amount } of prices) {
    const decimals = asset.toLowerCase() === zeroAddress ? 18 : await tokenDecimals(publicClient, asset)
    const [whole = '0', fraction = ''] = amount.split('.')
    if (fraction.length > decimals) throw new ConfigError('ZKPAY_FEES', `The fee ${amount} for ${asset} has more decimals than the asset's ${decimals}.`, { setting: 'fees' })
    if (resolved.has(BigInt(asset))) throw new ConfigError('ZKPAY_FEES', `ZKPAY_FEES lists ${asset} twice.`, { setting: 'fees' })
    const units = BigInt(whole + fraction.padEnd(decimals, '0'))
    // A price of 0 would admit fee notes of nothing: spam again, ranked first. No fees is an empty list.
    if (units === 0n) throw new ConfigError('ZKPAY_FEES', `The fee for ${asset} is 0: list only the assets the node charges for, at least 1 base unit each.`, { setting: 'fees' })
    resolved.set(BigInt(asset), { amount: units, decimals })
  }
  return {
    address: encodeAddress({ ownerPk: viewingKey.ownerPk, vpk: viewingKey.vpk }, viewingKey.network),
    vsk: viewingKey.vsk,
    ownerPk: viewingKey.ownerPk,
    prices: resolved,
  }
}

async function tokenDecimals(publicClient: Pick<PublicClient, 'readContract'>, token: Address): Promise<number> {
  try {
    return await publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'decimals' })
  } catch (cause) {
    throw new ConfigError('ZKPAY_FEES', `ZKPAY_FEES prices ${token}, which has no ERC-20 decimals() on this chain: check the address.`, { setting: 'fees', cause })
  }
}
