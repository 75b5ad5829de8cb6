import { createHash } from 'node:crypto'
import type { Hash } from 'viem'
import { z } from 'zod'
import { type ShieldedTransaction, type TransactionJson, toTransactionJson } from '../circuits/index.ts'
import { escrowKey, type RollupClient } from '../settlement/createRollupClient.ts'
import type { NewTransaction, NodeStore } from '../state/index.ts'
import { type Clock, systemClock } from './clock.ts'
import type { FeePolicy } from './fees.ts'
import type { SequencerMetrics } from './metrics.ts'
import { ProofBatcher } from './ProofBatcher.ts'
import { type Rejection, reject } from './rejections.ts'
import { validateTransaction } from './validateTransaction.ts'

export type AdmissionOptions = {
  store: NodeStore
  /** read only: the escrow of a deposit and the L1 head */
  l1: Pick<RollupClient, 'escrow' | 'blockNumber'>
  /** what the node charges (undefined: nothing) */
  fees?: FeePolicy
  /** deposits whose escrow unlocks within this many blocks are refused */
  depositMarginBlocks: bigint
  metrics: Pick<SequencerMetrics, 'transactionAdmitted' | 'transactionRejected'>
  clock?: Clock
  /** told of each transaction admitted (the leader wakes its loop; any process announces it) */
  onAdmitted?: (id: string) => void
}

/** What `check` finds of a transaction that passes admission. */
export type Admissible = { ok: true; tx: ShieldedTransaction; id: string; canonical: TransactionJson; priority: number; again: boolean }

/**
 * Admission: the checks a transaction passes before the node takes it (a known id, then the
 * contract's checks in the contract's order, then the proof), and the one insert that reserves
 * its nullifiers (and a deposit's escrow). It holds no state of its own beyond a proof batcher
 * and a cached L1 head, so any number of processes on one database admit at once: the store's
 * constraints decide races (src/state/README.md). A rejection is a value, never an exception.
 *
 * @example
 * const admission = new Admission({ store, l1, depositMarginBlocks: 20n, metrics })
 * const verdict = await admission.submit(transactionCodec.decode(json))
 */
export class Admission {
  readonly #options: AdmissionOptions
  readonly #clock: Clock
  readonly #proofs = new ProofBatcher()
  /** what the node charges now (undefined: nothing): an operator may change its prices while it runs */
  fees: FeePolicy | undefined
  #head: { at: number; value: Promise<bigint> } | undefined

  constructor(options: AdmissionOptions) {
    this.#options = options
    this.#clock = options.clock ?? systemClock
    this.fees = options.fees
  }

  /** Checks, then inserts as pending (reserving the nullifiers). A rejection is a value. */
  async submit(tx: ShieldedTransaction): Promise<{ ok: true; id: string; status: 'pending' } | Rejection> {
    const started = performance.now()
    const verdict = await this.#admit(tx)
    const seconds = (performance.now() - started) / 1000
    if (verdict.ok) this.#options.metrics.transactionAdmitted(seconds)
    else this.#options.metrics.transactionRejected(verdict.code, seconds)
    return verdict
  }

  async #admit(tx: ShieldedTransaction): Promise<{ ok: true; id: string; status: 'pending' } | Rejection> {
    const checked = await this.check(tx)
    if (!checked.ok) return checked
    const { id, canonical, priority, again } = checked
    const { store } = this.#options
    // One the node turned away before (a deposit submitted before its escrow landed, a root it
    // had not read yet) is checked anew and, if it passes now, admitted again under its id.
    const inserted = again ? await store.requeueTransaction(id) : await store.insertPendingTransaction({ ...newTransaction(id, tx, canonical), priority })
    if (!inserted.ok) return { ok: false, code: inserted.code, message: inserted.message }
    this.#options.onAdmitted?.(id)
    return { ok: true, id, status: 'pending' }
  }

  /**
   * Admission without admitting: every check `submit` makes, and nothing is written. What a
   * client's dry run and the differential test against the contract use.
   */
  async check(tx: ShieldedTransaction): Promise<Admissible | Rejection> {
    // Its one encoding (the API decoded it with the same codec): what its id is the hash of.
    let canonical: TransactionJson
    try {
      canonical = toTransactionJson(tx)
    } catch (error) {
      return reject('INVALID_SCHEMA', error instanceof z.ZodError ? z.prettifyError(error) : undefined)
    }
    const id = transactionId(canonical)
    // A resubmission (a client retrying a POST that timed out) learns that it got in; one that
    // was rejected is checked again.
    const known = await this.#options.store.getTransaction(id)
    if (known && known.status !== 'rejected') return reject('TRANSACTION_KNOWN')
    const verdict = await this.#validate(tx)
    return verdict.ok ? { ok: true, tx, id, canonical, priority: verdict.priority, again: known !== undefined } : verdict
  }

  /** The checks against the store, L1 and the proof (nothing is written). */
  #validate(tx: ShieldedTransaction): Promise<{ ok: true; priority: number } | Rejection> {
    const { store, l1, depositMarginBlocks } = this.#options
    const fees = this.fees
    return validateTransaction(tx, {
      ...(fees ? { fees } : {}),
      depositMarginBlocks,
      knownRoot: (root) => store.knownRoot(root),
      takenNullifiers: (nullifiers) => store.takenNullifiers(nullifiers),
      escrow: (t) => l1.escrow(t),
      escrowHolder: (t) => store.escrowHolder(escrowKeyOf(t)!),
      l1Block: () => this.#l1Head(),
      verifyProof: (t) => this.#proofs.verify(t),
    })
  }

  /**
   * The L1 head for the deposit margin: one RPC call shared by the admissions of the same
   * 200 ms (a burst of deposits would otherwise make one round trip each).
   */
  #l1Head(): Promise<bigint> {
    const now = this.#clock.now()
    if (!this.#head || now - this.#head.at > 200) {
      const value = this.#options.l1.blockNumber()
      value.catch(() => (this.#head = undefined))
      this.#head = { at: now, value }
    }
    return this.#head.value
  }
}

/** A deposit's escrow key (undefined for any other transaction): what admission reserves besides the nullifiers. */
export function escrowKeyOf(tx: ShieldedTransaction): Hash | undefined {
  return tx.extData.extAmount > 0n ? escrowKey(tx.publicAsset, tx.extData.extAmount, tx.extDataHash, tx.commitments) : undefined
}

/** What the store keeps of an admitted transaction. */
export function newTransaction(id: string, tx: ShieldedTransaction, payload: TransactionJson): NewTransaction {
  const key = escrowKeyOf(tx)
  return {
    id,
    payload,
    nullifiers: tx.nullifiers,
    commitments: tx.commitments,
    extDataHash: tx.extDataHash,
    root: tx.root,
    ...(key ? { escrowKey: key } : {}),
  }
}

/**
 * A transaction's id: SHA-256 of its canonical JSON (the same transaction always gets the same id).
 *
 * @example
 * const id = transactionId(toTransactionJson(tx)) // '0x' and 64 hex digits
 */
export function transactionId(canonical: TransactionJson): string {
  return `0x${createHash('sha256').update(JSON.stringify(canonical)).digest('hex')}`
}
