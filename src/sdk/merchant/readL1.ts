import type { Address, Hex, PublicClient } from 'viem'
import { type Checkpoint, detectReorg, latestCheckpoint } from '../../settlement/detectReorg.ts'
import { type SyncedBatch, syncFromL1 } from '../../settlement/syncFromL1.ts'
import type { MerchantStore } from './openMerchantStore.ts'

/** The store's cursor for what the merchant has read of L1. */
export const L1_CURSOR = 'l1'

/** What L1 shows since the cursor; see `readL1`. */
export type L1Read = {
  head: Checkpoint
  batches: SyncedBatch[]
  /** where the next read starts, unless the chain is behind what was read (then none) */
  cursor?: bigint
  /** what a reorg took back: the caller rolls the store back from there with what it applies */
  rollback?: { fromBlock: bigint; hash: Hex | null }
}

/**
 * Reads L1 from the store's cursor (or `fromBlock`) to the head and checks, after the read, that
 * the last block read before is still on the chain (`detectReorg`). After a reorg it reads again
 * from the newest checkpoint still on the chain (at most three times), and returns the rollback to
 * apply with the read. Writes nothing: it throws `ReorgTooDeepError`, before anything is written,
 * when the reorg would take back a payment of a final invoice.
 *
 * @example
 * const { head, batches, cursor, rollback } = await readL1(publicClient, store, { rollup, fromBlock })
 */
export async function readL1(
  publicClient: PublicClient,
  store: Pick<MerchantStore, 'getCursor' | 'checkpoints' | 'assertRollbackAllowed'>,
  p: { rollup: Address; fromBlock: bigint },
): Promise<L1Read> {
  const stored = store.getCursor(L1_CURSOR)
  let from = stored?.block ?? p.fromBlock
  let lastHash = stored?.hash ?? null
  let rollback: L1Read['rollback']
  for (let reads = 1; ; reads++) {
    const head = await latestCheckpoint(publicClient)
    const read = from <= head.block ? await syncFromL1(publicClient, { rollup: p.rollup, fromBlock: from, toBlock: head.block }) : undefined
    const below = from
    const check = await detectReorg(publicClient, {
      last: lastHash ? { block: from - 1n, hash: lastHash } : undefined,
      checkpoints: () => store.checkpoints().filter((c) => c.block < below),
    })
    const undo = rollback ? { rollback } : {}
    // Behind: the RPC has not the block read last (a lagging node): apply nothing from L1 yet.
    if (check.status === 'behind') return { head, batches: [], ...undo }
    if (check.status === 'canonical') return { head, batches: read?.batches ?? [], ...(read ? { cursor: read.nextBlock } : {}), ...undo }
    from = check.ancestor ? check.ancestor.block + 1n : p.fromBlock
    lastHash = check.ancestor?.hash ?? null
    rollback = { fromBlock: from, hash: lastHash }
    store.assertRollbackAllowed(from)
    if (reads >= 3) return { head, batches: [], rollback }
  }
}
