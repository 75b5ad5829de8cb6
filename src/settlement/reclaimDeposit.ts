import type { Address, Hash } from 'viem'
import type { Outputs } from '../crypto/note.ts'
import type { SettlementClients } from './clients.ts'
import { rollupAbi } from './generated/contracts.ts'
import { sendRollupTransaction } from './sendRollupTransaction.ts'

/**
 * Refunds an escrowed deposit that no batch consumed, once the deposit timeout has passed.
 * Fails with `Rollup__DepositLocked(unlockBlock)` before that.
 *
 * @example
 * await reclaimDeposit(clients, { rollup, asset: zeroAddress, amount, extDataHash: tx.extDataHash, commitments: tx.commitments })
 */
export async function reclaimDeposit(
  clients: SettlementClients,
  p: { rollup: Address; asset: Address; amount: bigint; extDataHash: bigint; commitments: Readonly<Outputs<bigint>> },
): Promise<Hash> {
  const { hash } = await sendRollupTransaction(clients, 'Reclaiming the deposit', {
    address: p.rollup,
    abi: rollupAbi,
    functionName: 'reclaimDeposit',
    args: [p.asset, p.amount, p.extDataHash, p.commitments],
    gas: 120_000n,
  })
  return hash
}
