import { type Hash, hexToBytes } from 'viem'
import { MerkleTree } from '../crypto/merkleTree.ts'
import { BATCH_LEAVES } from '../crypto/batch.ts'
import { ReorgTooDeepError, StateCorruptError } from '../errors/index.ts'
import type { Logger } from '../log/index.ts'
import type { RollupClient } from '../settlement/createRollupClient.ts'
import { lastConfirmedBlock } from '../settlement/confirmations.ts'
import { type Checkpoint, detectReorg, latestCheckpoint, type ReorgCheck } from '../settlement/detectReorg.ts'
import type { SyncedBatch, SyncFromL1Result } from '../settlement/syncFromL1.ts'
import { toL1Error } from '../settlement/toL1Error.ts'
import type { NodeStore } from '../state/index.ts'
import type { Clock } from './clock.ts'
import type { Emit } from './events.ts'
import { L1_CURSOR } from './l1Cursor.ts'
import type { SequencerMetrics } from './metrics.ts'
import { REJECTIONS } from './rejections.ts'

export type L1FollowerOptions = {
  store: NodeStore
  /** read only: the rollup's events and the chain's blocks */
  l1: Pick<RollupClient, 'publicClient' | 'sync'>
  logger: Logger
  /** blocks, the including one counted, after which a settled batch is final (at least 1) */
  confirmations: number
  /** the rollup's deployment block: where L1 sync starts on a fresh store */
  fromBlock: bigint
  metrics: Pick<SequencerMetrics, 'batchSettled' | 'l1Synced' | 'reorg'>
  clock: Clock
  emit: Emit
  /** told once a reorg was rolled back: what was read of the orphaned blocks is stale */
  onReorg?: () => void
}

/** The last reorg the node rolled back: from which L1 block, and the batches it took back. */
export type ReorgRecord = { at: Date; fromBlock: number; toBlock: number; reverted: number[]; removed: number[] }

/** The last L1 sync: on failure a stable code and one sentence (never viem's multi-line message: it is logged). */
export type L1SyncStatus = { ok: boolean; code?: string; message?: string; block?: bigint; checkedAt?: Date; lastReorg?: ReorgRecord }

/**
 * The L1 follower: reads every batch settled on L1 (ours or anyone's) into the note tree and the
 * store, marks them final once `confirmations` deep, and rolls back what a reorg orphans. It owns
 * the tree, the sync cursor, the L1 status, the last reorg and the halted state (a reorg that
 * orphaned a final batch); nothing else writes them (src/sequencer/README.md, step 1).
 *
 * @example
 * const follower = new L1Follower({ store, l1, logger, confirmations: 2, fromBlock, metrics, clock: systemClock, emit })
 * await follower.restore()
 * if (await follower.sync()) sealAndPost()
 */
export class L1Follower {
  readonly #options: L1FollowerOptions
  /** the note tree as L1 settled it: rebuilt from the store at start, grown by L1 events, cut back by a reorg */
  readonly tree = new MerkleTree()
  #cursor = 0n
  /** the hash of block `#cursor - 1`, the last one applied: checked after each read */
  #cursorHash: Hash | null = null
  #lastReorg: ReorgRecord | undefined
  /** set while a reorg has orphaned a final batch: the node follows nothing and posts nothing */
  #halted: ReorgTooDeepError | undefined
  #status: L1SyncStatus = { ok: false }

  constructor(options: L1FollowerOptions) {
    this.#options = options
  }

  /** The last L1 sync, as `/v1/status` shows it. */
  get status(): L1SyncStatus {
    return this.#status
  }

  /** The last L1 block applied. */
  get syncedToBlock(): bigint {
    return this.#cursor - 1n
  }

