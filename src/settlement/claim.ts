import type { Address, Hash } from 'viem'
import type { SettlementClients } from './clients.ts'
import { rollupAbi } from './generated/contracts.ts'
import { sendRollupTransaction } from './sendRollupTransaction.ts'

/**
 * Collects what the rollup owes the account in `asset`: batch fees, or a withdrawal whose
 * payout the recipient refused at settlement time.
 *
 * @example
 * await claim(clients, { rollup, asset: zeroAddress })
 */
export async function claim(clients: SettlementClients, p: { rollup: Address; asset: Address }): Promise<Hash> {
  const { hash } = await sendRollupTransaction(clients, 'The claim', {
    address: p.rollup,
    abi: rollupAbi,
    functionName: 'claim',
    args: [p.asset],
    gas: 200_000n,
  })
  return hash
}
