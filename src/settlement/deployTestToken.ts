import type { Address } from 'viem'
import { SettlementError } from '../errors/index.ts'
import type { SettlementClients } from './clients.ts'
import { testTokenAbi, testTokenBytecode } from './generated/contracts.ts'

/**
 * Deploys the devnet's ERC-20 (contracts/test/TestToken.sol: anyone may mint; 18 decimals unless told).
 *
 * @example
 * const token = await deployTestToken(clients, { name: 'Test Dollar', symbol: 'TUSD' })
 */
export async function deployTestToken(clients: SettlementClients, parameters: { name?: string; symbol?: string; decimals?: number } = {}): Promise<Address> {
  const hash = await clients.walletClient.deployContract({
    abi: testTokenAbi,
    bytecode: testTokenBytecode,
    args: [parameters.name ?? 'Test Token', parameters.symbol ?? 'TEST', parameters.decimals ?? 18],
    gas: 1_500_000n,
  })
  const receipt = await clients.publicClient.waitForTransactionReceipt({ hash })
  if (receipt.status !== 'success' || !receipt.contractAddress) throw new SettlementError(`Deploying the test token failed in transaction ${hash}.`)
  return receipt.contractAddress
}
