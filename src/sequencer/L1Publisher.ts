import { fromTransactionJson, type Proof, proofCodec } from '../circuits/index.ts'
import { RollupRevertedError, StateCorruptError, TransactionPendingError } from '../errors/index.ts'
import type { Logger } from '../log/index.ts'
import type { RollupClient } from '../settlement/createRollupClient.ts'
import { toL1Error } from '../settlement/toL1Error.ts'
import type { NodeStore, StoredBatch, StoredTransaction } from '../state/index.ts'
import type { Clock } from './clock.ts'
import type { Emit } from './events.ts'
import type { SequencerMetrics } from './metrics.ts'
import { CONTRACT_REJECTIONS, type Rejection, reject } from './rejections.ts'

export type L1PublisherOptions = {
  store: NodeStore
  l1: Pick<RollupClient, 'submitBatch' | 'hasPendingTransactions' | 'currentRoot' | 'sentTransaction' | 'currentFees' | 'checkTransfer'>
  logger: Logger
  metrics: Pick<SequencerMetrics, 'batchSubmitted' | 'batchMined'>
  clock: Clock
  /** a posted batch not mined after this long is sent again with the same nonce and higher fees */
  feeBumpAfterMs: number
  emit: Emit
  /** gives up on a batch: it fails, its transactions that are not rejected go back to pending */
  release(batch: StoredBatch, reason: string): Promise<void>
  /** rejects one stored transaction, with the code and sentence the API shows */
  rejectStored(id: string, rejection: Rejection): Promise<void>
  /** a posting was mined: follow L1 at once, so the batch is recorded settled */
  afterMined(): Promise<unknown>
}

/** What posting last failed with, when it was not the contract's verdict (RPC, funds, gas). */
export type SubmitError = { code: string; message: string; at: Date }

type Replacement = { nonce: number; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }

/**
 * The L1 publisher: posts the oldest proven batch (`proven → submitted`), turns the contract's
 * refusals into rejected transactions and a released batch, and reconciles a batch left
 * `submitted` with what L1 holds: waits for it, replaces it with higher fees, posts it again or
 * releases it. It owns the 'submitting' stage and the last submit error (src/sequencer/README.md).
 *
 * @example
 * const publisher = new L1Publisher({ store, l1, logger, metrics, clock, feeBumpAfterMs: 60_000, emit, release, rejectStored, afterMined })
 * await publisher.publish(provenBatch, transactions)
 */
export class L1Publisher {
  readonly #options: L1PublisherOptions
  #stage: 'idle' | 'submitting' = 'idle'
  #lastError: SubmitError | undefined

  constructor(options: L1PublisherOptions) {
    this.#options = options
  }

  /** 'submitting' while a batch is being posted and mined. */
  get stage(): 'idle' | 'submitting' {
    return this.#stage
  }

  /** the last failure to post a batch that was not the contract's verdict (RPC, funds, gas) */
  get lastError(): SubmitError | undefined {
    return this.#lastError
  }

  /** Marks a proven batch `submitted`, then posts it. */
  async publish(batch: StoredBatch, transactions: StoredTransaction[]): Promise<void> {
    // Recorded before sending: a crash after the send finds `submitted` and asks L1.
    batch = await this.#options.store.setBatchState(batch.number, 'submitted')
    this.#options.metrics.batchSubmitted(batch.number)
    this.#options.emit({ type: 'batch', number: batch.number, state: 'submitted' })
    await this.#post(batch, transactions)
  }