  /**
   * Follows L1: reads the head and every batch settled since the cursor (ours or anyone's), then
   * checks that the last block applied is still on the chain (`detectReorg`: one lookup) before
   * appending the batches to the tree and store. On a reorg it first rolls back what the orphaned
   * blocks settled (`#rollBack`) and reads again from the newest block still on the chain.
   * Returns false while the node must not act: a reorg orphaned a final batch.
   */
  async sync(): Promise<boolean> {
    const { store, l1, logger, confirmations, metrics, clock } = this.#options
    try {
      if (this.#halted && !(await this.#chainIsBack())) return false
      let head: Checkpoint
      for (let reads = 1; ; reads++) {
        head = await latestCheckpoint(l1.publicClient)
        const size = this.tree.size
        let read: SyncFromL1Result | undefined
        let readError: unknown
        let check: ReorgCheck | undefined
        try {
          if (head.block >= this.#cursor) {
            read = await l1.sync({ fromBlock: this.#cursor, toBlock: head.block, tree: this.tree }).catch((error: unknown) => {
              readError = error
              return undefined
            })
          }
          check = await detectReorg(l1.publicClient, { last: this.#lastApplied(), checkpoints: () => this.#checkpoints() })
        } finally {
          // The read appended to the tree: that stays only if the check confirmed it.
          if (check?.status !== 'canonical' || readError) this.tree.truncate(size)
        }
        if (check.status === 'reorged') {
          await this.#rollBack(check.ancestor)
          if (reads < 3) continue
          return true
        }
        if (readError) throw readError
        // Behind: the RPC has not the block we last applied (a lagging node); apply nothing yet.
        if (read && check.status === 'canonical') {
          try {
            for (const b of read.batches) await this.#recordSettled(b)
            await store.setCursor(L1_CURSOR, { block: read.nextBlock, blockHash: head.hash })
          } catch (error) {
            // Some of the batches may be recorded and some not (the database went away, a commit
            // whose answer was lost): the tree goes back to the cursor, and the next read applies
            // them again, skipping those the store has.
            this.tree.truncate(size)
            throw error
          }
          this.#cursor = read.nextBlock
          this.#cursorHash = head.hash
        }
        break
      }
      await this.#markFinal(lastConfirmedBlock(head.block, confirmations))
      this.#status = { ok: true, block: head.block, checkedAt: new Date(clock.now()), ...(this.#lastReorg ? { lastReorg: this.#lastReorg } : {}) }
      metrics.l1Synced(true)
      return true
    } catch (error) {
      if (error instanceof ReorgTooDeepError) {
        if (!this.#halted) logger.error({ err: error, block: error.block }, 'L1 reorg orphaned a final batch: the node stops following L1 and posting')
        this.#halted = error
        this.#status = { ok: false, code: error.code, message: error.shortMessage, checkedAt: new Date(clock.now()) }
        metrics.l1Synced(false)
        return false
      }
      const failure = toL1Error(error)
      this.#status = { ok: false, code: failure.code, message: failure.shortMessage, checkedAt: new Date(clock.now()) }
      metrics.l1Synced(false)
      logger.error({ err: error }, 'L1 sync failed')
      return true
    }
  }

  /** Settled batches whose block is at or below `confirmed` become final. */
  async #markFinal(confirmed: bigint): Promise<void> {
    const { store, emit } = this.#options
    for (const b of await store.listBatches(['settled'])) {
      if (b.l1Block !== null && BigInt(b.l1Block) <= confirmed) {
        await store.setBatchState(b.number, 'final')
        emit({ type: 'batch', number: b.number, state: 'final' })
        for (const t of await store.listBatchTransactions(b.number)) if (t.status === 'final') emit({ type: 'transaction', id: t.id, status: 'final' })
      }
    }
  }

  /** The last block applied, as the check after each read compares it (none before the first read). */
  #lastApplied(): Checkpoint | undefined {
    return this.#cursorHash ? { block: this.#cursor - 1n, hash: this.#cursorHash } : undefined
  }

  async #checkpoints(): Promise<Checkpoint[]> {
    return (await this.#options.store.reorgCheckpoints()).map((c) => ({ block: BigInt(c.l1Block), hash: c.l1BlockHash }))
  }

  /**
   * While halted: whether the block the node last applied is on the chain again (the deep reorg
   * was itself undone, or the RPC served a wrong chain for a while). One lookup per step.
   */
  async #chainIsBack(): Promise<boolean> {
    const check = await detectReorg(this.#options.l1.publicClient, { last: this.#lastApplied(), checkpoints: () => [] })
    if (check.status !== 'canonical') return false
    this.#options.logger.warn({ block: this.#cursor - 1n }, 'the chain the node applied is back: following L1 again')
    this.#halted = undefined
    return true
  }

  /**
   * Undoes what L1 settled after `ancestor` (the newest applied block still on the chain; none:
   * the rollup's deployment block) in one store transaction, then cuts the tree back to the
   * stored root. Our batches go back to `submitted`: the publisher's `reconcile` posts them again,
   * finds them re-mined, or releases them. Throws `ReorgTooDeepError` when a final batch is orphaned.
   */
  async #rollBack(ancestor: Checkpoint | undefined): Promise<void> {
    const { store, logger, emit, clock } = this.#options
    const fromBlock = ancestor ? ancestor.block + 1n : this.#options.fromBlock
    const toBlock = this.#cursor - 1n
    const { reverted, removed } = await store.rollbackSettled({ fromBlock, cursorKey: L1_CURSOR, cursorHash: ancestor?.hash ?? null })
    this.#cursor = fromBlock
    this.#cursorHash = ancestor?.hash ?? null
    const latest = await store.latestRoot()
    this.tree.truncate(Math.min(this.tree.size, latest?.leafCount ?? 0))
    if (latest && this.tree.root !== latest.root) throw new StateCorruptError('After rolling back a reorg the note tree does not give the stored root: restart the node to rebuild it from the store.')
    // Inclusion requests of the orphaned blocks may be gone or stand at other indexes: the loop reads the queue afresh.
    this.#options.onReorg?.()
    this.#options.metrics.reorg()
    this.#lastReorg = { at: new Date(clock.now()), fromBlock: Number(fromBlock), toBlock: Number(toBlock), reverted: reverted.map((b) => b.number), removed }
    logger.warn({ fromBlock, toBlock, reverted: this.#lastReorg.reverted, removed }, 'L1 reorg: rolled back the batches of the orphaned blocks')
    for (const b of reverted) {
      emit({ type: 'batch', number: b.number, state: b.state })
      for (const t of await store.listBatchTransactions(b.number)) if (t.status !== 'rejected') emit({ type: 'transaction', id: t.id, status: t.status })
    }
    for (const number of removed) emit({ type: 'batch', number, state: 'orphaned', error: 'An L1 reorg orphaned this batch, which someone else had settled.' })
  }

  async #recordSettled(b: SyncedBatch): Promise<void> {
    const { store, emit } = this.#options
    // Recorded already, by a write whose answer was lost or a leader before this one: each root
    // is recorded with its batch in one SQL transaction, and a tree never has one root twice.
    if (await store.knownRoot(b.newRoot)) return
    const [ours] = (await store.listBatches(['proven', 'submitted'])).filter((x) => x.newRoot === b.newRoot && x.oldRoot === b.oldRoot)
    const { batchNumber, rejected } = await store.recordSettledBatch({
      ...(ours ? { batchNumber: ours.number } : {}),
      oldRoot: b.oldRoot,
      newRoot: b.newRoot,
      startIndex: b.startIndex,
      leafCount: b.startIndex + BATCH_LEAVES,
      leaves: b.transactions.flatMap((t) =>
        t.commitments.map((commitment, k) => ({ commitment, ciphertext: hexToBytes(t.ciphertexts[k]!), epk: hexToBytes(t.epk), leafIndex: t.leafIndex + k })),
      ),
      nullifiers: b.transactions.flatMap((t) => t.nullifiers),
      l1TxHash: b.l1TxHash,
      l1Block: Number(b.blockNumber),
      l1BlockHash: b.blockHash,
    })
    this.#options.metrics.batchSettled(batchNumber, b.transactions.length)
    this.#options.logger.info({ batch: batchNumber, ours: Boolean(ours), transactions: b.transactions.length, l1Block: Number(b.blockNumber) }, 'batch settled on L1')
    emit({
      type: 'batch',
      number: batchNumber,
      state: 'settled',
      l1TxHash: b.l1TxHash,
      l1Block: Number(b.blockNumber),
      commitments: b.transactions.flatMap((t) => t.commitments),
      nullifiers: b.transactions.flatMap((t) => t.nullifiers),
    })
    for (const t of await store.listBatchTransactions(batchNumber)) emit({ type: 'transaction', id: t.id, status: t.status })
    for (const id of rejected) emit({ type: 'transaction', id, status: 'rejected', code: 'NULLIFIER_SPENT', message: REJECTIONS.NULLIFIER_SPENT })
  }

  /** Rebuilds the tree from the store's settled leaves, then catches up with L1. */
  async restore(): Promise<void> {
    const { store, fromBlock } = this.#options
    await store.recordGenesisRoot(this.tree.root)
    const latest = await store.latestRoot()
    if (latest && latest.leafCount > 0) {
      const leaves = new Array<bigint>(latest.leafCount).fill(0n)
      for (let from = 0; from < latest.leafCount; ) {
        const page = await store.listNotes(from, 10_000)
        if (page.length === 0) break
        for (const leaf of page) leaves[leaf.leafIndex] = leaf.commitment
        from = page.at(-1)!.leafIndex + 1
      }
      this.tree.insertMany(leaves)
      if (this.tree.root !== latest.root) throw new StateCorruptError('The stored notes do not give the stored root: the data directory is corrupt; resync from L1 into an empty one.')
    }
    const cursor = await store.getCursor(L1_CURSOR)
    this.#cursor = cursor?.block ?? fromBlock
    this.#cursorHash = cursor?.blockHash ?? null
    await this.sync()
  }
}
