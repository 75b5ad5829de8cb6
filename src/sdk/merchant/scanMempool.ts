import { decryptOutputs, type FoundPayment, type PaymentKey } from './decryptOutputs.ts'
import type { MempoolTransaction } from './readMempool.ts'
import type { ObservedOutput } from './types.ts'

/**
 * The mempool transactions a scan has trial-decrypted, by id, ephemeral key and first commitment,
 * each with the payments found in it (most often none).
 */
export type MempoolScan = ReadonlyMap<string, readonly FoundPayment[]>

/**
 * The payments to the merchant among the node's mempool transactions. Only the transactions
 * `previous` (the last scan's memory) does not hold are decrypted (one x25519 each); the others
 * give again what they gave then, so a pass still sees every payment the mempool holds (a
 * payment a reorg orphaned counts again when seen there) without decrypting the same outputs at
 * every poll. The memory returned holds the transactions of this read only: those that left the
 * mempool are forgotten, which bounds it by what one read returns (`readMempool`'s `maxPages`).
 * Malformed outputs are ignored, not errors.
 *
 * @example
 * let memory: MempoolScan = new Map()
 * const { found, scan } = scanMempool(key, await readMempool(url), memory)
 * memory = scan
 */
export function scanMempool(key: PaymentKey, transactions: readonly MempoolTransaction[], previous: MempoolScan = new Map()): { found: FoundPayment[]; scan: MempoolScan } {
  const scan = new Map<string, readonly FoundPayment[]>()
  const fresh = new Map<ObservedOutput, string>()
  for (const t of transactions) {
    const id = `${t.id}\n${t.epk}\n${t.commitments[0] ?? ''}`
    if (scan.has(id)) continue
    const known = previous.get(id)
    scan.set(id, known ?? [])
    if (known) continue
    t.commitments.forEach((commitment, i) => fresh.set({ source: 'mempool', txId: t.id, outputIndex: i, commitment, epk: t.epk, ciphertext: t.ciphertexts[i]! }, id))
  }
  for (const payment of decryptOutputs(key, [...fresh.keys()], { malformed: 'skip' })) {
    const id = fresh.get(payment.output)!
    scan.set(id, [...scan.get(id)!, payment])
  }
  return { found: [...scan.values()].flat(), scan }
}
