import { EventEmitter } from 'node:events'
import { type BatchWitness, buildBatchWitness, fromTransactionJson, type Proof, proofCodec, type ShieldedTransaction, type TransactionJson, toTransactionJson } from '../circuits/index.ts'
import type { MerkleTree } from '../crypto/merkleTree.ts'
import { BATCH_LEAVES } from '../crypto/batch.ts'
import { ProverError } from '../errors/index.ts'
import type { Logger } from '../log/index.ts'
import type { BatchProver } from '../prover/index.ts'
import type { RollupClient } from '../settlement/createRollupClient.ts'
import { transferHash } from '../settlement/rollupTransfer.ts'
import type { InclusionRequest } from '../settlement/readInclusionRequests.ts'
import type { NodeStore, StoredBatch, StoredTransaction } from '../state/index.ts'
import { type Admissible, Admission, newTransaction, transactionId } from './Admission.ts'
import { type Clock, systemClock } from './clock.ts'
import type { SequencerEvent } from './events.ts'
import { type FeePolicy, publicFees } from './fees.ts'
import { L1Follower } from './L1Follower.ts'
import { L1Publisher } from './L1Publisher.ts'
import { createNodeMetrics, type NodeMetrics } from './metrics.ts'
import { type Rejection, reject } from './rejections.ts'

