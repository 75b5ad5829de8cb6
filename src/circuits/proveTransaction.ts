import { buildShieldedTransaction, type ProveTransactionParameters, type ShieldedTransaction } from './transaction.ts'

export { buildShieldedTransaction, feeOutput, type ProveTransactionParameters, type ShieldedTransaction, type TransactionOutput, type TransferProver, transferPublicSignals, zeroOutput } from './transaction.ts'

/**
 * Builds, encrypts and proves one 2-in-3-out transaction in this process (see
 * `buildShieldedTransaction`): picks dummies for missing inputs, encrypts the outputs to their
 * recipients, computes `publicAmount = extAmount − fee (mod r)` and binds the ext data into the
 * proof. The prover (snarkjs, the curve, the circuit) loads with the first proof, not with this
 * module: a wallet that only reads its balance never loads it.
 *
 * @example
 * const tx = await proveTransaction({ keys, asset: 0n, tree, inputs: [],
 *   outputs: [{ note: { asset: 0n, amount: 10n, ownerPk: keys.ownerPk, blinding: randomFieldElement() }, internalKey: keys.internalKey },
 *     zeroOutput(keys, 0n), feeOutput(operator, 0n, 1n)],
 *   extAmount: 10n })
 */
export function proveTransaction(p: ProveTransactionParameters): Promise<ShieldedTransaction> {
  return buildShieldedTransaction(p, async (witness) => (await import('./prove.ts')).proveTransfer(witness))
}
