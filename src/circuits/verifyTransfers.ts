import type { Proof } from './prove.ts'
import { verifyProofs } from './verifyProofs.ts'

/**
 * Verifies many transfer proofs at once in one multi-pairing (see `verifyProofs`), as admission
 * does for proofs that arrive together. True only if every proof is valid; on false, check
 * them separately to find the bad ones.
 *
 * @example
 * if (!(await verifyTransfers(batch))) for (const t of batch) await verifyTransfer(t.proof, t.publicSignals)
 */
export function verifyTransfers(items: readonly { proof: Proof; publicSignals: readonly bigint[] }[]): Promise<boolean> {
  return verifyProofs('transfer', items)
}
