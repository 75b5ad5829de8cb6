import { type Address, getAddress, hexToBytes, isAddress, zeroAddress } from 'viem'
import { proveTransaction, type ShieldedTransaction, type TransactionOutput, toTransactionJson, zeroOutput } from '../../circuits/index.ts'
import { decodeAddress, encodeAddress, type Network } from '../../crypto/address.ts'
import { type AccountKeys, deriveKeys, seedFromMnemonic } from '../../crypto/keys.ts'
import { MerkleTree } from '../../crypto/merkleTree.ts'
import { assertAmount, type Note, noteNullifier } from '../../crypto/note.ts'
import { randomFieldElement } from '../../crypto/field.ts'
import { decryptNotes } from '../../crypto/noteEncryption.ts'
import { InsufficientBalanceError, InvalidParameterError, NodeUnreachableError, TransactionRejectedError } from '../../errors/index.ts'
import type { SettlementClients } from '../../settlement/clients.ts'
import { deposit as escrowDeposit } from '../../settlement/deposit.ts'
import { syncFromL1 } from '../../settlement/syncFromL1.ts'

export type WalletOptions = {
  /** 24 words (or `seed`, the 32 bytes they stand for) */
  mnemonic?: string
  seed?: Uint8Array
  sequencerUrl: string
  rollupAddress: Address
  /** the rollup's deployment block, where sync starts */
  fromBlock: bigint
  /** L1 clients: reads for sync, and the account that escrows deposits */
  l1: SettlementClients
  network?: Network
}

/** A note the wallet owns, where it sits, and whether it is spent or being spent. */
export type OwnedNote = { note: Note; leafIndex: number; commitment: bigint; nullifier: bigint; memo: string; spent: boolean; pending: boolean }

export type TransactionStage = 'sequenced' | 'settled' | 'final'

/** A submitted transaction: `wait('settled')` resolves once its batch is on L1. */
export type TransactionHandle = {
  id: string
  wait(stage?: TransactionStage, options?: { timeoutMs?: number }): Promise<{ status: string; batchNumber: number | null; l1TxHash: string | null }>
}

const STAGES: Record<TransactionStage, string[]> = { sequenced: ['pending', 'batched', 'proving', 'submitted', 'settled', 'final'], settled: ['settled', 'final'], final: ['final'] }
const asset = (a: Address) => BigInt(a)

/**
 * A shielded wallet: its keys, its notes and a local copy of the note tree, rebuilt from L1
 * events (never from the operator's word: a wallet finds its money without the operator and
 * never asks a server for the path of its own note). Proofs are made here, so keys never leave.
 *
 * @example
 * const wallet = createWallet({ mnemonic, sequencerUrl, rollupAddress, fromBlock, l1 })
 * await wallet.sync()
 * const handle = await wallet.transfer({ to: 'zkpt1…', amount: 10n ** 17n, asset: zeroAddress, memo: 'invoice 42' })
 * await handle.wait('settled')
 */
export class Wallet {
  readonly keys: AccountKeys
  readonly address: string
  readonly #options: WalletOptions
  readonly #tree = new MerkleTree()
  readonly #notes = new Map<number, OwnedNote>()
  readonly #spent = new Set<bigint>()
  #cursor: bigint

  constructor(options: WalletOptions) {
    const seed = options.seed ?? (options.mnemonic ? seedFromMnemonic(options.mnemonic) : undefined)
    if (!seed) throw new InvalidParameterError('mnemonic', 'expected a mnemonic or a seed')
    this.keys = deriveKeys(seed)
    this.address = encodeAddress({ ownerPk: this.keys.ownerPk, vpk: this.keys.vpk }, options.network ?? 'testnet')
    this.#options = options
    this.#cursor = options.fromBlock
  }

