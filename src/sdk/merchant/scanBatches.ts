import type { PublicClient } from 'viem'
import type { SyncedBatch } from '../../settlement/syncFromL1.ts'
import { decryptOutputs, type FoundPayment, type PaymentKey } from './decryptOutputs.ts'
import type { ObservedOutput } from './types.ts'

/** A batch's outputs as observed outputs: settled, at their leaves, in its block and L1 transaction. */
function outputsOf(batch: SyncedBatch): ObservedOutput[] {
  return batch.transactions.flatMap((t) =>
    t.commitments.map((commitment, i) => ({
      source: 'l1' as const,
      outputIndex: i,
      commitment,
      epk: t.epk,
      ciphertext: t.ciphertexts[i]!,
      leafIndex: t.leafIndex + i,
      blockNumber: batch.blockNumber,
      l1TxHash: batch.l1TxHash,
    })),
  )
}

/**
 * The payments to the merchant in L1 batches (one x25519 per transaction), each dated by its
 * block's time, not the time we looked: a merchant that was offline must not call a payment late
 * that settled before the invoice expired. Blocks are read only for batches holding a payment.
 * Malformed outputs are ignored, not errors.
 *
 * @example
 * const { batches } = await syncFromL1(publicClient, { rollup, fromBlock })
 * const found = await scanBatches(publicClient, key, batches)
 */
export async function scanBatches(publicClient: PublicClient, key: PaymentKey, batches: readonly SyncedBatch[]): Promise<FoundPayment[]> {
  const found: FoundPayment[] = []
  for (const batch of batches) {
    const mine = decryptOutputs(key, outputsOf(batch), { malformed: 'skip' })
    if (mine.length === 0) continue
    const block = await publicClient.getBlock({ blockNumber: batch.blockNumber })
    for (const { output, decrypted } of mine) found.push({ output: { ...output, timestamp: Number(block.timestamp) * 1000 }, decrypted })
  }
  return found
}
