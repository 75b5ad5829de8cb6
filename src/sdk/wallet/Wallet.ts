import { type Address, getAddress, isAddress, zeroAddress } from 'viem'
import { buildShieldedTransaction, feeOutput, type ShieldedTransaction, type TransactionOutput, zeroOutput } from '../../circuits/transaction.ts'
import { fromTransactionJson, toTransactionJson } from '../../circuits/codec.ts'
import { decodeAddress, encodeAddress, type Network } from '../../crypto/address.ts'
import { type AccountKeys, deriveKeys, seedFromMnemonic } from '../../crypto/keys.ts'
import { MerkleTree } from '../../crypto/merkleTree.ts'
import { assertAmount, type Note, noteNullifier, TRANSFER_OUTPUTS } from '../../crypto/note.ts'
import { fromHex32, type Hex32, randomFieldElement, toHex32 } from '../../crypto/field.ts'
import { hexToBytes } from '@noble/hashes/utils.js'
import type { DecryptedNote } from '../../crypto/noteEncryption.ts'
import {
  BaseError,
  DepositNotSubmittedError,
  DepositUnconfirmedError,
  InsufficientBalanceError,
  InvalidParameterError,
  NodeUnreachableError,
  WaitTimeoutError,
  RollupRevertedError,
  TransactionRejectedError,
  WrongNetworkError,
} from '../../errors/index.ts'
import type { SettlementClients } from '../../settlement/clients.ts'
import { claim as claimPayout } from '../../settlement/claim.ts'
import { escrowKey } from '../../settlement/createRollupClient.ts'
import { deposit as escrowDeposit } from '../../settlement/deposit.ts'
import { rollupAbi } from '../../settlement/generated/contracts.ts'
import { reclaimDeposit } from '../../settlement/reclaimDeposit.ts'
import { ETH_INFO, readTokenInfo, type TokenInfo } from '../../settlement/readTokenInfo.ts'
import { assertConfirmations, DEFAULT_CLIENT_CONFIRMATIONS, lastConfirmedBlock } from '../../settlement/confirmations.ts'
import { detectReorg, latestCheckpoint } from '../../settlement/detectReorg.ts'
import { appendBatches, type SyncedBatch, syncFromL1 } from '../../settlement/syncFromL1.ts'
import { BATCH_LEAVES } from '../../crypto/batch.ts'
import { type BatchEventWatch, createNodeClient, type NodeClient, watchBatchEvents } from '../nodeClient.ts'
import { assertFeeAcceptable, type FeeQuote, fetchNodeFees, quoteFee } from './feeQuote.ts'
import type { DepositState, HistoryEntry, HistoryKind, StoredDeposit, StoredNote, WalletCheckpoint, WalletStore } from './storeTypes.ts'
import type { WalletPlatform } from './platform.ts'

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
  /** where notes, the tree and history persist: in Node a SQLite file's path (created if missing), in a browser an IndexedDB database's name, or an open store; in memory by default */
  store?: string | WalletStore
  /** how long one request to the sequencer may take before it counts as unreachable (15 s) */
  requestTimeoutMs?: number
  /** blocks carrying a settled batch, the including one counted, before its history entries are `final` (3: two on top of it), as `confirmations` means throughout zkpay */
  confirmations?: number
}

/** A note the wallet owns, where it sits, and whether it is spent or being spent. */
export type OwnedNote = {
  note: Note
  leafIndex: number
  commitment: bigint
  nullifier: bigint
  memo: string
  spent: boolean
  pending: boolean
  /** the transaction that created it: its first output commitment */
  txKey: Hex32
  receivedBlock: bigint
}

/** Sync progress: L1 blocks read so far, and the outputs trial-decrypted. */
export type SyncProgress = { block: bigint; toBlock: bigint; outputs: number }

export type TransactionStage = 'sequenced' | 'settled' | 'final'

/** Where a transaction is when `wait` returns: the stage waited for (reached), and the node's own status word (it may be further). */
export type TransactionProgress = { status: TransactionStage; nodeStatus: string; batchNumber: number | null; l1TxHash: string | null }

/** A submitted transaction: `wait('settled')` resolves once the wallet's own L1 sync finds it in a batch (not on the node's word). */
export type TransactionHandle = {
  id: string
  /** the fee it pays the operator (a note to the operator's fee address), in base units of its asset */
  fee: bigint
  /** `onStatus` hears each new status the node reports (pending, batched, proving, submitted, settled, final) */
  wait(stage?: TransactionStage, options?: { timeoutMs?: number; onStatus?: (nodeStatus: string) => void }): Promise<TransactionProgress>
}

/** What a payment call is doing, for a progress line: proving, escrowing on L1 (deposits), submitting. */
export type PaymentStep = 'proving' | 'escrowing' | 'submitting'

const STAGES: Record<TransactionStage, string[]> = { sequenced: ['pending', 'batched', 'proving', 'submitted', 'settled', 'final'], settled: ['settled', 'final'], final: ['final'] }
/** Batch blocks a sync reads the time of when the logs do not carry it (all of them or none). */
const MAX_BLOCK_TIME_READS = 64
/** The store's meta key prefix for a token's decimals and symbol. */
const ASSET_META = 'asset:'
const asset = (a: Address) => BigInt(a)
/** hex → bytes (noble's: viem's hexToBytes took a fifth of a 10,000-output restore; a browser has no Buffer). */
const bytes = (hex: string) => hexToBytes(hex.slice(2))
/** The mark of an escrow found gone once: gone at the next sync too (without our notes), it was reclaimed. */
const ESCROW_GONE = 'ESCROW_GONE'
/** An escrow recorded but not on L1 after this long is taken for never sent (void)... */
const ESCROW_GRACE_MS = 15 * 60_000
/** ...and marked so: its signed transaction may still land (stuck in a mempool, broadcast by an RPC that answered an error), so each sync still looks for it. */
const ESCROW_NOT_SEEN = 'ESCROW_NOT_SEEN'
/** Escrows this close to their unlock block are not submitted again (nodes refuse them: DEPOSIT_EXPIRING); they wait to be reclaimed. */
const RESUBMIT_MARGIN_BLOCKS = 20n
/** A transaction id as the node makes them: SHA-256 of the canonical encoding. */
const TRANSACTION_ID = /^0x[0-9a-f]{64}$/

/**
 * What the node's answer to a submission says: admitted under an id (a 202 with an id of the
 * node's form), or not, with the code and sentence it gave. Typed by the client, but from a
 * server: checked all the same, so that no answer can record a deposit as submitted under no id.
 */
function admission(status: number | undefined, body: unknown): { id: string; code?: undefined; message?: undefined } | { id?: undefined; code: string; message: string } {
  const b = (body ?? {}) as { id?: unknown; code?: unknown; message?: unknown }
  if (status === 202 && typeof b.id === 'string' && TRANSACTION_ID.test(b.id)) return { id: b.id }
  return { code: typeof b.code === 'string' ? b.code : `HTTP_${status}`, message: typeof b.message === 'string' ? b.message : 'no reason given' }
}

