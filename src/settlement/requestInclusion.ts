import { type Address, decodeEventLog, type Hash } from 'viem'
import type { ShieldedTransaction } from '../circuits/index.ts'
import { SettlementError } from '../errors/index.ts'
import type { SettlementClients } from './clients.ts'
import { rollupAbi } from './generated/contracts.ts'
import { toRollupTransfer } from './rollupTransfer.ts'
import { sendRollupTransaction } from './sendRollupTransaction.ts'

/**
 * Checks the transfer and verifies its proof on chain (about 330k gas with the queue entry and
 * the event); the limit leaves room without depending on estimation.
 */
const REQUEST_INCLUSION_GAS = 600_000n

/**
 * Queues a proven transaction for forced inclusion: the way out for a user whose transactions
 * the sequencer ignores. The rollup checks it now (proof, root, nullifiers, ext data, escrow)
 * at the caller's expense; from `dueBlock` on, every batch must include it before anything
 * else, and anyone may submit batches until one does. The calling account is public: send it
 * from an address that is not linked to you if that matters.
 *
 * @example
 * const { index, dueBlock } = await requestInclusion(clients, { rollup, transaction: tx })
 */
export async function requestInclusion(
  clients: SettlementClients,
  p: { rollup: Address; transaction: ShieldedTransaction; /** overrides the default limit (600k) */ gas?: bigint },
): Promise<{ hash: Hash; index: bigint; dueBlock: bigint }> {
  const { hash, receipt } = await sendRollupTransaction(clients, 'Requesting inclusion', {
    address: p.rollup,
    abi: rollupAbi,
    functionName: 'requestInclusion',
    args: [toRollupTransfer(p.transaction)],
    gas: p.gas ?? REQUEST_INCLUSION_GAS,
  })
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== p.rollup.toLowerCase()) continue
    try {
      const event = decodeEventLog({ abi: rollupAbi, ...log, eventName: 'InclusionRequested' })
      return { hash, index: event.args.index, dueBlock: event.args.dueBlock }
    } catch {
      // another event of the rollup
    }
  }
  throw new SettlementError(`The inclusion request in transaction ${hash} emitted no InclusionRequested event: the address is not a zkpay rollup.`)
}
