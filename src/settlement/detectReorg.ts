import { type Hash, numberToHex, type PublicClient } from 'viem'
import { SettlementError } from '../errors/index.ts'

/**
 * How many blocks back a wallet or a merchant keeps its checkpoints: far past any reorg a chain
 * with finality has (Ethereum finalizes within about 64 blocks), and a bounded table. A reorg
 * deeper still finds no checkpoint on the chain: a wallet then reads everything again from the
 * rollup's deployment, a merchant with final invoices stops (`REORG_TOO_DEEP`).
 *
 * @example
 * const forgetBelow = tip - CHECKPOINT_BLOCKS // 10000n blocks
 */
export const CHECKPOINT_BLOCKS = 10_000n

/** An L1 block a follower applied: its number and the hash it had then. */
export type Checkpoint = { block: bigint; hash: Hash }

export type ReorgCheck<C extends Checkpoint = Checkpoint> =
  /** the last block applied is still on the chain, and so (each block commits to its parent) is everything below it */
  | { status: 'canonical' }
  /** the chain is now shorter than the last block applied (a lagging RPC node, or a reorg onto a shorter chain): judge later */
  | { status: 'behind' }
  /**
   * the last block applied was replaced: `ancestor` is the newest checkpoint still on the chain
   * (undefined when none is), so what was applied after its block is orphaned
   */
  | { status: 'reorged'; ancestor: C | undefined }

/**
 * Tells a follower (the node, a wallet, a merchant) whether the L1 blocks it applied are still
 * the chain, and if not, the newest of its checkpoints that is.
 *
 * The protocol every follower runs, and why it needs one block lookup per sync:
 * 1. read the head (`latestCheckpoint`) and the rollup's events up to it;
 * 2. then call this with `last`, the block its previous sync ended at: if that block still has
 *    the hash recorded then, the events just read extend what was applied (checking after the
 *    read, not before, leaves no moment where a reorg could slip between check and read);
 * 3. apply the events and record the head as the new `last`, with a checkpoint (block and hash)
 *    per block holding a batch.
 * On `reorged`, it undoes what it applied after `ancestor.block`, resumes reading at the block
 * after it, and discards the events of step 1. The checkpoints are only walked (newest first,
 * one lookup each, stopping at the first still on the chain) when `last` was replaced, so a
 * reorg is found however deep it goes; whether that depth is acceptable (nothing `final`
 * undone) is the follower's decision.
 *
 * @example
 * const head = await latestCheckpoint(publicClient)
 * const { batches } = await syncFromL1(publicClient, { rollup, fromBlock: cursor, toBlock: head.block })
 * const check = await detectReorg(publicClient, { last, checkpoints: () => store.checkpointsNewestFirst() })
 * if (check.status === 'reorged') rollBackTo(check.ancestor)
 */
export async function detectReorg<C extends Checkpoint>(
  publicClient: PublicClient,
  p: { last: Checkpoint | undefined; checkpoints: () => Iterable<C> | Promise<Iterable<C>> },
): Promise<ReorgCheck<C>> {
  if (!p.last) return { status: 'canonical' }
  const now = await blockHashAt(publicClient, p.last.block)
  if (now === undefined) return { status: 'behind' }
  if (sameHash(now, p.last.hash)) return { status: 'canonical' }
  for (const checkpoint of await p.checkpoints()) {
    if (checkpoint.block > p.last.block) continue
    // A checkpoint below a block that exists exists too: a missing one counts as replaced.
    const hash = await blockHashAt(publicClient, checkpoint.block)
    if (hash !== undefined && sameHash(hash, checkpoint.hash)) return { status: 'reorged', ancestor: checkpoint }
  }
  return { status: 'reorged', ancestor: undefined }
}

/**
 * The chain's head as a checkpoint: read it before the events (step 1 of `detectReorg`), so the
 * hash recorded for the last block applied is never newer than the events applied with it.
 *
 * @example
 * const head = await latestCheckpoint(publicClient) // { block: 1234n, hash: '0x…' }
 */
export async function latestCheckpoint(publicClient: PublicClient): Promise<Checkpoint> {
  const block = (await publicClient.request({ method: 'eth_getBlockByNumber', params: ['latest', false] })) as { number: Hash | null; hash: Hash | null } | null
  if (!block?.number || !block.hash) throw new SettlementError('The L1 node returned no latest block: it is not synced or not an Ethereum JSON-RPC node.')
  return { block: BigInt(block.number), hash: block.hash }
}

/** The hash of block `number` on the chain now; undefined past the head. */
async function blockHashAt(publicClient: PublicClient, number: bigint): Promise<Hash | undefined> {
  const block = (await publicClient.request({ method: 'eth_getBlockByNumber', params: [numberToHex(number), false] })) as { hash: Hash | null } | null
  return block?.hash ?? undefined
}

const sameHash = (a: Hash, b: Hash) => a.toLowerCase() === b.toLowerCase()