/** The user declined to sign in their L1 wallet: EIP-1193's code 4001, anywhere in the error's causes (viem wraps it). */
function declinedToSign(error: unknown): boolean {
  for (let e = error, depth = 0; e !== null && typeof e === 'object' && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { code?: unknown }).code === 4001) return true
  }
  return false
}

/** While the node's event stream is open, a waiting transaction's status is still asked for this often: a rejection in the mempool is not a batch event. */
const WAIT_RECHECK_MS = 2_000
/** Without the stream (refused or broken), how often a wait asks for the status. */
const WAIT_POLL_MS = 150

/**
 * A shielded wallet: its keys, its notes and a local copy of the note tree, rebuilt from L1
 * events (never from the operator's word: a wallet finds its money without the operator and
 * never asks a server for the path of its own note). Proofs are made here, so keys never leave.
 * With a store file, notes, tree and history persist and the next sync reads only new blocks.
 *
 * @example
 * const wallet = await createWallet({ mnemonic, sequencerUrl, rollupAddress, fromBlock, l1, store: 'wallet.db' })
 * await wallet.sync()
 * const handle = await wallet.transfer({ to: 'zkpt1…', amount: 10n ** 17n, asset: zeroAddress, memo: 'invoice 42' })
 * await handle.wait('settled')
 */
export class Wallet {
  readonly keys: AccountKeys
  readonly address: string
  readonly network: Network
  readonly store: WalletStore
  readonly #options: WalletOptions
  readonly #platform: WalletPlatform
  /** the node's API, typed; each request gives up after `requestTimeoutMs` */
  readonly #node: NodeClient
  /** one `/v1/events` stream for all of this wallet's waits at a time (a node serves a limited number), and how many use it */
  #events: { watch: BatchEventWatch; users: number } | undefined
  #tree: MerkleTree
  readonly #notes = new Map<number, OwnedNote>()
  /** our notes by nullifier: a spend on L1 is found with one lookup */
  readonly #byNullifier = new Map<bigint, OwnedNote>()
  #cursor: bigint
  #syncing: Promise<{ newNotes: OwnedNote[] }> | undefined
  /** the chain and the deployment were checked against the store (once per wallet object) */
  #chainChecked = false
  /** escrows a `deposit()` call of this wallet is escrowing and submitting: a sync running meanwhile leaves them to it */
  readonly #depositing = new Set<string>()

  /** `platform`: where it runs (`nodePlatform`, or a browser's); `createWallet` picks it. */
  constructor(options: WalletOptions, platform: WalletPlatform) {
    const seed = options.seed ?? (options.mnemonic ? seedFromMnemonic(options.mnemonic) : undefined)
    if (!seed) throw new InvalidParameterError('mnemonic', 'expected a mnemonic or a seed')
    if (!isAddress(options.rollupAddress)) throw new InvalidParameterError('rollupAddress', 'expected an L1 address (0x and 40 hex digits)')
    const timeout = options.requestTimeoutMs
    if (timeout !== undefined && (!Number.isSafeInteger(timeout) || timeout < 1)) throw new InvalidParameterError('requestTimeoutMs', 'expected a positive number of milliseconds')
    if (options.confirmations !== undefined) assertConfirmations(options.confirmations)
    this.keys = deriveKeys(seed)
    this.network = options.network ?? 'testnet'
    this.address = encodeAddress({ ownerPk: this.keys.ownerPk, vpk: this.keys.vpk }, this.network)
    this.#options = options
    this.#platform = platform
    this.#node = createNodeClient(options.sequencerUrl, { timeoutMs: options.requestTimeoutMs ?? 15_000 })
    this.store = typeof options.store === 'object' ? options.store : platform.openStore(options.store)
    this.#bindStore()
    this.#tree = this.store.loadTree() ?? new MerkleTree()
    this.#cursor = BigInt(this.store.getMeta('cursor') ?? options.fromBlock)
    for (const n of this.store.notes()) this.#remember(this.#fromStored(n))
  }

  /** A store belongs to one account on one rollup: using it for another would mix their notes. */
  #bindStore(): void {
    const rollup = getAddress(this.#options.rollupAddress)
    const owner = this.store.getMeta('address')
    const bound = this.store.getMeta('rollup')
    if (owner === undefined) {
      this.store.setMeta('address', this.address)
      this.store.setMeta('rollup', rollup)
      return
    }
    if (owner !== this.address) throw new InvalidParameterError('store', 'this wallet database belongs to another account (another mnemonic)')
    if (bound !== rollup) throw new WrongNetworkError(`This wallet database belongs to the rollup at ${bound}, not ${rollup}: use another database for another network.`)
  }

