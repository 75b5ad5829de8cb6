import { EventEmitter } from 'node:events'
import { type Hash, hexToBytes } from 'viem'
import { z } from 'zod'
import { type BatchWitness, buildBatchWitness, fromTransactionJson, type Proof, proofCodec, type ShieldedTransaction, type TransactionJson, toTransactionJson } from '../circuits/index.ts'
import { MerkleTree } from '../crypto/merkleTree.ts'
import { ProverError, ReorgTooDeepError, StateCorruptError, RollupRevertedError, TransactionPendingError } from '../errors/index.ts'
import type { Logger } from '../log/index.ts'
import type { BatchProver } from '../prover/index.ts'
import { escrowKey, type RollupClient } from '../settlement/createRollupClient.ts'
import { lastConfirmedBlock } from '../settlement/confirmations.ts'
import { transferHash } from '../settlement/rollupTransfer.ts'
import type { InclusionRequest } from '../settlement/readInclusionRequests.ts'
import { type Checkpoint, detectReorg, latestCheckpoint, type ReorgCheck } from '../settlement/detectReorg.ts'
import { type SyncedBatch, type SyncFromL1Result } from '../settlement/syncFromL1.ts'
import { toL1Error } from '../settlement/toL1Error.ts'
import { BATCH_LEAVES } from '../crypto/batch.ts'
import type { NewTransaction, NodeStore, StoredBatch, StoredTransaction } from '../state/index.ts'
import { L1_CURSOR } from './l1Cursor.ts'
import { createNodeMetrics, type NodeMetrics } from './metrics.ts'
import { type Admissible, Admission, newTransaction, transactionId } from './Admission.ts'
import { CONTRACT_REJECTIONS, type Rejection, REJECTIONS, reject } from './rejections.ts'
import { type FeePolicy, publicFees } from './fees.ts'

export type SequencerOptions = {
  store: NodeStore
  l1: RollupClient
  prover: BatchProver
  logger: Logger
  /** transactions per batch, 1 to BATCH_TRANSFERS (21) */
  batchSize: number
  /** seal a non-empty batch after its oldest transaction waited this long */
  batchMaxAgeMs: number
  /** what the node charges, paid as a fee note to its fee address (undefined: nothing) */
  fees?: FeePolicy
  /** deposits whose escrow unlocks within this many blocks are refused at admission and dropped at sealing */
  depositMarginBlocks: bigint
  /** blocks, the including one counted, after which a settled batch is final (at least 1) */
  confirmations: number
  /** the rollup's deployment block: where L1 sync starts on a fresh store */
  fromBlock: bigint
  /** how often the loop looks for work (default 200 ms) */
  pollMs?: number
  /** a posted batch not mined after this long is sent again with the same nonce and higher fees (default 60 s) */
  feeBumpAfterMs?: number
  /**
   * a pending transaction that has waited this long goes into the next batch ahead of better
   * payers, oldest first (default 60 s): fee priority never starves whoever pays the price
   */
  maxPriorityWaitMs?: number
  /**
   * How many batches may be sealed and on their way at once (default 1). Above 1, the batches
   * after the oldest are sealed against the tree the ones before them will make, and proven at
   * the same time (worth it with several provers: the job queue, remote provers); they are
   * posted strictly in order, and one whose predecessors did not land as sealed is released.
   */
  maxBatchesInFlight?: number
  /**
   * Where it records what it does, and what `/metrics` scrapes (default: metrics of its own on a
   * registry of their own, replica `<hostname>-<pid>`, without process metrics: those watch the
   * whole process, which its composition root owns). It records through `SequencerMetrics` only.
   */
  metrics?: NodeMetrics
}

/**
 * What the sequencer announces in process (tests, benchmarks, the API). Transaction events say
 * when each transaction moved, to the millisecond: the API publishes only batch events
 * (src/api/toPublicEvent.ts). A settled batch carries its L1 block and what it made public there:
 * its commitments and nullifiers.
 */
export type SequencerEvent =
  | { type: 'transaction'; id: string; status: string; code?: string; message?: string }
  | { type: 'batch'; number: number; state: string; l1TxHash?: string; l1Block?: number; commitments?: bigint[]; nullifiers?: bigint[]; error?: string }

/** The last reorg the node rolled back: from which L1 block, and the batches it took back. */
export type ReorgRecord = { at: Date; fromBlock: number; toBlock: number; reverted: number[]; removed: number[] }