export type { SequencerEvent } from './events.ts'
export type { ReorgRecord } from './L1Follower.ts'

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
  /**
   * Where every time rule reads the time (a batch's age, the priority wait, a stuck posting's
   * fee bump, a proof's duration; default the machine's). The store stamps its rows with the
   * machine's time: a test's manual clock starts at `Date.now()` and moves on from there.
   */
  clock?: Clock
}

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
  /** the note tree as L1 settled it (the follower's) */
  readonly tree: MerkleTree
  #timer: NodeJS.Timeout | undefined
  /** the step in progress (the timer's or a caller's): steps never overlap */
  #running: Promise<void> | undefined
  /** whether the timer drives the loop (`start`), or only callers of `step` (`open`) */
  #looping = false
  #stopped = false
  /** The batches being proven in this process, by number: any number at once, posted in order. */
  readonly #proving = new Map<number, Promise<void>>()
  /** The forced-inclusion queue as last read from L1: requests by index, the waiting ones' ids in order, and where to read new events from. */
  readonly #inclusion: { requests: Map<bigint, InclusionRequest>; fromBlock: bigint; ids: string[]; complete: boolean; checkedAt: bigint | undefined }
  readonly #clock: Clock
  /** step 1: follows L1 into the tree and the store; owns the cursor, the L1 status, reorgs */
  readonly #follower: L1Follower
  /** posts the oldest proven batch and reconciles a submitted one with L1 */
  readonly #publisher: L1Publisher
  /** what `/metrics` scrapes; the loop records into it through `SequencerMetrics` */
  readonly metrics: NodeMetrics
  /** the checks and the insert of `submit`, shared with api replicas (src/sequencer/Admission.ts) */
  readonly admission: Admission

  private constructor(options: SequencerOptions) {
    super()
    this.options = options
    this.#clock = options.clock ?? systemClock
    this.metrics = options.metrics ?? createNodeMetrics({ store: options.store, l1: options.l1, fromBlock: options.fromBlock, logger: options.logger, processMetrics: false })
    this.#inclusion = { requests: new Map(), fromBlock: options.fromBlock, ids: [], complete: true, checkedAt: undefined }
    const { store, l1, logger } = options
    const emit = (event: SequencerEvent) => this.#emit(event)
    this.admission = new Admission({
      store,
      l1,
      ...(options.fees ? { fees: options.fees } : {}),
      depositMarginBlocks: options.depositMarginBlocks,
      metrics: this.metrics,
      clock: this.#clock,
      onAdmitted: (id) => {
        this.#emit({ type: 'transaction', id, status: 'pending' })
        this.#schedule(0)
      },
    })
    this.#follower = new L1Follower({
      store,
      l1,
      logger,
      confirmations: options.confirmations,
      fromBlock: options.fromBlock,
      metrics: this.metrics,
      clock: this.#clock,
      emit,
      onReorg: () => {
        // Inclusion requests of the orphaned blocks may be gone or stand at other indexes: read the queue afresh.
        this.#inclusion.requests.clear()
        this.#inclusion.fromBlock = options.fromBlock
        this.#inclusion.checkedAt = undefined
      },
    })
    this.tree = this.#follower.tree
    this.#publisher = new L1Publisher({
      store,
      l1,
      logger,
      metrics: this.metrics,
      clock: this.#clock,
      feeBumpAfterMs: options.feeBumpAfterMs ?? 60_000,
      emit,
      release: (batch, reason) => this.#release(batch, reason),
      rejectStored: (id, rejection) => this.#rejectStored(id, rejection),
      afterMined: () => this.#follower.sync(),
    })
  }

  /** Opens the sequencer: rebuilds the tree from the store, catches up with L1 and starts the loop. */
  static async start(options: SequencerOptions): Promise<Sequencer> {
    const s = await Sequencer.open(options)
    s.#looping = true
    s.#schedule(0)
    return s
  }

  /**
   * Opens the sequencer without its loop: rebuilds the tree from the store and catches up with
   * L1, then does nothing until `step` is called (tests drive it one step at a time).
   */
  static async open(options: SequencerOptions): Promise<Sequencer> {
    const s = new Sequencer(options)
    await s.#follower.restore()
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
    // Bounded: a status that waits on a dead RPC's retries would reach replicas stale, or not at all.
    const balance = await withTimeout(this.options.l1.operatorBalance(), 2_000).catch(() => undefined)
    const stage = this.#publisher.stage
    return {
      root: this.tree.root,
      leafCount: this.tree.size,
      l1: { ...this.#follower.status, rollup: this.options.l1.rollup, syncedToBlock: this.#follower.syncedToBlock },
      operator: { address: this.options.l1.account, balance, lastError: this.#publisher.lastError },
      queue: { pending: pending.count, oldestPendingAt: pending.oldestCreatedAt, batchesInFlight: open.length, inclusionRequests: this.#inclusion.ids.length },
      prover: { name: this.options.prover.name, stage: stage === 'idle' && this.#proving.size > 0 ? ('proving' as const) : stage, batchesProving: this.#proving.size },
      batchSize: this.options.batchSize,
      // The address and prices only: the policy also holds the fee key's secret.
      fees: publicFees(this.options.fees),
    }
  }

  // ------------------------------------------------------------------ the loop

  #schedule(ms: number): void {
    if (!this.#looping || this.#stopped) return
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => {
      if (this.#running) return this.#schedule(this.options.pollMs ?? 200)
      this.step()
        .catch((error: unknown) => this.options.logger.error({ err: error }, 'sequencer step failed; retrying'))
        .finally(() => this.#schedule(this.options.pollMs ?? 200))
    }, ms)
  }

  /**
   * One pass: follow L1 and its inclusion queue; seal a new batch when the pipeline has room;
   * move the oldest batch in flight as far as it goes (post it once proven); start proving every
   * sealed batch, each on the tree the batches before it will make. Resolves once the proofs
   * are started, not proven (`idle` waits for them). A step called while another runs (the
   * timer's) starts after it: steps never overlap.
   */
  step(): Promise<void> {
    const run = (this.#running ?? Promise.resolve()).then(() => this.#step())
    const running: Promise<void> = run
      .catch(() => undefined)
      .finally(() => {
        if (this.#running === running) this.#running = undefined
      })
    this.#running = running
    return run
  }

  /** Resolves when no proof started by a step is in flight (each has been recorded, or has failed). */
  async idle(): Promise<void> {
    while (this.#proving.size > 0) await Promise.all(this.#proving.values())
  }

  async #step(): Promise<void> {
    if (!(await this.#follower.sync())) return
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
    const started = this.#clock.now()
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
    const ms = this.#clock.now() - started
    this.metrics.batchProven(ms / 1000)
    logger.info({ batch: batch.number, transactions: transactions.length, ms }, 'batch proven')
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
    const now = this.#clock.now()
    const young = count < batchSize && now - (oldestCreatedAt?.getTime() ?? now) < batchMaxAgeMs
    if (young && forced.length === 0) return undefined
    if (!queue.complete && forced.length === 0) return undefined
    const maxTransactions = queue.complete ? batchSize : Math.min(batchSize, forced.length)
    const agedBefore = new Date(now - (this.options.maxPriorityWaitMs ?? 60_000))
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
    const block = this.#follower.status.block
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
    const { store } = this.options
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
    if (state === 'proven') await this.#publisher.publish(batch, transactions)
    else if (state === 'submitted') await this.#publisher.reconcile(batch, transactions)
  }

  async #release(batch: StoredBatch, reason: string): Promise<void> {
    const released = await this.options.store.releaseBatch(batch.number, reason)
    this.metrics.batchReleased(batch.number)
    this.#emit({ type: 'batch', number: batch.number, state: 'failed', error: reason })
    for (const t of released) this.#emit({ type: 'transaction', id: t.id, status: 'pending' })
  }

  async #rejectStored(id: string, rejection: Rejection): Promise<void> {
    await this.options.store.rejectTransaction(id, { code: rejection.code, message: rejection.message })
    this.#emit({ type: 'transaction', id, status: 'rejected', code: rejection.code, message: rejection.message })
  }

  #emit(event: SequencerEvent): void {
    this.emit('event', event)
  }
}

/** `promise`, or a rejection after `ms`. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms)))
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
