import type { Address, Hash } from 'viem'
import type { ShieldedTransaction } from '../circuits/index.ts'
import type { SettlementClients } from './clients.ts'
import { rollupAbi } from './generated/contracts.ts'
import { toRollupTransfer } from './rollupTransfer.ts'
import { sendRollupTransaction } from './sendRollupTransaction.ts'

/**
 * Drops the request at the head of the inclusion queue once it can never be included (a note
 * it spends was spent since, or its deposit was reclaimed), so that it no longer holds up
 * batches. Anyone may call it; the rollup refuses to skip a request that is still valid
 * (`Rollup__InclusionRequestValid`).
 *
 * @example
 * await skipInclusionRequest(clients, { rollup, transaction: queued.transaction })
 */
export async function skipInclusionRequest(clients: SettlementClients, p: { rollup: Address; transaction: ShieldedTransaction }): Promise<Hash> {
  const { hash } = await sendRollupTransaction(clients, 'Skipping the inclusion request', {
    address: p.rollup,
    abi: rollupAbi,
    functionName: 'skipInclusionRequest',
    args: [toRollupTransfer(p.transaction)],
    gas: 150_000n,
  })
  return hash
}