/**
 * The operator node's core: admits transactions, seals them into batches, has each batch
 * proven, posts it to L1 and follows L1 to settlement. One loop drives every batch through
 * the state machine of src/sequencer/README.md; every transition is committed to the store
 * before the side effect it announces, and on start the loop resumes from whatever state the
 * store and L1 say (L1 is the truth).
 *
 * @example
 * const sequencer = await Sequencer.start({ store, l1, prover: createLocalProver(), logger, batchSize: 21, ... })
 * const verdict = await sequencer.submit(transactionCodec.decode(json))
 */
export class Sequencer extends EventEmitter<{ event: [SequencerEvent] }> {
  readonly options: SequencerOptions
  readonly tree = new MerkleTree()
  #cursor = 0n
  /** the hash of block `#cursor - 1`, the last one applied: checked after each read */
  #cursorHash: Hash | null = null
  #lastReorg: ReorgRecord | undefined
  /** set while a reorg has orphaned a final batch: the node follows nothing and posts nothing */
  #halted: ReorgTooDeepError | undefined
  #timer: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined
  #stopped = false
  #stage: 'idle' | 'submitting' = 'idle'
  /** The batches being proven in this process, by number: any number at once, posted in order. */
  readonly #proving = new Map<number, Promise<void>>()
  /** the last L1 sync: on failure a stable code and one sentence (never viem's multi-line message: it is logged) */
  #l1: { ok: boolean; code?: string; message?: string; block?: bigint; checkedAt?: Date; lastReorg?: ReorgRecord } = { ok: false }
  /** The forced-inclusion queue as last read from L1: requests by index, the waiting ones' ids in order, and where to read new events from. */
  readonly #inclusion: { requests: Map<bigint, InclusionRequest>; fromBlock: bigint; ids: string[]; complete: boolean; checkedAt: bigint | undefined }
  /** the last failure to post a batch that was not the contract's verdict (RPC, funds, gas) */
  #submitError: { code: string; message: string; at: Date } | undefined
  /** what `/metrics` scrapes; the loop records into it through `SequencerMetrics` */
  readonly metrics: NodeMetrics
  /** the checks and the insert of `submit`, shared with api replicas (src/sequencer/Admission.ts) */
  readonly admission: Admission

  private constructor(options: SequencerOptions) {
    super()
    this.options = options
    this.metrics = options.metrics ?? createNodeMetrics({ store: options.store, l1: options.l1, fromBlock: options.fromBlock, logger: options.logger, processMetrics: false })
    this.#inclusion = { requests: new Map(), fromBlock: options.fromBlock, ids: [], complete: true, checkedAt: undefined }
    this.admission = new Admission({
      store: options.store,
      l1: options.l1,
      ...(options.fees ? { fees: options.fees } : {}),
      depositMarginBlocks: options.depositMarginBlocks,
      metrics: this.metrics,
      onAdmitted: (id) => {
        this.#emit({ type: 'transaction', id, status: 'pending' })
        this.#schedule(0)
      },
    })
  }

  /** Opens the sequencer: rebuilds the tree from the store, catches up with L1 and starts the loop. */
  static async start(options: SequencerOptions): Promise<Sequencer> {
    const s = new Sequencer(options)
    await s.#restore()
    s.#schedule(0)
    return s
  }