  /**
   * Reads every settled batch since the last sync from L1: appends its leaves to the local tree
   * (checking each batch's root), trial-decrypts its outputs, and marks notes whose nullifiers
   * it sees spent; then frees notes locked by transactions the sequencer rejected. Resumable:
   * a store file keeps the cursor, and an interrupted sync leaves the last complete one.
   *
   * Before applying what it read, it checks that the last block it applied is still on the
   * chain (one block lookup). After an L1 reorg it first rolls back to the newest of its
   * checkpoints still on the chain: notes received in orphaned blocks disappear, notes spent
   * there are unspent again (locked again when the wallet's own pending transaction spent them),
   * history entries settled there go back to pending (or disappear, for what it only saw on L1),
   * and the tree is cut back; then it reads again. It never shows a note from an orphaned block
   * once a sync has run.
   */
  sync(onProgress?: (p: SyncProgress) => void): Promise<{ newNotes: OwnedNote[] }> {
    // One sync at a time: two would append the same batches to the tree.
    this.#syncing ??= this.#sync(onProgress).finally(() => {
      this.#syncing = undefined
    })
    return this.#syncing
  }

  async #sync(onProgress?: (p: SyncProgress) => void): Promise<{ newNotes: OwnedNote[] }> {
    const { publicClient } = this.#options.l1
    await this.#checkChain()
    let newNotes: OwnedNote[] = []
    let headBlock: bigint | undefined
    for (let reads = 1; reads <= 3; reads++) {
      const head = await latestCheckpoint(publicClient)
      headBlock = head.block
      let outputs = 0
      const { batches, nextBlock } =
        head.block >= this.#cursor
          ? await syncFromL1(publicClient, {
              rollup: this.#options.rollupAddress,
              fromBlock: this.#cursor,
              toBlock: head.block,
              ...(onProgress ? { onProgress: (p) => onProgress({ block: p.block, toBlock: p.toBlock, outputs }) } : {}),
            })
          : { batches: [], nextBlock: this.#cursor }
      const cursorHash = this.store.cursorHash()
      const last = cursorHash ? { block: this.#cursor - 1n, hash: cursorHash } : undefined
      const check = await detectReorg(publicClient, { last, checkpoints: () => this.store.checkpoints() })
      if (check.status === 'reorged') {
        this.#rollBack(check.ancestor)
        continue
      }
      // Behind: the chain is shorter than what we applied (a lagging RPC node): nothing to apply yet.
      if (check.status === 'canonical' && head.block >= this.#cursor) {
        newNotes = await this.#apply(batches, { block: nextBlock, hash: head.hash }, (n) => {
          outputs = n
          onProgress?.({ block: nextBlock - 1n, toBlock: nextBlock - 1n, outputs })
        })
      }
      break
    }
    if (headBlock !== undefined) this.store.finalizeHistory(lastConfirmedBlock(headBlock, this.#options.confirmations ?? DEFAULT_CLIENT_CONFIRMATIONS))
    await this.#releaseRejected()
    await this.#resumeDeposits()
    await this.store.flush()
    return { newNotes }
  }

  /**
   * Applies batches read up to `next.block - 1` (whose hash is `next.hash`): appends their leaves
   * to a copy of the tree, trial-decrypts their outputs, marks our notes they spend, and writes it
   * all with the new cursor and a checkpoint per block in one SQL transaction.
   */
  async #apply(batches: SyncedBatch[], next: { block: bigint; hash: `0x${string}` }, scanned: (outputs: number) => void): Promise<OwnedNote[]> {
    // New leaves go into a copy (a failed check leaves the wallet's tree as it was); a sync that
    // finds no batch copies and writes nothing (each `wait('settled')` syncs).
    let tree = this.#tree
    if (batches.length > 0) {
      tree = this.#tree.clone()
      await appendBatches(tree, batches)
    }
    const newNotes: OwnedNote[] = []
    const spent: { nullifier: bigint; block: bigint; txKey: Hex32 }[] = []
    const history: HistoryEntry[] = []
    const known = new Map(this.store.history().map((h) => [h.txKey, h]))
    const txs = batches.flatMap((b) => b.transactions)
    // Both keys: payments to our address (vsk) and the notes we sent ourselves (internalKey).
    const decrypted = await this.#platform.scan(
      { vsk: this.keys.vsk, ownerPk: this.keys.ownerPk, internalKey: this.keys.internalKey },
      txs.map((t) => ({ epk: bytes(t.epk), ciphertexts: t.ciphertexts.map(bytes), commitments: t.commitments })),
    )
    scanned(txs.length * TRANSFER_OUTPUTS)
    const byTx = new Map<number, DecryptedNote[]>()
    for (const d of decrypted) byTx.set(d.txIndex, [...(byTx.get(d.txIndex) ?? []), d])
    txs.forEach((t, txIndex) => {
      const txKey = toHex32(t.commitments[0])
      const spentHere = t.nullifiers.map((n) => this.#byNullifier.get(n)).filter((n): n is OwnedNote => n !== undefined && !n.spent)
      for (const n of spentHere) {
        n.spent = true
        n.pending = false
        spent.push({ nullifier: n.nullifier, block: t.blockNumber, txKey })
      }
      const mine: OwnedNote[] = []
      const internal = new Set<OwnedNote>()
      for (const d of byTx.get(txIndex) ?? []) {
        if (d.note.amount === 0n) continue
        const leafIndex = t.leafIndex + d.index
        if (this.#notes.has(leafIndex)) continue
        const owned: OwnedNote = {
          note: d.note,
          leafIndex,
          commitment: d.commitment,
          nullifier: noteNullifier(this.keys.nk, d.commitment, leafIndex),
          memo: new TextDecoder().decode(d.memo),
          spent: false,
          pending: false,
          txKey,
          receivedBlock: t.blockNumber,
        }
        this.#remember(owned)
        newNotes.push(owned)
        mine.push(owned)
        if (d.internal) internal.add(owned)
      }
      const received = mine.filter((n) => !internal.has(n))
      const kept = mine.filter((n) => internal.has(n))
      const entry = this.#settledEntry(known.get(txKey), txKey, spentHere, { received, kept }, t.blockNumber, t.l1TxHash)
      if (entry) history.push(entry)
    })
    // What the wallet first learns from L1 (a payment received, a transaction of another copy of
    // the wallet) is dated by its block, not by this sync: from the logs, or else by asking for
    // every batch block read (never only the ones that hold our notes: the RPC would learn which
    // batches pay us). A long catch-up without timestamps in its logs keeps the sync's time.
    const fresh = history.filter((h) => !known.has(h.txKey) && h.block !== null)
    const times = new Map<bigint, Date>()
    for (const b of batches) if (b.blockTimestamp !== undefined) times.set(b.blockNumber, new Date(Number(b.blockTimestamp) * 1000))
    const undated = [...new Set(batches.filter((b) => b.blockTimestamp === undefined).map((b) => b.blockNumber))]
    if (undated.length > 0 && undated.length <= MAX_BLOCK_TIME_READS) {
      const blocks = await Promise.all(undated.map((blockNumber) => this.#options.l1.publicClient.getBlock({ blockNumber })))
      for (const block of blocks) times.set(block.number, new Date(Number(block.timestamp) * 1000))
    }
    for (const h of fresh) h.createdAt = times.get(h.block!) ?? h.createdAt
    // Per block, the tree's size after its last batch: where a rollback to that block cuts it.
    const checkpoints = new Map<bigint, WalletCheckpoint>()
    for (const b of batches) checkpoints.set(b.blockNumber, { block: b.blockNumber, hash: b.blockHash, treeSize: b.startIndex + BATCH_LEAVES })
    this.store.writeSync({
      cursor: next.block,
      cursorHash: next.hash,
      checkpoints: [...checkpoints.values()],
      ...(tree === this.#tree ? {} : { tree }),
      newNotes: newNotes.map((n) => this.#toStored(n)),
      spent,
      history,
    })
    this.#tree = tree
    this.#cursor = next.block
    return newNotes
  }

  /**
   * Undoes what was read after `ancestor` (none: everything since `fromBlock`) in the store and
   * here: the tree cut back to its size then, notes and cursor reloaded from the store.
   */
  #rollBack(ancestor: WalletCheckpoint | undefined): void {
    const cursor = ancestor ? ancestor.block + 1n : this.#options.fromBlock
    const tree = this.#tree.clone()
    tree.truncate(Math.min(tree.size, ancestor?.treeSize ?? 0))
    this.store.rollback({ cursor, cursorHash: ancestor?.hash ?? null, tree })
    this.#tree = tree
    this.#cursor = cursor
    // Notes being proven right now stay locked: the rollback does not free what a call holds.
    const held = new Set([...this.#notes.values()].filter((n) => n.pending).map((n) => n.leafIndex))
    this.#notes.clear()
    this.#byNullifier.clear()
    for (const n of this.store.notes()) {
      const owned = this.#fromStored(n)
      if (held.has(owned.leafIndex)) owned.pending = true
      this.#remember(owned)
    }
  }

  /**
   * The history row for a transaction seen on L1 that touched the wallet, if it did. `received`
   * are our new notes sent to our address (by anyone), `kept` those opened with our internal
   * key: only this account makes those (change, a deposit, a merge; or whoever holds its full
   * viewing key), so they are never a receipt.
   */
  #settledEntry(
    known: HistoryEntry | undefined,
    txKey: Hex32,
    spent: OwnedNote[],
    mine: { received: OwnedNote[]; kept: OwnedNote[] },
    block: bigint,
    l1TxHash: string,
  ): HistoryEntry | undefined {
    if (known) return { ...known, status: 'settled', block, l1TxHash }
    const { received, kept } = mine
    if (spent.length === 0 && received.length === 0 && kept.length === 0) return undefined
    const asset = (spent[0] ?? received[0] ?? kept[0])!.note.asset
    const sum = (ns: OwnedNote[]) => ns.reduce((s, n) => s + n.note.amount, 0n)
    // Made elsewhere (another copy of the wallet, or before a restore): what the chain shows.
    // Without spends, a note to ourselves is a deposit (its value came from L1); with spends,
    // what did not come back left the wallet (a payment, a withdrawal or a fee), and nothing
    // leaving with only notes to ourselves back is a merge.
    const back = sum(received) + sum(kept)
    let kind: HistoryKind
    let amount: bigint
    if (spent.length > 0 && received.length > 0) {
      // Spent notes to pay our own address: a self-transfer of what arrived there.
      amount = sum(received)
      kind = 'self'
    } else if (spent.length > 0) {
      amount = sum(spent) - back
      kind = amount === 0n ? 'merge' : 'send'
    } else {
      amount = back
      kind = kept.length > 0 ? 'deposit' : 'receive'
    }
    const memo = kind === 'receive' ? (received.find((n) => n.memo !== '')?.memo ?? null) : null
    return { txKey, kind, asset, amount, counterparty: null, memo, txId: null, status: 'settled', createdAt: new Date(), block, l1TxHash }
  }

  /**
   * The L1 chain must be the one the rollup address was given for, and the same deployment: a
   * restarted devnet deploys the rollup at the same address on the same chain id, and its notes
   * would look like ours. The hash of the deployment block (`fromBlock`) tells them apart.
   */
  async #checkChain(): Promise<void> {
    if (this.#chainChecked) return
    const { publicClient } = this.#options.l1
    const chainId = String(await publicClient.getChainId())
    const bound = this.store.getMeta('chainId')
    if (bound === undefined) this.store.setMeta('chainId', chainId)
    else if (bound !== chainId) throw new WrongNetworkError(`This wallet database belongs to chain ${bound}, but the RPC serves chain ${chainId}.`)
    const fromBlock = this.#options.fromBlock
    const block = await publicClient.getBlock({ blockNumber: fromBlock }).catch(() => undefined)
    const deployment = this.store.getMeta('deploymentBlockHash')
    if (!block?.hash) {
      if (deployment === undefined) throw new WrongNetworkError(`The chain has no block ${fromBlock}, where the rollup was deployed: check the RPC URL and --from-block.`)
      throw new WrongNetworkError(`This wallet database belongs to a deployment of the rollup whose block ${fromBlock} this chain does not have (a restarted devnet?): use a new wallet database (--dir).`)
    }
    if (deployment === undefined) this.store.setMeta('deploymentBlockHash', block.hash)
    else if (deployment !== block.hash) {
      throw new WrongNetworkError(`This wallet database belongs to another deployment of the rollup at ${this.#options.rollupAddress} (a restarted devnet deploys at the same address): use a new wallet database (--dir).`)
    }
    this.#chainChecked = true
  }

  /** Frees notes locked by transactions the sequencer rejected (or forgot) while we were away. */
  async #releaseRejected(): Promise<void> {
    for (const id of this.store.pendingTransactions()) {
      const res = await this.#node.v1.transactions[':id'].$get({ param: { id } }).catch(() => undefined)
      if (!res) return // the node is unreachable: keep the locks, try next sync
      const body = res.status === 200 ? await res.json().catch(() => undefined) : undefined
      if (res.status === 404 || body?.status === 'rejected') {
        const locked = new Set(this.store.notes().filter((n) => n.pendingTx === id).map((n) => n.leafIndex))
        this.#release([...this.#notes.values()].filter((n) => locked.has(n.leafIndex)), id)
      }
    }
  }

  /** Unspent notes of `assetAddress` (zero address: ETH), pending spends excluded. */
  notes(assetAddress: Address = zeroAddress): OwnedNote[] {
    return [...this.#notes.values()].filter((n) => !n.spent && !n.pending && n.note.asset === asset(assetAddress))
  }

  /** Whether `address` is this account's: the same spending key and the same viewing key. */
  isOwnAddress(address: string): boolean {
    const a = decodeAddress(address)
    return a.network === this.network && a.ownerPk === this.keys.ownerPk && a.vpk.length === this.keys.vpk.length && a.vpk.every((b, i) => b === this.keys.vpk[i])
  }

  /** Every asset of which the wallet holds an unspent note (ETH is the zero address). */
  assets(): Address[] {
    const held = new Set([...this.#notes.values()].filter((n) => !n.spent).map((n) => n.note.asset))
    return [...held].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)).map((a) => getAddress(`0x${a.toString(16).padStart(40, '0')}`))
  }

  /** The spendable shielded balance in base units. */
  balance(assetAddress: Address = zeroAddress): bigint {
    return this.notes(assetAddress).reduce((s, n) => s + n.note.amount, 0n)
  }

  /**
   * Every transaction that touched the wallet, oldest first: what it sent (with the recipient
   * and memo, when this wallet made it), received, deposited or withdrew, and its status.
   *
   * @example
   * for (const h of wallet.history()) console.log(h.kind, formatEther(h.amount), h.status)
   */
  history(): HistoryEntry[] {
    return this.store.history()
  }

  /**
   * An asset's decimals and symbol, read from its ERC-20 contract the first time and kept in the
   * store (a token's decimals never change; reading them again would cost a request per amount shown).
   * `named`: the user chose this token (by its address, or by depositing it), so its symbol may
   * stand for it; a token that only arrived (a note, a payment URI) is never found by its symbol.
   *
   * @example
   * const { decimals, symbol } = await wallet.assetInfo(token)
   * console.log(`${formatUnits(wallet.balance(token), decimals)} ${symbol}`)
   */
  async assetInfo(asset: Address, options: { named?: boolean } = {}): Promise<TokenInfo & { named: boolean }> {
    if (!isAddress(asset)) throw new InvalidParameterError('asset', 'expected an L1 address (0x and 40 hex digits)')
    const address = getAddress(asset)
    if (address === zeroAddress) return { ...ETH_INFO, named: true }
    const kept = this.knownAssets().find((t) => t.address === address)
    const info = kept ?? (await readTokenInfo(this.#options.l1.publicClient, address))
    const named = Boolean(kept?.named || options.named)
    if (!kept || named !== kept.named) this.store.setMeta(`${ASSET_META}${address}`, JSON.stringify({ decimals: info.decimals, symbol: info.symbol, named }))
    return { address, decimals: info.decimals, symbol: info.symbol, named }
  }

  /** ETH and every token whose details `assetInfo` has read, with whether the user named it. */
  knownAssets(): (TokenInfo & { named: boolean })[] {
    return [
      { ...ETH_INFO, named: true },
      ...this.store.metaWithPrefix(ASSET_META).map(([key, value]) => {
        const { decimals, symbol, named } = JSON.parse(value) as { decimals: number; symbol: string; named?: boolean }
        return { address: key.slice(ASSET_META.length) as Address, decimals, symbol, named: named === true }
      }),
    ]
  }

  /**
   * The fee the node charges for one transaction of `asset` (`GET /v1/status`), paid as a
   * shielded note to the operator: nobody else learns it was paid, or in which asset. Every
   * transaction pays it, merges included; 0 on a node that charges none.
   *
   * @example
   * const { amount } = await wallet.quoteFee(zeroAddress)
   */
  async quoteFee(a: Address = zeroAddress): Promise<FeeQuote> {
    if (!isAddress(a)) throw new InvalidParameterError('asset', 'expected an L1 address (0x and 40 hex digits)')
    const fees = await fetchNodeFees(this.#options.sequencerUrl, () => this.#node.v1.status.$get())
    return quoteFee(fees, getAddress(a), this.network)
  }

  /**
   * The fee a call pays: the quote it was given (what the user was shown), else a fresh one;
   * either way at most `maxFee`, or 1% of the amount without it (FEE_TOO_HIGH): the node's
   * published price is never taken on trust.
   */
  async #fee(a: Address, amount: bigint, p: { fee?: FeeQuote; maxFee?: bigint }): Promise<FeeQuote> {
    if (p.maxFee !== undefined) assertAmount(p.maxFee, 'maxFee')
    await this.#checkChain() // never spend notes of another deployment
    const quote = p.fee ?? (await this.quoteFee(a))
    if (getAddress(quote.asset) !== getAddress(a)) throw new InvalidParameterError('fee', 'the quote is for another asset')
    assertFeeAcceptable(quote, amount, p.maxFee)
    return quote
  }

  /**
   * Shields `amount` from the L1 account: escrows `amount` plus the node's fee on the rollup,
   * then sends the shielded deposit to the sequencer; the wallet receives `amount`.
   */
  async deposit(p: { amount: bigint; asset?: Address; fee?: FeeQuote; maxFee?: bigint; onProgress?: (step: PaymentStep) => void }): Promise<TransactionHandle> {
    assertAmount(p.amount, 'amount')
    const a = p.asset ?? zeroAddress
    const fee = await this.#fee(a, p.amount, p)
    const escrowed = p.amount + fee.amount
    assertAmount(escrowed, 'amount')
    p.onProgress?.('proving')
    const tx = await this.#prove({ asset: a, inputs: [], outputs: [this.#self(a, p.amount), zeroOutput(this.keys, asset(a)), this.#feeOutput(fee)], extAmount: escrowed })
    const key = escrowKey(asset(a), escrowed, tx.extDataHash, tx.commitments)
    // This call escrows and submits it; a sync running meanwhile (a page's timer) must not submit
    // it too, or one of the two submissions is refused as a duplicate and reported as a failure.
    this.#depositing.add(key)
    try {
      return await this.#escrowAndSubmit(p, { tx, key, asset: a, escrowed, fee })
    } finally {
      this.#depositing.delete(key)
    }
  }

  async #escrowAndSubmit(p: { amount: bigint; onProgress?: (step: PaymentStep) => void }, d: { tx: ShieldedTransaction; key: `0x${string}`; asset: Address; escrowed: bigint; fee: FeeQuote }): Promise<TransactionHandle> {
    const { tx, key, asset: a, escrowed, fee } = d
    // Recorded before the L1 transaction is sent: whatever fails from here (the L1 call, the
    // sequencer, the process), the next sync finds the escrow and submits it again, and
    // `reclaimDeposits` returns it after the timeout. It is never lost, nor shielded twice (the
    // escrow key binds this very transaction's notes).
    this.store.putDeposit({ key, asset: asset(a), amount: escrowed, transaction: toTransactionJson(tx) })
    // Durable before the money moves (a browser's store commits later): not sent if it cannot be.
    await this.store.flush()
    p.onProgress?.('escrowing')
    let sending = false
    try {
      await escrowDeposit(
        this.#options.l1,
        { rollup: this.#options.rollupAddress, asset: a, amount: escrowed, extDataHash: tx.extDataHash, commitments: tx.commitments },
        { onSending: () => (sending = true) },
      )
    } catch (error) {
      // The rollup refused it: nothing was escrowed. Any other failure (a timeout, a lost RPC) may
      // still land: it stays `escrowing`, and the next sync looks for it on L1.
      // Refused by the rollup, failed before the escrow transaction was signed (its simulation:
      // too little ETH, a token approval that failed), or declined in the user's L1 wallet (a
      // browser extension's Reject): nothing is on its way.
      const declined = declinedToSign(error)
      if (error instanceof RollupRevertedError || !sending || declined) {
        this.store.updateDeposit(key, { state: 'void', lastError: declined ? 'DECLINED' : error instanceof BaseError ? error.code : 'NOT_SENT' })
        throw error
      }
      const reason = error instanceof BaseError ? error.code : error instanceof Error && 'shortMessage' in error ? String(error.shortMessage) : 'no answer'
      throw new DepositUnconfirmedError(key, reason, { cause: error })
    }
    const escrow = await this.#readEscrow(key)
    this.store.updateDeposit(key, { state: 'escrowed', unlockBlock: escrow?.unlockBlock ?? null })
    const record = { kind: 'deposit' as const, asset: asset(a), amount: p.amount, counterparty: this.#options.l1.walletClient.account?.address ?? null, memo: null }
    let handle: TransactionHandle
    p.onProgress?.('submitting')
    try {
      handle = await this.#submit(tx, [], fee.amount, record)
    } catch (error) {
      const reason = error instanceof TransactionRejectedError ? error.reason : error instanceof BaseError ? error.code : 'no answer'
      this.store.updateDeposit(key, { lastError: reason })
      // In the history as what it is: money on its way in (until it settles, or is reclaimed).
      this.store.putHistory({ ...record, txKey: toHex32(tx.commitments[0]), txId: null, status: 'pending', createdAt: new Date(), block: null, l1TxHash: null })
      throw new DepositNotSubmittedError(key, reason, { cause: error })
    }
    this.store.updateDeposit(key, { state: 'submitted', txId: handle.id })
    await this.store.flush()
    return handle
  }

  /**
   * The wallet's L1 escrows and what became of each: `escrowed` ones wait for the sequencer
   * (each sync submits them again) or, once `unlockBlock` is reached, for `reclaimDeposits`.
   */
  deposits(): StoredDeposit[] {
    return this.store.deposits()
  }

  /**
   * Returns to the L1 account every escrow of this wallet that the sequencer never took and that
   * has unlocked (the rest keep waiting; see `deposits()`). Resolves with what it reclaimed.
   *
   * @example
   * const { reclaimed, waiting } = await wallet.reclaimDeposits()
   */
  async reclaimDeposits(): Promise<{ reclaimed: StoredDeposit[]; waiting: StoredDeposit[] }> {
    await this.sync()
    const head = await this.#options.l1.publicClient.getBlockNumber({ cacheTime: 0 })
    const reclaimed: StoredDeposit[] = []
    const waiting: StoredDeposit[] = []
    for (const d of this.store.deposits(['escrowed'])) {
      const escrow = await this.#readEscrow(d.key)
      if (!escrow) continue
      if (head + 1n < escrow.unlockBlock) {
        waiting.push({ ...d, unlockBlock: escrow.unlockBlock })
        continue
      }
      const json = d.transaction
      const t = fromTransactionJson(json)
      await reclaimDeposit(this.#options.l1, {
        rollup: this.#options.rollupAddress,
        asset: getAddress(`0x${d.asset.toString(16).padStart(40, '0')}`),
        amount: d.amount,
        extDataHash: t.extDataHash,
        commitments: t.commitments,
      })
      this.#recordReclaimed(d)
      reclaimed.push({ ...d, state: 'reclaimed' })
    }
    return { reclaimed, waiting }
  }

  /**
   * Collects what the rollup owes the L1 account in `asset` (a withdrawal whose payout the
   * recipient refused, fees): returns the amount, 0 when nothing is owed (nothing is sent then).
   *
   * @example
   * const claimed = await wallet.claimOwed(zeroAddress)
   */
  async claimOwed(a: Address = zeroAddress): Promise<bigint> {
    if (!isAddress(a)) throw new InvalidParameterError('asset', 'expected an L1 address (0x and 40 hex digits)')
    const account = this.#options.l1.walletClient.account?.address
    if (!account) throw new InvalidParameterError('l1', 'the L1 client has no account')
    const owed = await this.#options.l1.publicClient.readContract({ address: this.#options.rollupAddress, abi: rollupAbi, functionName: 'owed', args: [account, getAddress(a)] })
    if (owed === 0n) return 0n
    await claimPayout(this.#options.l1, { rollup: this.#options.rollupAddress, asset: getAddress(a) })
    return owed
  }

  /** An escrow back on L1: no longer pending, in deposits nor in history (where it was recorded if the sequencer never took it). */
  #recordReclaimed(d: StoredDeposit): void {
    this.store.updateDeposit(d.key, { state: 'reclaimed' })
    const txKey = (d.transaction).commitments[0]
    const entry = this.store.history().find((h) => h.txKey === txKey)
    if (entry) this.store.putHistory({ ...entry, status: 'rejected' })
  }

  /** The escrow under `key` on L1, if one is there: who made it and from which block it can be reclaimed. */
  async #readEscrow(key: `0x${string}`): Promise<{ depositor: Address; unlockBlock: bigint } | undefined> {
    const { publicClient } = this.#options.l1
    const rollup = this.#options.rollupAddress
    const [[depositor, blockNumber], timeout] = await Promise.all([
      publicClient.readContract({ address: rollup, abi: rollupAbi, functionName: 'escrows', args: [key] }),
      publicClient.readContract({ address: rollup, abi: rollupAbi, functionName: 'depositTimeout' }),
    ])
    return depositor === zeroAddress ? undefined : { depositor, unlockBlock: blockNumber + timeout }
  }

  /**
   * After a sync: every escrow not yet settled moves on. One whose notes arrived is settled; one
   * that reached L1 after a failure is escrowed; an escrowed one is submitted to the sequencer
   * again while it can still settle safely; a submitted one the sequencer rejected is escrowed
   * again. One that vanished from L1 without our notes was reclaimed. One voided for never
   * appearing on L1 that appears after all is escrowed and submitted like the others.
   */
  async #resumeDeposits(): Promise<void> {
    const open = this.store.deposits(['escrowing', 'escrowed', 'submitted', 'void']).filter((d) => d.state !== 'void' || d.lastError === ESCROW_NOT_SEEN)
    if (open.length === 0) return
    const ours = new Set([...this.#notes.values()].map((n) => n.commitment))
    const head = await this.#options.l1.publicClient.getBlockNumber({ cacheTime: 0 })
    for (const d of open) {
      if (this.#depositing.has(d.key)) continue
      const json = d.transaction
      if (ours.has(fromHex32(json.commitments[0]))) {
        this.store.updateDeposit(d.key, { state: 'settled', lastError: null })
        continue
      }
      const escrow = await this.#readEscrow(d.key)
      if (!escrow) {
        // Never seen on L1 (the process stopped before sending it, or the L1 call failed): after a
        // while, void; but looked for at every sync, as a signed transaction can land late.
        if (d.state === 'escrowing' && Date.now() - d.createdAt.getTime() > ESCROW_GRACE_MS) this.store.updateDeposit(d.key, { state: 'void', lastError: ESCROW_NOT_SEEN })
        // Gone without our notes: a batch that consumed it after this sync's read shows our notes
        // at the next one, so only an escrow still gone then was reclaimed (by this account, elsewhere).
        else if (d.state === 'escrowed' && d.lastError === ESCROW_GONE) this.#recordReclaimed(d)
        else if (d.state === 'escrowed') this.store.updateDeposit(d.key, { lastError: ESCROW_GONE })
        continue
      }
      // A deposit() of this wallet may have escrowed and submitted it during the awaits above:
      // act only on the state this pass read (else a submitted deposit is posted again, refused as
      // known, and set back to escrowed).
      const unchanged = (state: DepositState) => !this.#depositing.has(d.key) && this.store.deposits().find((x) => x.key === d.key)?.state === state
      let state = d.state
      if (state === 'submitted') {
        const res = d.txId === null ? undefined : await this.#node.v1.transactions[':id'].$get({ param: { id: d.txId } }).catch(() => undefined)
        const body = res?.status === 200 ? await res.json().catch(() => undefined) : undefined
        if (!res || (res.status !== 404 && body?.status !== 'rejected') || !unchanged(state)) continue
        this.store.updateDeposit(d.key, { state: 'escrowed', lastError: body?.code ?? 'NOT_FOUND' })
        state = 'escrowed'
      }
      if (!unchanged(state)) continue
      // Close to its unlock block the node would refuse it (DEPOSIT_EXPIRING): reclaim it instead.
      if (head + RESUBMIT_MARGIN_BLOCKS >= escrow.unlockBlock) {
        this.store.updateDeposit(d.key, { state: 'escrowed', unlockBlock: escrow.unlockBlock })
        continue
      }
      const res = await this.#node.v1.transactions.$post({ json }).catch(() => undefined)
      const answer = admission(res?.status, res ? await res.json().catch(() => undefined) : undefined)
      if (answer.id !== undefined) this.store.updateDeposit(d.key, { state: 'submitted', txId: answer.id, unlockBlock: escrow.unlockBlock, lastError: null })
      else this.store.updateDeposit(d.key, { state: 'escrowed', unlockBlock: escrow.unlockBlock, lastError: res ? answer.code : 'NODE_UNREACHABLE' })
    }
  }

  /**
   * Pays `amount` to a shielded address, with an encrypted memo the recipient reads. When no two
   * notes cover it, the wallet first merges notes (two at a time, in parallel rounds, each round
   * settled before the next) and then pays: this call returns once the payment is submitted.
   */
  async transfer(p: { to: string; amount: bigint; asset?: Address; memo?: string; fee?: FeeQuote; maxFee?: bigint; onProgress?: (step: PaymentStep) => void }): Promise<TransactionHandle> {
    assertAmount(p.amount, 'amount')
    const a = p.asset ?? zeroAddress
    const recipient = decodeAddress(p.to)
    if (recipient.network !== this.network) throw new WrongNetworkError(`The address is for ${recipient.network}, but this wallet is on ${this.network}.`)
    const fee = await this.#fee(a, p.amount, p)
    const inputs = await this.#select(a, p.amount, fee)
    const change = inputs.reduce((s, n) => s + n.note.amount, 0n) - p.amount - fee.amount
    const payment: TransactionOutput = {
      note: { asset: asset(a), amount: p.amount, ownerPk: recipient.ownerPk, blinding: randomFieldElement() },
      vpk: recipient.vpk,
      ...(p.memo === undefined ? {} : { memo: p.memo }),
    }
    p.onProgress?.('proving')
    const tx = await this.#prove({ asset: a, inputs, outputs: [payment, this.#self(a, change), this.#feeOutput(fee)] })
    p.onProgress?.('submitting')
    // To our own address (both keys: one with our ownerPk and another's vpk is not ours to
    // read): allowed, and shown as what it is.
    const kind = this.isOwnAddress(p.to) ? 'self' : 'send'
    return this.#submit(tx, inputs, fee.amount, { kind, asset: asset(a), amount: p.amount, counterparty: p.to, memo: p.memo ?? null })
  }

  /** Unshields `amount` to an L1 address (merging notes first when two do not cover it). */
  async withdraw(p: { to: Address; amount: bigint; asset?: Address; fee?: FeeQuote; maxFee?: bigint; onProgress?: (step: PaymentStep) => void }): Promise<TransactionHandle> {
    assertAmount(p.amount, 'amount')
    if (!isAddress(p.to)) throw new InvalidParameterError('to', 'expected an L1 address (0x and 40 hex digits)')
    const a = p.asset ?? zeroAddress
    const fee = await this.#fee(a, p.amount, p)
    const inputs = await this.#select(a, p.amount, fee)
    const change = inputs.reduce((s, n) => s + n.note.amount, 0n) - p.amount - fee.amount
    p.onProgress?.('proving')
    const tx = await this.#prove({
      asset: a,
      inputs,
      outputs: [this.#self(a, change), zeroOutput(this.keys, asset(a)), this.#feeOutput(fee)],
      extAmount: -p.amount,
      recipient: getAddress(p.to),
    })
    p.onProgress?.('submitting')
    return this.#submit(tx, inputs, fee.amount, { kind: 'withdraw', asset: asset(a), amount: p.amount, counterparty: getAddress(p.to), memo: null })
  }

  /**
   * Up to two unspent notes that cover `amount` and the fee, largest first. When more are
   * needed, merges the largest notes pairwise, in rounds (all merges of a round share a batch),
   * until two notes cover it. Planned before anything is spent: k notes take k − 2 merges and
   * the transaction itself, k − 1 fees in all, and notes worth no more than the fee (dust a
   * merge would only burn) are left out; a plan that does not close is INSUFFICIENT_BALANCE
   * before anything is proven or sent.
   */
  async #select(a: Address, amount: bigint, fee: FeeQuote): Promise<OwnedNote[]> {
    for (;;) {
      const candidates = this.notes(a)
        .filter((n) => n.note.amount > fee.amount)
        .sort((x, y) => (y.note.amount > x.note.amount ? 1 : y.note.amount < x.note.amount ? -1 : 0))
      const feesFor = (k: number) => BigInt(Math.max(k - 1, 1)) * fee.amount
      let covered = 0n
      let k = 0
      while (k < candidates.length && covered < amount + feesFor(k)) covered += candidates[k++]!.note.amount
      if (k === 0 || covered < amount + feesFor(k)) {
        const total = this.balance(a)
        const what = fee.amount > 0n ? `${amount} and the node's fee of ${fee.amount} per transaction (merges included)` : `${amount}`
        throw new InsufficientBalanceError(`The shielded balance is ${total}, less than ${what}.`)
      }
      const chosen = candidates.slice(0, k)
      if (k <= 2) {
        // Locked from this moment, not from submission: a second call while this one proves
        // must not pick the same notes.
        for (const n of chosen) n.pending = true
        return chosen
      }
      const handles: TransactionHandle[] = []
      for (let i = 0; i + 1 < k; i += 2) handles.push(await this.#merge(a, [chosen[i]!, chosen[i + 1]!], fee))
      for (const h of handles) await h.wait('settled')
    }
  }

  /** Spends two notes into one of their sum less the fee, to the wallet itself. */
  async #merge(a: Address, inputs: OwnedNote[], fee: FeeQuote): Promise<TransactionHandle> {
    for (const n of inputs) n.pending = true
    const sum = inputs.reduce((s, n) => s + n.note.amount, 0n)
    const tx = await this.#prove({ asset: a, inputs, outputs: [this.#self(a, sum - fee.amount), zeroOutput(this.keys, asset(a)), this.#feeOutput(fee)] })
    return this.#submit(tx, inputs, fee.amount, { kind: 'merge', asset: asset(a), amount: 0n, counterparty: null, memo: null })
  }

  /** The fee note for `quote`, or a zero note to the wallet itself when the node charges nothing. */
  #feeOutput(quote: FeeQuote): TransactionOutput {
    return quote.to && quote.amount > 0n ? feeOutput(quote.to, asset(quote.asset), quote.amount) : zeroOutput(this.keys, asset(quote.asset))
  }

  /**
   * A note to the wallet itself (change, a deposit, a merge), encrypted to its internal key: the
   * incoming viewing key it gives a merchant must not read its balance, deposits or spends.
   */
  #self(a: Address, amount: bigint): TransactionOutput {
    return { note: { asset: asset(a), amount, ownerPk: this.keys.ownerPk, blinding: randomFieldElement() }, internalKey: this.keys.internalKey }
  }

  /** Proves a transaction over locked `inputs`; a failed proof frees them. */
  async #prove(p: { asset: Address; inputs: OwnedNote[]; outputs: [TransactionOutput, TransactionOutput, TransactionOutput]; extAmount?: bigint; recipient?: Address }): Promise<ShieldedTransaction> {
    try {
      return await this.#proveUnlocked(p)
    } catch (error) {
      this.#release(p.inputs, null)
      throw error
    }
  }

  #proveUnlocked(p: { asset: Address; inputs: OwnedNote[]; outputs: [TransactionOutput, TransactionOutput, TransactionOutput]; extAmount?: bigint; recipient?: Address }): Promise<ShieldedTransaction> {
    return buildShieldedTransaction({
      keys: this.keys,
      asset: asset(p.asset),
      tree: this.#tree,
      inputs: p.inputs.map((n) => ({ note: n.note, leafIndex: n.leafIndex })),
      outputs: p.outputs,
      ...(p.extAmount === undefined ? {} : { extAmount: p.extAmount }),
      ...(p.recipient ? { recipient: p.recipient } : {}),
    }, this.#platform.proveTransfer)
  }

  #remember(n: OwnedNote): void {
    this.#notes.set(n.leafIndex, n)
    this.#byNullifier.set(n.nullifier, n)
  }

  #release(inputs: OwnedNote[], txId: string | null): void {
    const free = inputs.filter((n) => !n.spent)
    for (const n of free) n.pending = false
    this.store.setPending(
      free.map((n) => n.leafIndex),
      null,
    )
    if (txId !== null) {
      const entry = this.store.history().find((h) => h.txId === txId)
      if (entry && entry.status === 'pending') this.store.putHistory({ ...entry, status: 'rejected' })
    }
  }

  async #submit(tx: ShieldedTransaction, inputs: OwnedNote[], fee: bigint, record: Pick<HistoryEntry, 'kind' | 'asset' | 'amount' | 'counterparty' | 'memo'>): Promise<TransactionHandle> {
    const url = this.#options.sequencerUrl
    const json = toTransactionJson(tx)
    // Pending notes are never selected twice; a rejection releases them.
    for (const n of inputs) n.pending = true
    // A POST that times out may still have been admitted: releasing its notes is safe all the
    // same, as the sequencer refuses a second spend of them (NULLIFIER_PENDING).
    const answer = await this.#node.v1.transactions.$post({ json }).then(
      async (res) => admission(res.status, await res.json().catch(() => undefined)),
      (cause) => {
        this.#release(inputs, null)
        throw new NodeUnreachableError(url, { cause })
      },
    )
    if (answer.id === undefined) {
      this.#release(inputs, null)
      throw new TransactionRejectedError(answer.code, answer.message)
    }
    const id = answer.id
    this.store.setPending(
      inputs.map((n) => n.leafIndex),
      id,
    )
    this.store.putHistory({ ...record, txKey: toHex32(tx.commitments[0]), txId: id, status: 'pending', createdAt: new Date(), block: null, l1TxHash: null })
    await this.store.flush()
    return { id, fee, wait: (stage = 'settled', options = {}) => this.#wait(id, toHex32(tx.commitments[0]), inputs, stage, options) }
  }

  /**
   * Follows a submitted transaction until `stage`: asks the node for its status whenever a
   * batch moves (the node's event stream), at least every `WAIT_RECHECK_MS` (a rejection in the
   * mempool is not a batch event), or every `WAIT_POLL_MS` when the stream is down.
   *
   * `settled` and `final` are not taken on the node's word: the wallet syncs from L1 (through
   * its own RPC) and returns once its history shows the transaction in a batch there, with the
   * L1 transaction read from the chain. A node that says settled too early, or lies, is waited
   * out (`WAIT_TIMEOUT`). `final` is the node's count of confirmations (the wallet's own, for
   * its history, may be higher: an idle chain makes no new blocks to wait for).
   */
  async #wait(id: string, txKey: Hex32, inputs: OwnedNote[], stage: TransactionStage, options: { timeoutMs?: number; onStatus?: (nodeStatus: string) => void }): Promise<TransactionProgress> {
    const url = this.#options.sequencerUrl
    const timeoutMs = options.timeoutMs ?? 120_000
    const deadline = Date.now() + timeoutMs
    const events = this.#watchEvents()
    let heard: string | undefined
    try {
      for (;;) {
        const res = await this.#node.v1.transactions[':id'].$get({ param: { id } }).catch((cause) => {
          throw new NodeUnreachableError(url, { cause })
        })
        // Rate limited, or not known (yet, or any more): asked again until the deadline.
        const t = res.status === 200 ? await res.json() : undefined
        if (t && t.status !== heard) options.onStatus?.((heard = t.status))
        if (t?.status === 'rejected') {
          this.#release(inputs, id)
          throw new TransactionRejectedError(t.code ?? 'REJECTED', t.message ?? 'no reason given')
        }
        if (t && STAGES[stage].includes(t.status)) {
          if (stage === 'sequenced') return { status: stage, nodeStatus: t.status, batchNumber: t.batchNumber, l1TxHash: t.l1TxHash }
          await this.sync()
          const onL1 = this.store.history().find((h) => h.txKey === txKey && (h.status === 'settled' || h.status === 'final') && h.l1TxHash !== null)
          if (onL1) return { status: stage, nodeStatus: t.status, batchNumber: t.batchNumber, l1TxHash: onL1.l1TxHash }
        }
        const left = deadline - Date.now()
        if (left < 0) throw new WaitTimeoutError(id, stage, heard ?? `HTTP ${res.status}`, timeoutMs)
        await events.next(Math.min(left + 1, events.live ? WAIT_RECHECK_MS : WAIT_POLL_MS))
      }
    } finally {
      events.release()
    }
  }

  /** The wallet's event stream, opened by its first waiter and closed when the last one leaves. */
  #watchEvents(): { next: BatchEventWatch['next']; readonly live: boolean; release(): void } {
    const shared = (this.#events ??= { watch: watchBatchEvents(this.#node), users: 0 })
    shared.users++
    let released = false
    return {
      next: (ms) => shared.watch.next(ms),
      get live() {
        return shared.watch.live
      },
      release: () => {
        if (released) return
        released = true
        if (--shared.users > 0) return
        shared.watch.close()
        if (this.#events === shared) this.#events = undefined
      },
    }
  }

  #fromStored(n: StoredNote): OwnedNote {
    return {
      note: { asset: n.asset, amount: n.amount, ownerPk: this.keys.ownerPk, blinding: n.blinding },
      leafIndex: n.leafIndex,
      commitment: n.commitment,
      nullifier: n.nullifier,
      memo: n.memo,
      spent: n.spentBlock !== null,
      pending: n.pendingTx !== null,
      txKey: n.txKey,
      receivedBlock: n.receivedBlock,
    }
  }

  #toStored(n: OwnedNote): StoredNote {
    return {
      leafIndex: n.leafIndex,
      commitment: n.commitment,
      nullifier: n.nullifier,
      asset: n.note.asset,
      amount: n.note.amount,
      blinding: n.note.blinding,
      memo: n.memo,
      txKey: n.txKey,
      receivedBlock: n.receivedBlock,
      spentBlock: null,
      pendingTx: null,
    }
  }
}