  /**
   * Reads every settled batch since the last sync from L1: appends its leaves to the local tree,
   * trial-decrypts its outputs, and marks notes whose nullifiers it spent.
   */
  async sync(onProgress?: (p: { block: bigint; toBlock: bigint }) => void): Promise<{ newNotes: OwnedNote[] }> {
    const { batches, nextBlock } = await syncFromL1(this.#options.l1.publicClient, {
      rollup: this.#options.rollupAddress,
      fromBlock: this.#cursor,
      tree: this.#tree,
      ...(onProgress ? { onProgress } : {}),
    })
    const newNotes: OwnedNote[] = []
    for (const batch of batches) {
      for (const t of batch.transactions) {
        for (const n of t.nullifiers) this.#spent.add(n)
        const found = decryptNotes({
          vsk: this.keys.vsk,
          ownerPk: this.keys.ownerPk,
          epk: hexToBytes(t.epk),
          ciphertexts: t.ciphertexts.map((c) => hexToBytes(c)),
          commitments: t.commitments,
        })
        for (const d of found) {
          if (!d || d.note.amount === 0n) continue
          const leafIndex = t.leafIndex + d.index
          const owned: OwnedNote = {
            note: d.note,
            leafIndex,
            commitment: d.commitment,
            nullifier: noteNullifier(this.keys.nk, d.commitment, leafIndex),
            memo: new TextDecoder().decode(d.memo),
            spent: false,
            pending: false,
          }
          this.#notes.set(leafIndex, owned)
          newNotes.push(owned)
        }
      }
    }
    for (const owned of this.#notes.values()) {
      if (this.#spent.has(owned.nullifier)) {
        owned.spent = true
        owned.pending = false
      }
    }
    this.#cursor = nextBlock
    return { newNotes }
  }

  /** Unspent notes of `assetAddress` (zero address: ETH), pending spends excluded. */
  notes(assetAddress: Address = zeroAddress): OwnedNote[] {
    return [...this.#notes.values()].filter((n) => !n.spent && !n.pending && n.note.asset === asset(assetAddress))
  }

  /** The spendable shielded balance in base units. */
  balance(assetAddress: Address = zeroAddress): bigint {
    return this.notes(assetAddress).reduce((s, n) => s + n.note.amount, 0n)
  }

  /**
   * Shields `amount` from the L1 account: escrows it on the rollup, then sends the shielded
   * deposit to the sequencer.
   */
  async deposit(p: { amount: bigint; asset?: Address }): Promise<TransactionHandle> {
    assertAmount(p.amount, 'amount')
    const a = p.asset ?? zeroAddress
    const tx = await this.#prove({ asset: a, inputs: [], outputs: [this.#self(a, p.amount), zeroOutput(this.keys, asset(a))], extAmount: p.amount })
    await escrowDeposit(this.#options.l1, { rollup: this.#options.rollupAddress, asset: a, amount: p.amount, extDataHash: tx.extDataHash })
    return this.#submit(tx, [])
  }

  /** Pays `amount` to a shielded address, with an encrypted memo the recipient reads. */
  async transfer(p: { to: string; amount: bigint; asset?: Address; memo?: string }): Promise<TransactionHandle> {
    assertAmount(p.amount, 'amount')
    const a = p.asset ?? zeroAddress
    const recipient = decodeAddress(p.to)
    const inputs = this.#select(a, p.amount)
    const change = inputs.reduce((s, n) => s + n.note.amount, 0n) - p.amount
    const payment: TransactionOutput = {
      note: { asset: asset(a), amount: p.amount, ownerPk: recipient.ownerPk, blinding: randomFieldElement() },
      vpk: recipient.vpk,
      ...(p.memo === undefined ? {} : { memo: p.memo }),
    }
    const tx = await this.#prove({ asset: a, inputs, outputs: [payment, this.#self(a, change)] })
    return this.#submit(tx, inputs)
  }

  /** Unshields `amount` to an L1 address. */
  async withdraw(p: { to: Address; amount: bigint; asset?: Address }): Promise<TransactionHandle> {
    assertAmount(p.amount, 'amount')
    if (!isAddress(p.to)) throw new InvalidParameterError('to', 'expected an L1 address (0x and 40 hex digits)')
    const a = p.asset ?? zeroAddress
    const inputs = this.#select(a, p.amount)
    const change = inputs.reduce((s, n) => s + n.note.amount, 0n) - p.amount
    const tx = await this.#prove({ asset: a, inputs, outputs: [this.#self(a, change), zeroOutput(this.keys, asset(a))], extAmount: -p.amount, recipient: getAddress(p.to) })
    return this.#submit(tx, inputs)
  }

  /** Up to two unspent notes that cover `amount`, largest first. */
  #select(a: Address, amount: bigint): OwnedNote[] {
    const candidates = this.notes(a).sort((x, y) => (y.note.amount > x.note.amount ? 1 : -1))
    const chosen = candidates.slice(0, 2)
    const covered = chosen.reduce((s, n) => s + n.note.amount, 0n)
    if (covered < amount) {
      const total = this.balance(a)
      throw new InsufficientBalanceError(
        total < amount ? `The shielded balance is ${total}, less than ${amount}.` : `No two notes cover ${amount}; merge notes first.`,
      )
    }
    return chosen
  }

  #self(a: Address, amount: bigint): TransactionOutput {
    return { note: { asset: asset(a), amount, ownerPk: this.keys.ownerPk, blinding: randomFieldElement() }, vpk: this.keys.vpk }
  }

  #prove(p: { asset: Address; inputs: OwnedNote[]; outputs: [TransactionOutput, TransactionOutput]; extAmount?: bigint; recipient?: Address }): Promise<ShieldedTransaction> {
    return proveTransaction({
      keys: this.keys,
      asset: asset(p.asset),
      tree: this.#tree,
      inputs: p.inputs.map((n) => ({ note: n.note, leafIndex: n.leafIndex })),
      outputs: p.outputs,
      ...(p.extAmount === undefined ? {} : { extAmount: p.extAmount }),
      ...(p.recipient ? { recipient: p.recipient } : {}),
    })
  }

  async #submit(tx: ShieldedTransaction, inputs: OwnedNote[]): Promise<TransactionHandle> {
    const url = this.#options.sequencerUrl
    // Pending notes are never selected twice; a rejection releases them.
    for (const n of inputs) n.pending = true
    const release = () => {
      for (const n of inputs) if (!n.spent) n.pending = false
    }
    let res: Response
    try {
      res = await fetch(`${url}/v1/transactions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(toTransactionJson(tx)) })
    } catch (cause) {
      release()
      throw new NodeUnreachableError(url, { cause })
    }
    const body = (await res.json().catch(() => ({}))) as { id?: string; code?: string; message?: string }
    if (res.status !== 202 || !body.id) {
      release()
      throw new TransactionRejectedError(body.code ?? `HTTP_${res.status}`, body.message ?? 'no reason given')
    }
    const id = body.id
    return {
      id,
      wait: async (stage = 'settled', options = {}) => {
        const deadline = Date.now() + (options.timeoutMs ?? 120_000)
        for (;;) {
          const r = await fetch(`${url}/v1/transactions/${id}`).catch((cause) => {
            throw new NodeUnreachableError(url, { cause })
          })
          const t = (await r.json()) as { status: string; code?: string; message?: string; batchNumber: number | null }
          if (t.status === 'rejected') {
            release()
            throw new TransactionRejectedError(t.code ?? 'REJECTED', t.message ?? 'no reason given')
          }
          if (STAGES[stage].includes(t.status)) {
            const batch = t.batchNumber === null ? undefined : ((await (await fetch(`${url}/v1/batches/${t.batchNumber}`)).json()) as { l1TxHash: string | null })
            if (stage !== 'sequenced') await this.sync()
            return { status: t.status, batchNumber: t.batchNumber, l1TxHash: batch?.l1TxHash ?? null }
          }
          if (Date.now() > deadline) throw new NodeUnreachableError(url, { cause: new Error(`transaction ${id} still ${t.status}`) })
          await new Promise((resolve) => setTimeout(resolve, 150))
        }
      },
    }
  }
}

/**
 * @example
 * const wallet = createWallet({ mnemonic, sequencerUrl: devnet.sequencerUrl, rollupAddress, fromBlock, l1 })
 */
export function createWallet(options: WalletOptions): Wallet {
  return new Wallet(options)
}