  /** Stops the loop after the step in progress; the store stays open (its owner closes it). */
  async stop(): Promise<void> {
    this.#stopped = true
    clearTimeout(this.#timer)
    await this.#running
  }

  /** Admission: checks, then inserts as pending (reserving the nullifiers). A rejection is a value. */
  submit(tx: ShieldedTransaction): Promise<{ ok: true; id: string; status: 'pending' } | Rejection> {
    return this.admission.submit(tx)
  }

  /**
   * Admission without admitting: every check `submit` makes (a known id, then the contract's
   * checks in the contract's order, then the proof), and nothing is written. What a client's
   * dry run and the differential test against the contract use.
   */
  check(tx: ShieldedTransaction): Promise<Admissible | Rejection> {
    return this.admission.check(tx)
  }

  /** Changes what the node charges from now on (undefined: nothing); batches already sealed keep their fees. */
  setFees(fees: FeePolicy | undefined): void {
    if (fees) this.options.fees = fees
    else delete this.options.fees
    this.admission.fees = fees
  }

  /** What `/v1/status` shows. */
  async status() {
    const pending = await this.options.store.getPendingSummary()
    const open = await this.options.store.listBatches(['sealed', 'proving', 'proven', 'submitted'])
    const balance = await this.options.l1.operatorBalance().catch(() => undefined)
    return {
      root: this.tree.root,
      leafCount: this.tree.size,
      l1: { ...this.#l1, rollup: this.options.l1.rollup, syncedToBlock: this.#cursor - 1n },
      operator: { address: this.options.l1.account, balance, lastError: this.#submitError },
      queue: { pending: pending.count, oldestPendingAt: pending.oldestCreatedAt, batchesInFlight: open.length, inclusionRequests: this.#inclusion.ids.length },
      prover: { name: this.options.prover.name, stage: this.#stage === 'idle' && this.#proving.size > 0 ? ('proving' as const) : this.#stage, batchesProving: this.#proving.size },
      batchSize: this.options.batchSize,
      // The address and prices only: the policy also holds the fee key's secret.
      fees: publicFees(this.options.fees),
    }
  }

  // ------------------------------------------------------------------ the loop

  #schedule(ms: number): void {
    if (this.#stopped) return
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => {
      if (this.#running) return this.#schedule(this.options.pollMs ?? 200)
      this.#running = this.#step()
        .catch((error) => this.options.logger.error({ err: error }, 'sequencer step failed; retrying'))
        .finally(() => {
          this.#running = undefined
          this.#schedule(this.options.pollMs ?? 200)
        })
    }, ms)
  }

  /**
   * One pass: follow L1 and its inclusion queue; seal a new batch when the pipeline has room;
   * move the oldest batch in flight as far as it goes (post it once proven); start proving every
   * sealed batch, each on the tree the batches before it will make.
   */
  async #step(): Promise<void> {
    if (!(await this.#syncL1())) return
    const queue = await this.#followInclusionQueue()
    const inFlight = () => this.options.store.listBatches(['sealed', 'proving', 'proven', 'submitted'])
    let batches = await inFlight()
    // Inclusion requests are served with the pipeline drained: a batch sealed ahead could pass
    // over a request that becomes due before it lands.
    const room = batches.length === 0 || (batches.length < this.#maxInFlight && queue.complete && queue.ids.length === 0)
    if (room && (await this.#maybeSeal(queue, batches))) batches = await inFlight()
    if (batches[0]) {
      await this.#advance(batches[0])
      batches = await inFlight()
    }
    for (const batch of batches) {
      if ((batch.state === 'sealed' || batch.state === 'proving') && !this.#proving.has(batch.number)) await this.#startProving(batch, batches)
    }
  }

  get #maxInFlight(): number {
    return this.options.maxBatchesInFlight ?? 1
  }

  /**
   * Runs `fn` on the tree as it will be once the in-flight batches before `number` land as
   * sealed (each padded to a whole batch), then puts the tree back: synchronously, so nothing
   * else sees the projection.
   */
  async #projected<T>(inFlight: readonly StoredBatch[], number: number, fn: (tree: MerkleTree) => T): Promise<T> {
    const earlier = inFlight.filter((b) => b.number < number)
    const leaves = await Promise.all(earlier.map(async (b) => (await this.#liveTransactions(b.number)).flatMap((t) => t.commitments)))
    const size = this.tree.size
    try {
      for (const batchLeaves of leaves) this.tree.insertMany([...batchLeaves, ...Array<bigint>(BATCH_LEAVES - batchLeaves.length).fill(0n)])
      return fn(this.tree)
    } finally {
      this.tree.truncate(size)
    }
  }

  async #liveTransactions(number: number): Promise<StoredTransaction[]> {
    return (await this.options.store.listBatchTransactions(number)).filter((t) => t.status !== 'rejected')
  }

  /**
   * Proves a batch in the background, on the tree the batches before it will make; the loop
   * posts it when its turn comes. A batch found `proving` after a restart is proven again.
   */
  async #startProving(batch: StoredBatch, inFlight: readonly StoredBatch[]): Promise<void> {
    const transactions = await this.#liveTransactions(batch.number)
    if (transactions.length === 0) return
    const witness = await this.#projected(inFlight, batch.number, (tree) => buildBatchWitness(tree, transactions.flatMap((t) => t.commitments)))
    const task = this.#prove(batch, transactions, witness)
      .then(() => undefined)
      .catch((error: unknown) => {
        // Released meanwhile (a batch before it failed), or no prover answered: the loop decides again.
        if (!this.#stopped) this.options.logger.warn({ batch: batch.number, err: error }, 'proving the batch failed; retrying')
      })
      .finally(() => {
        this.#proving.delete(batch.number)
        this.#schedule(0)
      })
    this.#proving.set(batch.number, task)
  }

  /**
   * Moves a batch to `proving`, has it proven and records it `proven` with its proof and roots.
   * A job the queue gave up on (bounded attempts) fails the batch and requeues its transactions;
   * any other prover failure throws, and the loop retries.
   */
  async #prove(batch: StoredBatch, transactions: StoredTransaction[], witness: BatchWitness): Promise<StoredBatch | undefined> {
    const { store, logger } = this.options
    if (batch.state === 'sealed') await store.setBatchState(batch.number, 'proving')
    this.#emit({ type: 'batch', number: batch.number, state: 'proving' })
    const started = Date.now()
    let proof: Proof
    try {
      proof = await this.options.prover.prove(witness)
    } catch (error) {
      if (error instanceof ProverError && error.code === 'PROVER_JOB_FAILED') {
        await this.#release(batch, error.shortMessage)
        return undefined
      }
      throw error
    }
    this.metrics.batchProven((Date.now() - started) / 1000)
    logger.info({ batch: batch.number, transactions: transactions.length, ms: Date.now() - started }, 'batch proven')
    const proven = await store.setBatchState(batch.number, 'proven', {
      proof: proofCodec.encode(proof),
      oldRoot: witness.oldRoot,
      newRoot: witness.newRoot,
      startIndex: witness.startIndex,
    })
    this.#emit({ type: 'batch', number: batch.number, state: 'proven' })
    return proven
  }

  /**
   * Seals a batch by the size or age rule, or at once when inclusion requests wait (they go
   * first, in queue order). When a waiting request is not in the mempool (it spends a note an
   * earlier request spends, and will be skipped once that one settles), the batch holds the
   * requests before it and nothing else: once such a request is due, a batch that went on past
   * the served ones would revert (`Rollup__InclusionDue`). Deposits whose escrow is gone or
   * unlocks within the margin are dropped here: the depositor could reclaim in front of the
   * batch and make it revert (queued ones cannot be reclaimed).
   */
  async #maybeSeal(queue: { ids: readonly string[]; complete: boolean }, inFlight: readonly StoredBatch[]): Promise<StoredBatch | undefined> {
    const { store, batchSize, batchMaxAgeMs, l1, depositMarginBlocks } = this.options
    const forced = queue.ids
    const { count, oldestCreatedAt } = await store.getPendingSummary()
    if (count === 0) return undefined
    const young = count < batchSize && Date.now() - (oldestCreatedAt?.getTime() ?? Date.now()) < batchMaxAgeMs
    if (young && forced.length === 0) return undefined
    if (!queue.complete && forced.length === 0) return undefined
    const maxTransactions = queue.complete ? batchSize : Math.min(batchSize, forced.length)
    const agedBefore = new Date(Date.now() - (this.options.maxPriorityWaitMs ?? 60_000))
    // Against the tree the batches before it will make: a batch sealed ahead builds on theirs.
    const { root, size } = await this.#projected(inFlight, Number.MAX_SAFE_INTEGER, (tree) => ({ root: tree.root, size: tree.size }))
    const sealed = await store.sealBatch({ maxTransactions, first: forced, agedBefore, oldRoot: root, startIndex: size })
    if (!sealed) return undefined
    this.#emit({ type: 'batch', number: sealed.batch.number, state: 'sealed' })
    for (const t of sealed.transactions) this.#emit({ type: 'transaction', id: t.id, status: t.status })
    const deposits = sealed.transactions.filter((t) => !forced.includes(t.id) && BigInt(t.payload.extData.extAmount) > 0n)
    if (deposits.length > 0) {
      const head = await l1.blockNumber()
      for (const t of deposits) {
        const escrow = await l1.escrow(fromTransactionJson(t.payload))
        if (!escrow) await this.#rejectStored(t.id, reject('DEPOSIT_NOT_ESCROWED'))
        else if (head + depositMarginBlocks >= escrow.unlockBlock) {
          await this.#rejectStored(t.id, reject('DEPOSIT_EXPIRING', `It unlocks at block ${escrow.unlockBlock}; L1 is at ${head}.`))
        }
      }
    }
    return sealed.batch
  }

  /**
   * The rollup's forced-inclusion queue, served before anything else: a request that can no
   * longer be included (a note spent since, a deposit reclaimed) is skipped on L1 so that it
   * holds nothing up; the others are put in the mempool (even if this node had turned them
   * away: the queue makes them mandatory) and go first into the next batch, in order. Read
   * only when L1 has a new block. Returns the ids of the waiting requests in the mempool, in
   * queue order, and whether every waiting request is among them.
   */
  async #followInclusionQueue(): Promise<{ ids: string[]; complete: boolean }> {
    const { l1, logger } = this.options
    const block = this.#l1.block
    const last = () => ({ ids: this.#inclusion.ids, complete: this.#inclusion.complete })
    if (block === undefined || block === this.#inclusion.checkedAt) return last()
    try {
      const { head, length } = await l1.inclusionQueue()
      if (length > head && !this.#inclusion.requests.has(length - 1n)) {
        // New requests: read their events (each request's transaction is in its event), and move
        // on from there only once they were all found (an RPC's logs may lag its head).
        const latest = await l1.blockNumber()
        for (const r of await l1.inclusionRequests({ fromBlock: this.#inclusion.fromBlock, toBlock: latest })) {
          // A request is used only if the contract holds its hash: events of a block reorged away are not.
          const held = await l1.inclusionRequestAt(r.index)
          if (held && transferHash(r.transaction).startsWith(held.txHash)) this.#inclusion.requests.set(r.index, r)
        }
        if (this.#inclusion.requests.has(length - 1n)) this.#inclusion.fromBlock = latest + 1n
      }
      const ids: string[] = []
      for (let index = head; index < length; index++) {
        const request = this.#inclusion.requests.get(index)
        if (!request) {
          // Queued in a block newer than the events read: next time.
          this.#inclusion.checkedAt = undefined
          return { ids, complete: false }
        }
        const tx = request.transaction
        const payload = toTransactionJson(tx)
        const id = transactionId(payload)
        if (index === head) {
          const fault = await l1.checkTransfer(tx)
          if (fault) {
            // Nothing but a spent note or a vanished escrow can invalidate a queued request.
            logger.warn({ index: Number(index), id, error: fault.errorName }, 'skipping an inclusion request that can no longer be included')
            await l1.skipInclusionRequest(tx)
            this.#inclusion.checkedAt = undefined
            return { ids: [], complete: false }
          }
        }
        // Only what is in the mempool goes first; a request left out (its note is spent by an
        // earlier one) waits to be skipped when it reaches the head.
        if (await this.#admitForced(id, tx, payload, new Set(ids))) ids.push(id)
        else break
      }
      for (const index of this.#inclusion.requests.keys()) if (index < head) this.#inclusion.requests.delete(index)
      this.#inclusion.ids = ids
      this.#inclusion.complete = BigInt(ids.length) === length - head
      this.#inclusion.checkedAt = block
    } catch (error) {
      logger.error({ err: error }, 'following the inclusion queue failed; retrying')
    }
    return last()
  }

  /**
   * Puts a queued request into the mempool. A pending (not yet batched) transaction that spends
   * one of its notes gives way: the queue decides. One already in a batch, or an earlier
   * request of the queue (`earlier`), is left to settle, after which this request can never be
   * included and is skipped.
   */
  async #admitForced(id: string, tx: ShieldedTransaction, payload: TransactionJson, earlier: ReadonlySet<string>): Promise<boolean> {
    const { store } = this.options
    const before = await store.getTransaction(id)
    // Settled already (the queue then holds a stale copy, skipped at the head) or on its way.
    if (before && before.status !== 'rejected') return before.status !== 'settled' && before.status !== 'final'
    const admit = () => (before ? store.requeueTransaction(id) : store.insertPendingTransaction(newTransaction(id, tx, payload)))
    let result = await admit()
    // Up to three rounds: the escrow's holder, then each nullifier's, may have to give way.
    for (let round = 0; round < 3 && !result.ok && (result.code === 'NULLIFIER_PENDING' || result.code === 'DEPOSIT_PENDING'); round++) {
      const holders = result.code === 'DEPOSIT_PENDING' ? [result.holder] : (await store.takenNullifiers(tx.nullifiers)).map((n) => n.txId)
      let freed = false
      for (const holderId of holders) {
        const holder = holderId ? await store.getTransaction(holderId) : undefined
        if (holder?.status !== 'pending' || earlier.has(holder.id) || holder.id === id) continue
        await this.#rejectStored(holder.id, reject(result.code, 'A forced-inclusion request on L1 spends the same note or deposit and goes first.'))
        freed = true
      }
      if (!freed) break
      result = await admit()
    }
    if (result.ok) {
      this.metrics.transactionAdmitted()
      this.#emit({ type: 'transaction', id, status: 'pending' })
    }
    return result.ok
  }

  async #advance(batch: StoredBatch): Promise<void> {
    const { store, logger } = this.options
    const transactions = (await store.listBatchTransactions(batch.number)).filter((t) => t.status !== 'rejected')
    if (transactions.length === 0) {
      await store.releaseBatch(batch.number, 'Every transaction of the batch was rejected.')
      return
    }
    const state = batch.state
    // The root moved under a batch not yet on L1 (another submitter, or a rejected batch before
    // it): its proof is stale, so its transactions go back to the queue.
    if (state !== 'submitted' && batch.oldRoot !== null && batch.oldRoot !== this.tree.root) {
      await this.#release(batch, 'The note tree changed before this batch was posted.')
      return
    }
    // Being proven (the loop starts every sealed batch's proof): posted once proven.
    if (state === 'sealed' || state === 'proving') return
    if (state === 'proven') {
      // Recorded before sending: a crash after the send finds `submitted` and asks L1.
      batch = await store.setBatchState(batch.number, 'submitted')
      this.metrics.batchSubmitted(batch.number)
      this.#emit({ type: 'batch', number: batch.number, state: 'submitted' })
      await this.#post(batch, transactions)
      return
    }
    if (state === 'submitted') await this.#reconcileSubmitted(batch, transactions)
  }

  /**
   * Sends the batch to L1 (or, with `replace`, the same call again with the pending one's nonce
   * and higher fees) and waits up to `feeBumpAfterMs` for it to be mined.
   */
  async #post(batch: StoredBatch, transactions: StoredTransaction[], replace?: { nonce: number; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }): Promise<void> {
    const { store, logger } = this.options
    this.#stage = 'submitting'
    try {
      const { hash, gasUsed } = await this.options.l1.submitBatch({
        oldRoot: batch.oldRoot!,
        newRoot: batch.newRoot!,
        transactions: transactions.map((t) => fromTransactionJson(t.payload)),
        batchProof: storedProof(batch),
        receiptTimeoutMs: this.#feeBumpAfterMs,
        ...(replace ? { replace } : {}),
        onSent: async (sent) => {
          await store.setBatchState(batch.number, 'submitted', { l1TxHash: sent })
          this.#emit({ type: 'batch', number: batch.number, state: 'submitted', l1TxHash: sent })
        },
      })
      this.metrics.batchMined(gasUsed)
      this.#submitError = undefined
      logger.info({ batch: batch.number, l1TxHash: hash, gasUsed: gasUsed.toString() }, 'batch mined')
      await this.#syncL1()
    } catch (error) {
      await this.#onSubmitError(batch, transactions, error)
    } finally {
      this.#stage = 'idle'
    }
  }

  get #feeBumpAfterMs(): number {
    return this.options.feeBumpAfterMs ?? 60_000
  }

  /** The contract refused the batch: reject the transaction it names, requeue the others. */
  async #onSubmitError(batch: StoredBatch, transactions: StoredTransaction[], error: unknown): Promise<void> {
    const { store, logger } = this.options
    if (error instanceof TransactionPendingError) {
      // Sent, not mined yet: the next steps wait for it, and raise its fees if it stays stuck.
      logger.info({ batch: batch.number, l1TxHash: error.hash }, 'batch sent, waiting to be mined')
      return
    }
    if (error instanceof RollupRevertedError) {
      logger.warn({ batch: batch.number, error: error.errorName, args: String(Object.values(error.args)) }, 'the rollup refused the batch')
      const code = CONTRACT_REJECTIONS[error.errorName]
      const offender = error.txIndex === undefined ? undefined : transactions[error.txIndex]
      if (code && offender) await this.#rejectStored(offender.id, reject(code, `(${error.errorName})`))
      // The multi-pairing names no transaction: ask the contract about each one alone. If all
      // pass, the batch proof was at fault, and proving the batch again is the cure.
      if (error.errorName === 'Rollup__InvalidProof') await this.#rejectInvalidProofs(transactions)
      await this.#release(batch, error.shortMessage)
      return
    }
    // Not the contract's verdict (RPC down, gas, nonce): the batch stays posted-or-not; the next
    // step asks L1 which.
    logger.error({ batch: batch.number, err: error }, 'posting the batch failed')
    const failure = toL1Error(error)
    this.#submitError = { code: failure.code, message: failure.shortMessage, at: new Date() }
  }

  /**
   * Finds the transactions of a refused batch that the contract's own check of one transaction
   * (`checkTransfer`, an eth_call) refuses, and rejects them; an admission bug or a proof
   * injected below admission then costs one batch, not the rollup's liveness.
   */
  async #rejectInvalidProofs(transactions: StoredTransaction[]): Promise<void> {
    const { l1, logger } = this.options
    let found = 0
    for (const t of transactions) {
      const fault = await l1.checkTransfer(fromTransactionJson(t.payload))
      if (!fault) continue
      found++
      await this.#rejectStored(t.id, reject(CONTRACT_REJECTIONS[fault.errorName] ?? 'INVALID_PROOF', `(${fault.errorName})`))
    }
    if (found === 0) logger.warn({ transactions: transactions.length }, 'every transaction checks alone: the batch proof was refused; proving the batch again')
    else logger.warn({ rejected: found }, 'rejected the transactions whose proofs the contract refuses')
  }

  /** A batch marked submitted but not seen settled: posted and pending, lost, or overtaken. */
  async #reconcileSubmitted(batch: StoredBatch, transactions: StoredTransaction[]): Promise<void> {
    // Our transaction may be on its way (sent just before a crash, or waiting for a block):
    // posting again would only make the second one revert. Stuck too long, it is replaced.
    if (await this.options.l1.hasPendingTransactions()) {
      if (batch.l1TxHash && Date.now() - batch.updatedAt.getTime() >= this.#feeBumpAfterMs) await this.#bumpFees(batch, transactions)
      return
    }
    const l1Root = await this.options.l1.currentRoot()
    if (l1Root === batch.oldRoot) {
      // Not on L1 (never sent, dropped, or reverted): post again.
      await this.options.store.setBatchState(batch.number, 'proven')
      this.#emit({ type: 'batch', number: batch.number, state: 'proven' })
    } else if (l1Root !== batch.newRoot) {
      await this.#release(batch, 'L1 moved on without this batch.')
    }
    // l1Root === newRoot: settled on L1; the next sync records it.
  }

  /** Replaces the batch's pending L1 transaction: same nonce, fees raised by a quarter (or to the market's). */
  async #bumpFees(batch: StoredBatch, transactions: StoredTransaction[]): Promise<void> {
    const { l1, logger } = this.options
    const sent = await l1.sentTransaction(batch.l1TxHash!)
    if (!sent || sent.mined) return
    const market = await l1.currentFees()
    const raise = (old: bigint, now: bigint) => (old + old / 4n + 1n > now ? old + old / 4n + 1n : now)
    const replace = { nonce: sent.nonce, maxFeePerGas: raise(sent.maxFeePerGas, market.maxFeePerGas), maxPriorityFeePerGas: raise(sent.maxPriorityFeePerGas, market.maxPriorityFeePerGas) }
    logger.warn({ batch: batch.number, l1TxHash: batch.l1TxHash, nonce: sent.nonce, maxFeePerGas: replace.maxFeePerGas.toString() }, 'batch stuck; replacing it with higher fees')
    await this.#post(batch, transactions, replace)
  }

  async #release(batch: StoredBatch, reason: string): Promise<void> {
    const released = await this.options.store.releaseBatch(batch.number, reason)
    this.metrics.batchReleased(batch.number)
    this.#emit({ type: 'batch', number: batch.number, state: 'failed', error: reason })
    for (const t of released) this.#emit({ type: 'transaction', id: t.id, status: 'pending' })
  }

  // ------------------------------------------------------------------ L1

  /**
   * Follows L1: reads the head and every batch settled since the cursor (ours or anyone's), then
   * checks that the last block applied is still on the chain (`detectReorg`: one lookup) before
   * appending the batches to the tree and store. On a reorg it first rolls back what the orphaned
   * blocks settled (`#rollBack`) and reads again from the newest block still on the chain.
   * Returns false while the node must not act: a reorg orphaned a final batch.
   */
  async #syncL1(): Promise<boolean> {
    const { store, l1, logger, confirmations } = this.options
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
      for (const b of await store.listBatches(['settled'])) {
        if (b.l1Block !== null && BigInt(b.l1Block) <= lastConfirmedBlock(head.block, confirmations)) {
          await store.setBatchState(b.number, 'final')
          this.#emit({ type: 'batch', number: b.number, state: 'final' })
          for (const t of await store.listBatchTransactions(b.number)) if (t.status === 'final') this.#emit({ type: 'transaction', id: t.id, status: 'final' })
        }
      }
      this.#l1 = { ok: true, block: head.block, checkedAt: new Date(), ...(this.#lastReorg ? { lastReorg: this.#lastReorg } : {}) }
      this.metrics.l1Synced(true)
      return true
    } catch (error) {
      if (error instanceof ReorgTooDeepError) {
        if (!this.#halted) logger.error({ err: error, block: error.block }, 'L1 reorg orphaned a final batch: the node stops following L1 and posting')
        this.#halted = error
        this.#l1 = { ok: false, code: error.code, message: error.shortMessage, checkedAt: new Date() }
        this.metrics.l1Synced(false)
        return false
      }
      const failure = toL1Error(error)
      this.#l1 = { ok: false, code: failure.code, message: failure.shortMessage, checkedAt: new Date() }
      this.metrics.l1Synced(false)
      logger.error({ err: error }, 'L1 sync failed')
      return true
    }
  }

  /** The last block applied, as the check after each read compares it (none before the first read). */
  #lastApplied(): Checkpoint | undefined {
    return this.#cursorHash ? { block: this.#cursor - 1n, hash: this.#cursorHash } : undefined
  }

  async #checkpoints(): Promise<Checkpoint[]> {
    return (await this.options.store.reorgCheckpoints()).map((c) => ({ block: BigInt(c.l1Block), hash: c.l1BlockHash }))
  }

  /**
   * While halted: whether the block the node last applied is on the chain again (the deep reorg
   * was itself undone, or the RPC served a wrong chain for a while). One lookup per step.
   */
  async #chainIsBack(): Promise<boolean> {
    const check = await detectReorg(this.options.l1.publicClient, { last: this.#lastApplied(), checkpoints: () => [] })
    if (check.status !== 'canonical') return false
    this.options.logger.warn({ block: this.#cursor - 1n }, 'the chain the node applied is back: following L1 again')
    this.#halted = undefined
    return true
  }

  /**
   * Undoes what L1 settled after `ancestor` (the newest applied block still on the chain; none:
   * the rollup's deployment block) in one store transaction, then cuts the tree back to the
   * stored root. Our batches go back to `submitted`: `#reconcileSubmitted` posts them again, finds
   * them re-mined, or releases them. Throws `ReorgTooDeepError` when a final batch is orphaned.
   */
  async #rollBack(ancestor: Checkpoint | undefined): Promise<void> {
    const { store, logger } = this.options
    const fromBlock = ancestor ? ancestor.block + 1n : this.options.fromBlock
    const toBlock = this.#cursor - 1n
    const { reverted, removed } = await store.rollbackSettled({ fromBlock, cursorKey: L1_CURSOR, cursorHash: ancestor?.hash ?? null })
    this.#cursor = fromBlock
    this.#cursorHash = ancestor?.hash ?? null
    const latest = await store.latestRoot()
    this.tree.truncate(Math.min(this.tree.size, latest?.leafCount ?? 0))
    if (latest && this.tree.root !== latest.root) throw new StateCorruptError('After rolling back a reorg the note tree does not give the stored root: restart the node to rebuild it from the store.')
    // Inclusion requests of the orphaned blocks may be gone or stand at other indexes: read the queue afresh.
    this.#inclusion.requests.clear()
    this.#inclusion.fromBlock = this.options.fromBlock
    this.#inclusion.checkedAt = undefined
    this.metrics.reorg()
    this.#lastReorg = { at: new Date(), fromBlock: Number(fromBlock), toBlock: Number(toBlock), reverted: reverted.map((b) => b.number), removed }
    logger.warn({ fromBlock, toBlock, reverted: this.#lastReorg.reverted, removed }, 'L1 reorg: rolled back the batches of the orphaned blocks')
    for (const b of reverted) {
      this.#emit({ type: 'batch', number: b.number, state: b.state })
      for (const t of await store.listBatchTransactions(b.number)) if (t.status !== 'rejected') this.#emit({ type: 'transaction', id: t.id, status: t.status })
    }
    for (const number of removed) this.#emit({ type: 'batch', number, state: 'orphaned', error: 'An L1 reorg orphaned this batch, which someone else had settled.' })
  }

  async #recordSettled(b: SyncedBatch): Promise<void> {
    const { store } = this.options
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
    this.metrics.batchSettled(batchNumber, b.transactions.length)
    this.options.logger.info({ batch: batchNumber, ours: Boolean(ours), transactions: b.transactions.length, l1Block: Number(b.blockNumber) }, 'batch settled on L1')
    this.#emit({
      type: 'batch',
      number: batchNumber,
      state: 'settled',
      l1TxHash: b.l1TxHash,
      l1Block: Number(b.blockNumber),
      commitments: b.transactions.flatMap((t) => t.commitments),
      nullifiers: b.transactions.flatMap((t) => t.nullifiers),
    })
    for (const t of await store.listBatchTransactions(batchNumber)) this.#emit({ type: 'transaction', id: t.id, status: t.status })
    for (const id of rejected) this.#emit({ type: 'transaction', id, status: 'rejected', code: 'NULLIFIER_SPENT', message: REJECTIONS.NULLIFIER_SPENT })
  }

  /** Rebuilds the tree from the store's settled leaves, then catches up with L1. */
  async #restore(): Promise<void> {
    const { store, fromBlock } = this.options
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
    await this.#syncL1()
  }

  async #rejectStored(id: string, rejection: Rejection): Promise<void> {
    await this.options.store.rejectTransaction(id, { code: rejection.code, message: rejection.message })
    this.#emit({ type: 'transaction', id, status: 'rejected', code: rejection.code, message: rejection.message })
  }

  #emit(event: SequencerEvent): void {
    this.emit('event', event)
  }
}

/** A proven batch's proof, as the store keeps it; a proven batch without one is a corrupt store. */
function storedProof(batch: StoredBatch): Proof {
  if (!batch.proof) throw new StateCorruptError(`Batch ${batch.number} is ${batch.state} but the store has no proof for it: the data directory is corrupt; resync from L1 into an empty one.`)
  return proofCodec.decode(batch.proof)
}