  /** A batch marked submitted but not seen settled: posted and pending, lost, or overtaken. */
  async reconcile(batch: StoredBatch, transactions: StoredTransaction[]): Promise<void> {
    const { l1, clock } = this.#options
    // Our transaction may be on its way (sent just before a crash, or waiting for a block):
    // posting again would only make the second one revert. Stuck too long, it is replaced.
    if (await l1.hasPendingTransactions()) {
      if (batch.l1TxHash && clock.now() - batch.updatedAt.getTime() >= this.#options.feeBumpAfterMs) await this.#bumpFees(batch, transactions)
      return
    }
    const l1Root = await l1.currentRoot()
    if (l1Root === batch.oldRoot) {
      // Not on L1 (never sent, dropped, or reverted): post again.
      await this.#options.store.setBatchState(batch.number, 'proven')
      this.#options.emit({ type: 'batch', number: batch.number, state: 'proven' })
    } else if (l1Root !== batch.newRoot) {
      await this.#options.release(batch, 'L1 moved on without this batch.')
    }
    // l1Root === newRoot: settled on L1; the next sync records it.
  }

  /**
   * Sends the batch to L1 (or, with `replace`, the same call again with the pending one's nonce
   * and higher fees) and waits up to `feeBumpAfterMs` for it to be mined.
   */
  async #post(batch: StoredBatch, transactions: StoredTransaction[], replace?: Replacement): Promise<void> {
    const { store, logger, emit } = this.#options
    this.#stage = 'submitting'
    try {
      const { hash, gasUsed } = await this.#options.l1.submitBatch({
        oldRoot: batch.oldRoot!,
        newRoot: batch.newRoot!,
        transactions: transactions.map((t) => fromTransactionJson(t.payload)),
        batchProof: storedProof(batch),
        receiptTimeoutMs: this.#options.feeBumpAfterMs,
        ...(replace ? { replace } : {}),
        onSent: async (sent) => {
          await store.setBatchState(batch.number, 'submitted', { l1TxHash: sent })
          emit({ type: 'batch', number: batch.number, state: 'submitted', l1TxHash: sent })
        },
      })
      this.#options.metrics.batchMined(gasUsed)
      this.#lastError = undefined
      logger.info({ batch: batch.number, l1TxHash: hash, gasUsed: gasUsed.toString() }, 'batch mined')
      await this.#options.afterMined()
    } catch (error) {
      await this.#onSubmitError(batch, transactions, error)
    } finally {
      this.#stage = 'idle'
    }
  }

  /** Replaces the batch's pending L1 transaction: same nonce, fees raised by a quarter (or to the market's). */
  async #bumpFees(batch: StoredBatch, transactions: StoredTransaction[]): Promise<void> {
    const { l1, logger } = this.#options
    const sent = await l1.sentTransaction(batch.l1TxHash!)
    if (!sent || sent.mined) return
    const market = await l1.currentFees()
    const raise = (old: bigint, now: bigint) => (old + old / 4n + 1n > now ? old + old / 4n + 1n : now)
    const replace = { nonce: sent.nonce, maxFeePerGas: raise(sent.maxFeePerGas, market.maxFeePerGas), maxPriorityFeePerGas: raise(sent.maxPriorityFeePerGas, market.maxPriorityFeePerGas) }
    logger.warn({ batch: batch.number, l1TxHash: batch.l1TxHash, nonce: sent.nonce, maxFeePerGas: replace.maxFeePerGas.toString() }, 'batch stuck; replacing it with higher fees')
    await this.#post(batch, transactions, replace)
  }

  /** The contract refused the batch: reject the transaction it names, requeue the others. */
  async #onSubmitError(batch: StoredBatch, transactions: StoredTransaction[], error: unknown): Promise<void> {
    const { logger, clock } = this.#options
    if (error instanceof TransactionPendingError) {
      // Sent, not mined yet: the next steps wait for it, and raise its fees if it stays stuck.
      logger.info({ batch: batch.number, l1TxHash: error.hash }, 'batch sent, waiting to be mined')
      return
    }
    if (error instanceof RollupRevertedError) {
      logger.warn({ batch: batch.number, error: error.errorName, args: String(Object.values(error.args)) }, 'the rollup refused the batch')
      const code = CONTRACT_REJECTIONS[error.errorName]
      const offender = error.txIndex === undefined ? undefined : transactions[error.txIndex]
      if (code && offender) await this.#options.rejectStored(offender.id, reject(code, `(${error.errorName})`))
      // The multi-pairing names no transaction: ask the contract about each one alone. If all
      // pass, the batch proof was at fault, and proving the batch again is the cure.
      if (error.errorName === 'Rollup__InvalidProof') await this.#rejectInvalidProofs(transactions)
      await this.#options.release(batch, error.shortMessage)
      return
    }
    // Not the contract's verdict (RPC down, gas, nonce): the batch stays posted-or-not; the next
    // step asks L1 which.
    logger.error({ batch: batch.number, err: error }, 'posting the batch failed')
    const failure = toL1Error(error)
    this.#lastError = { code: failure.code, message: failure.shortMessage, at: new Date(clock.now()) }
  }

  /**
   * Finds the transactions of a refused batch that the contract's own check of one transaction
   * (`checkTransfer`, an eth_call) refuses, and rejects them; an admission bug or a proof
   * injected below admission then costs one batch, not the rollup's liveness.
   */
  async #rejectInvalidProofs(transactions: StoredTransaction[]): Promise<void> {
    const { l1, logger } = this.#options
    let found = 0
    for (const t of transactions) {
      const fault = await l1.checkTransfer(fromTransactionJson(t.payload))
      if (!fault) continue
      found++
      await this.#options.rejectStored(t.id, reject(CONTRACT_REJECTIONS[fault.errorName] ?? 'INVALID_PROOF', `(${fault.errorName})`))
    }
    if (found === 0) logger.warn({ transactions: transactions.length }, 'every transaction checks alone: the batch proof was refused; proving the batch again')
    else logger.warn({ rejected: found }, 'rejected the transactions whose proofs the contract refuses')
  }
}

/** A proven batch's proof, as the store keeps it; a proven batch without one is a corrupt store. */
function storedProof(batch: StoredBatch): Proof {
  if (!batch.proof) throw new StateCorruptError(`Batch ${batch.number} is ${batch.state} but the store has no proof for it: the data directory is corrupt; resync from L1 into an empty one.`)
  return proofCodec.decode(batch.proof)
}
