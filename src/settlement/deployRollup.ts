import type { Address, Hash } from 'viem'
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
}

export type DeployedRollup = { address: Address; hash: Hash; blockNumber: bigint }

const UINT64_MAX = (1n << 64n) - 1n
/** Deployment measured at about 3.2M gas; the limit leaves room without depending on estimation. */
const DEPLOY_GAS = 4_500_000n

/**
 * Deploys contracts/Rollup.sol with the committed verifying keys. `blockNumber` is where
 * `syncFromL1` may start.
 *
 * @example
 * const { address } = await deployRollup(clients, { escapeDelay: 100n, depositTimeout: 100n })
 */
export async function deployRollup(clients: SettlementClients, parameters: DeployRollupParameters = {}): Promise<DeployedRollup> {
  const sequencer = parameters.sequencer ?? clients.walletClient.account.address
  const escapeDelay = parameters.escapeDelay ?? 7_200n
  const depositTimeout = parameters.depositTimeout ?? 7_200n
  for (const [name, value] of [['escapeDelay', escapeDelay], ['depositTimeout', depositTimeout]] as const) {
    if (typeof value !== 'bigint' || value < 0n || value > UINT64_MAX) throw new InvalidParameterError(name, 'expected a block count that fits in uint64')
  }
  const hash = await clients.walletClient.deployContract({
    abi: rollupAbi,
    bytecode: rollupBytecode,
    args: [sequencer, escapeDelay, depositTimeout],
    gas: DEPLOY_GAS,
  })
  const receipt = await clients.publicClient.waitForTransactionReceipt({ hash })
  if (receipt.status !== 'success' || !receipt.contractAddress) throw new SettlementError(`Deploying the rollup failed in transaction ${hash}.`)
  return { address: receipt.contractAddress, hash, blockNumber: receipt.blockNumber }
}
