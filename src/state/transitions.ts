import type { BatchState, TxStatus } from './schema.ts'

/**
 * The batch state machine (see the issue and DESIGN.md "Operator node"). Each state lists where it
 * may go next; anything else is a bug and `setBatchState` throws `BatchTransitionError`.
 *
 * - `open → sealed`: its transactions are fixed (sealBatch creates batches already sealed).
 * - `sealed → proving → proven`: the prover took it and finished; `proving → sealed` hands it
 *   back when a prover dies, so another takes it.
 * - `proven → submitted`: recorded BEFORE the L1 transaction is sent, so a crash right after
 *   sending finds it `submitted` and reconciles with L1 instead of posting twice.
 * - `submitted → submitted`: a replacement transaction (fee bump) with a new hash;
 *   `submitted → proven`: it was dropped or reorged out, post again.
 * - `submitted → settled`: only through `recordSettledBatch`, which writes its leaves, roots and
 *   spent nullifiers in the same SQL transaction; `settled → final` past reorg depth;
 *   `settled → submitted`: an L1 reorg orphaned its block, only through `rollbackSettled`, which
 *   removes those leaves, roots and nullifiers in the same SQL transaction (the sequencer then
 *   posts it again, or finds it re-mined). `final` never goes back.
 * - `* → failed → sealed`: a retry (attempts + 1) after its error is dealt with.
 *
 * @example
 * BATCH_TRANSITIONS.submitted // ['submitted', 'settled', 'proven', 'failed']
 */
export const BATCH_TRANSITIONS: Readonly<Record<BatchState, readonly BatchState[]>> = {
  open: ['sealed', 'failed'],
  sealed: ['proving', 'failed'],
  proving: ['proven', 'sealed', 'failed'],
  proven: ['submitted', 'failed'],
  submitted: ['submitted', 'settled', 'proven', 'failed'],
  settled: ['final', 'submitted'],
  final: [],
  failed: ['sealed'],
}

/**
 * Whether a batch may go from `from` to `to`.
 *
 * @example
 * canTransition('proven', 'submitted') // true
 * canTransition('sealed', 'submitted') // false: it has no proof yet
 */
export function canTransition(from: BatchState, to: BatchState): boolean {
  return BATCH_TRANSITIONS[from].includes(to)
}

/**
 * The status a user sees for a transaction in a batch in each state: a proven batch is still
 * "proving" to them (nothing is on L1 yet), and a failed one is "batched" until it is retried or
 * its transactions are rejected.
 *
 * @example
 * TX_STATUS_OF_BATCH.proven // 'proving': nothing is on L1 yet
 */
export const TX_STATUS_OF_BATCH: Readonly<Record<BatchState, TxStatus>> = {
  open: 'batched',
  sealed: 'batched',
  proving: 'proving',
  proven: 'proving',
  submitted: 'submitted',
  settled: 'settled',
  final: 'final',
  failed: 'batched',
}
