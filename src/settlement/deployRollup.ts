import { type Address, type Hash, isAddress } from 'viem'
import { assertKeysAllowed, keysInUse, type KeysInUse } from '../circuits/devKeys.ts'
import { InvalidParameterError, SettlementError } from '../errors/index.ts'
import type { SettlementClients } from './clients.ts'
import { rollupAbi, rollupBytecode } from './generated/contracts.ts'

export type DeployRollupParameters = {
  /** the address allowed to submit batches while it is active (default: the deploying account) */
  sequencer?: Address
  /** blocks of sequencer silence after which anyone may submit a batch (default 7,200: a day of 12-s blocks) */
  escapeDelay?: bigint
  /** blocks after which an unconsumed deposit may be reclaimed (default 7,200) */
  depositTimeout?: bigint
  /**
   * Deploy the dev verifying keys on a chain other than the local devnet (31337) anyway. They
   * come from the public dev setup: anyone can forge proofs for them and take every deposit.
   * Only for throwaway test chains; without it such a deployment fails with DEV_KEYS_REFUSED.
   */
  allowInsecureDevKeys?: boolean
}

/** The constructor's arguments as deployed, every default filled in. */
export type RollupConstructorParameters = { sequencer: Address; escapeDelay: bigint; depositTimeout: bigint }

export type DeployedRollup = RollupConstructorParameters & {
  address: Address
  hash: Hash
  /** where `syncFromL1` may start */
  blockNumber: bigint
  chainId: number
  /** the verifying keys compiled into the contract: dev (forgeable) or not, with their SHA-256s */
  verifyingKeys: KeysInUse
}

const UINT32_MAX = (1n << 32n) - 1n
/** Deployment measured at about 3.2M gas; the limit leaves room without depending on estimation. */
const DEPLOY_GAS = 4_500_000n

/** The constructor arguments, defaults filled in and checked: every parameter error comes before any RPC call. */
function constructorParameters(clients: SettlementClients, parameters: DeployRollupParameters): RollupConstructorParameters {
  const resolved = {
    sequencer: parameters.sequencer ?? clients.walletClient.account.address,
    escapeDelay: parameters.escapeDelay ?? 7_200n,
    depositTimeout: parameters.depositTimeout ?? 7_200n,
  }
  if (typeof resolved.sequencer !== 'string' || !isAddress(resolved.sequencer, { strict: false })) throw new InvalidParameterError('sequencer', 'expected an address (0x and 40 hex digits)')
  // As the constructor insists: an escape delay of 0 lets anyone post in front of every
  // sequencer batch, and delays past 2^32 blocks would overflow a request's due block.
  for (const name of ['escapeDelay', 'depositTimeout'] as const) {
    const value = resolved[name]
    const least = name === 'escapeDelay' ? 1n : 0n
    if (typeof value !== 'bigint' || value < least || value > UINT32_MAX) throw new InvalidParameterError(name, `expected a block count from ${least} to 2^32 - 1`)
  }
  return resolved
}

/**
 * Deploys contracts/Rollup.sol with the committed verifying keys. Those are the dev setup's
 * unless `zkpay ceremony install` replaced them, and the dev keys are forgeable, so on any chain
 * but the local devnet (31337) this refuses them (DEV_KEYS_REFUSED) unless
 * `allowInsecureDevKeys` is set. The keys are recognised from their points (`isDevKey`), read
 * from circuits/artifacts, where the contract's VerifyingKeys.sol is generated from.
 *
 * @example
 * const { address, blockNumber } = await deployRollup(clients, { escapeDelay: 100n, depositTimeout: 100n })
 */
export async function deployRollup(clients: SettlementClients, parameters: DeployRollupParameters = {}): Promise<DeployedRollup> {
  const args = constructorParameters(clients, parameters)
  const verifyingKeys = await keysInUse()
  const chainId = await clients.publicClient.getChainId()
  assertKeysAllowed({ action: 'deploy the rollup', chainId, keys: verifyingKeys, allowInsecureDevKeys: parameters.allowInsecureDevKeys })
  const hash = await clients.walletClient.deployContract({
    abi: rollupAbi,
    bytecode: rollupBytecode,
    args: [args.sequencer, args.escapeDelay, args.depositTimeout],
    gas: DEPLOY_GAS,
  })
  const receipt = await clients.publicClient.waitForTransactionReceipt({ hash })
  if (receipt.status !== 'success' || !receipt.contractAddress) throw new SettlementError(`Deploying the rollup failed in transaction ${hash}.`)
  return { ...args, address: receipt.contractAddress, hash, blockNumber: receipt.blockNumber, chainId, verifyingKeys }
}
