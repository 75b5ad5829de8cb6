import { BATCH_TRANSFERS } from '../crypto/batch.ts'
import type { Address, Hash, TransactionReceipt } from 'viem'
import type { Proof, ShieldedTransaction } from '../circuits/index.ts'
import { InvalidParameterError } from '../errors/index.ts'
import type { SettlementClients } from './clients.ts'
import { rollupAbi } from './generated/contracts.ts'
import { toRollupTransfer } from './rollupTransfer.ts'
import { sendRollupTransaction } from './sendRollupTransaction.ts'


export type SubmitBatchParameters = {
  rollup: Address
  /** the root the batch was proven from: the contract's current root */
  oldRoot: bigint
  newRoot: bigint
  transactions: readonly ShieldedTransaction[]
  /** the batch circuit's proof of the tree update */
  batchProof: Proof
  /** who is owed the fees (default: the submitting account) */
  feeRecipient?: Address
  /** overrides {@link batchGasLimit} */
  gas?: bigint
  /** called with the L1 transaction hash as soon as it is sent, before it is mined */
  onSent?: (hash: Hash) => void | Promise<void>
  /** stop waiting for the receipt after this long (TransactionPendingError) */
  receiptTimeoutMs?: number
  /** replace a pending submission: its nonce and higher fees */
  replace?: { nonce: number; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }
}

/**
 * The gas limit a batch is sent with. Never an estimate: `eth_estimateGas` searches for the
 * least gas that does not revert, and with too little gas a withdrawal's payout fails softly
 * (it is owed instead of paid), so an estimate would silently defer withdrawals. Measured on
 * anvil (bench/settlement.ts): 559k gas for one private transfer, 3.61M for 21 (three outputs),
 * about 153k per transfer and 406k per batch, and deposits about 20k more. The worst case is budgeted on top,
 * so that no submitter can make a batch run out of gas (which names no transaction and would be
 * posted again and again): a payout may burn its whole allowance (100k for a token) and then
 * be owed in a fresh storage slot (22.1k) with an event; a fee may open a fresh slot for the
 * fee recipient in a new asset. This allows about 1.2 times the typical cost besides (1.1 for
 * a batch of deposits).
 *
 * @example
 * const gas = batchGasLimit(transactions) // 640000n for one private transfer without payout or public fee
 */
export function batchGasLimit(transactions: readonly ShieldedTransaction[]): bigint {
  const payouts = transactions.filter((t) => t.extData.extAmount < 0n).length
  const fees = transactions.filter((t) => t.extData.fee > 0n).length
  return 450_000n + 190_000n * BigInt(transactions.length) + 140_000n * BigInt(payouts) + 25_000n * BigInt(fees)
}

/**
 * Posts a proven batch to the rollup. The call is simulated first, so a batch the contract
 * would reject fails with a `RollupRevertedError` naming the custom error and, for errors
 * about one transaction, its `txIndex`, before any gas is spent.
 *
 * @example
 * const { hash, gasUsed } = await submitBatch(clients, { rollup, oldRoot, newRoot, transactions, batchProof })
 */
export async function submitBatch(
  clients: SettlementClients,
  p: SubmitBatchParameters,
): Promise<{ hash: Hash; receipt: TransactionReceipt; gasUsed: bigint }> {
  if (!Array.isArray(p.transactions) || p.transactions.length === 0 || p.transactions.length > BATCH_TRANSFERS) {
    throw new InvalidParameterError('transactions', `expected 1 to ${BATCH_TRANSFERS} transactions`)
  }
  const { hash, receipt } = await sendRollupTransaction(clients, 'Submitting the batch', {
    address: p.rollup,
    abi: rollupAbi,
    functionName: 'submitBatch',
    args: [p.oldRoot, p.newRoot, p.transactions.map(toRollupTransfer), p.batchProof, p.feeRecipient ?? clients.walletClient.account.address],
    gas: p.gas ?? batchGasLimit(p.transactions),
    ...(p.replace ?? {}),
  }, { ...(p.onSent ? { onSent: p.onSent } : {}), ...(p.receiptTimeoutMs ? { receiptTimeoutMs: p.receiptTimeoutMs } : {}) })
  return { hash, receipt, gasUsed: receipt.gasUsed }
}
