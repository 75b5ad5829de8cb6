import { type Address, encodeAbiParameters, type Hash, type Hex, keccak256, type PublicClient, zeroAddress } from 'viem'
import type { Proof, ShieldedTransaction } from '../circuits/index.ts'
import type { MerkleTree } from '../crypto/merkleTree.ts'
import type { Outputs } from '../crypto/note.ts'
import { RollupRevertedError } from '../errors/index.ts'
import type { SettlementClients } from './clients.ts'
import { rollupAbi } from './generated/contracts.ts'
import { type InclusionRequest, readInclusionRequests } from './readInclusionRequests.ts'
import { toRollupTransfer } from './rollupTransfer.ts'
import { toSettlementError } from './sendRollupTransaction.ts'
import { skipInclusionRequest } from './skipInclusionRequest.ts'
import { submitBatch } from './submitBatch.ts'
import { type SyncFromL1Result, syncFromL1 } from './syncFromL1.ts'

/** What the operator node needs of the chain, bound to one rollup. */
export type RollupClient = {
  rollup: Address
  publicClient: PublicClient
  /** the operator's address (submitter and fee recipient) */
  account: Address
  submitBatch(p: {
    oldRoot: bigint
    newRoot: bigint
    transactions: readonly ShieldedTransaction[]
    batchProof: Proof
    onSent?: (hash: Hash) => void | Promise<void>
    receiptTimeoutMs?: number
    replace?: { nonce: number; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }
  }): Promise<{ hash: Hash; blockNumber: bigint; gasUsed: bigint }>
  /** the nonce and fees of a sent transaction, while it is known to the node (undefined once dropped) */
  sentTransaction(hash: Hash): Promise<{ nonce: number; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint; mined: boolean } | undefined>
  /** the fees a transaction sent now would offer */
  currentFees(): Promise<{ maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }>
  sync(p: { fromBlock: bigint; toBlock?: bigint; tree: MerkleTree }): Promise<SyncFromL1Result>
  /** the escrow a deposit transaction would consume: who made it and from which block it may be reclaimed (undefined if none) */
  escrow(tx: ShieldedTransaction): Promise<{ depositor: Address; unlockBlock: bigint } | undefined>
  /**
   * The contract's own verdict on one transaction against the current state (`checkTransfer`,
   * an eth_call): undefined if it would be accepted, else the custom error it reverts with.
   */
  checkTransfer(tx: ShieldedTransaction): Promise<RollupRevertedError | undefined>
  /** the forced-inclusion queue: requests `[head, length)` wait */
  inclusionQueue(): Promise<{ head: bigint; length: bigint }>
  /** what the contract holds of the request at `index`: the first 24 bytes of its transfer's hash (as 0x hex) and its due block; undefined if none */
  inclusionRequestAt(index: bigint): Promise<{ txHash: Hex; dueBlock: bigint } | undefined>
  /** forced-inclusion requests made from `fromBlock` on, in queue order */
  inclusionRequests(p: { fromBlock: bigint; toBlock?: bigint }): Promise<InclusionRequest[]>
  /** drops the queue's head request, which can no longer be included */
  skipInclusionRequest(tx: ShieldedTransaction): Promise<Hash>
  currentRoot(): Promise<bigint>
  blockNumber(): Promise<bigint>
  /** whether the operator account has transactions sent but not yet mined */
  hasPendingTransactions(): Promise<boolean>
  /** the operator account's balance in wei */
  operatorBalance(): Promise<bigint>
}

/**
 * Binds the settlement actions to one rollup and one operator account.
 *
 * @example
 * const l1 = createRollupClient({ publicClient, walletClient }, rollupAddress)
 */
export function createRollupClient(clients: SettlementClients, rollup: Address): RollupClient {
  const { publicClient } = clients
  return {
    ...createRollupReader(publicClient, rollup),
    account: clients.walletClient.account.address,
    async submitBatch(p) {
      const { hash, receipt, gasUsed } = await submitBatch(clients, { rollup, ...p })
      return { hash, blockNumber: receipt.blockNumber, gasUsed }
    },
    sync: (p) => syncFromL1(publicClient, { rollup, ...p }),
    async checkTransfer(tx) {
      try {
        await publicClient.readContract({ address: rollup, abi: rollupAbi, functionName: 'checkTransfer', args: [toRollupTransfer(tx)] })
        return undefined
      } catch (error) {
        const failure = toSettlementError(error, 'Checking the transaction')
        if (failure instanceof RollupRevertedError) return failure
        throw failure
      }
    },
    async inclusionQueue() {
      const [head, length] = await publicClient.readContract({ address: rollup, abi: rollupAbi, functionName: 'inclusionQueue' })
      return { head, length }
    },
    async inclusionRequestAt(index) {
      const [txHash, dueBlock] = await publicClient.readContract({ address: rollup, abi: rollupAbi, functionName: 'inclusionRequests', args: [index] })
      return dueBlock === 0n ? undefined : { txHash, dueBlock }
    },
    inclusionRequests: (p) => readInclusionRequests(publicClient, { rollup, ...p }),
    skipInclusionRequest: (tx) => skipInclusionRequest(clients, { rollup, transaction: tx }),
    currentRoot: async () => (await publicClient.readContract({ address: rollup, abi: rollupAbi, functionName: 'currentRoot' })) as bigint,
    async hasPendingTransactions() {
      const address = clients.walletClient.account.address
      const [pending, latest] = await Promise.all([
        publicClient.getTransactionCount({ address, blockTag: 'pending' }),
        publicClient.getTransactionCount({ address, blockTag: 'latest' }),
      ])
      return pending > latest
    },
    operatorBalance: () => publicClient.getBalance({ address: clients.walletClient.account.address }),
    async sentTransaction(hash) {
      try {
        const tx = await publicClient.getTransaction({ hash })
        return { nonce: tx.nonce, maxFeePerGas: tx.maxFeePerGas ?? tx.gasPrice ?? 0n, maxPriorityFeePerGas: tx.maxPriorityFeePerGas ?? 0n, mined: tx.blockNumber !== null }
      } catch {
        return undefined
      }
    },
    async currentFees() {
      const fees = await publicClient.estimateFeesPerGas()
      return { maxFeePerGas: fees.maxFeePerGas, maxPriorityFeePerGas: fees.maxPriorityFeePerGas }
    },
  }
}

/** What admission reads of the chain: a process without the operator's key (an api replica) has this much. */
export type RollupReader = Pick<RollupClient, 'rollup' | 'publicClient' | 'escrow' | 'blockNumber'>

/**
 * The rollup's reads that need no account.
 *
 * @example
 * const reader = createRollupReader(publicClient, rollupAddress)
 * const escrow = await reader.escrow(tx) // undefined if the deposit's funds are not escrowed
 */
export function createRollupReader(publicClient: PublicClient, rollup: Address): RollupReader {
  let depositTimeout: Promise<bigint> | undefined
  return {
    rollup,
    publicClient,
    async escrow(tx) {
      // The timeout is immutable: read once.
      depositTimeout ??= publicClient.readContract({ address: rollup, abi: rollupAbi, functionName: 'depositTimeout' }).catch((error: unknown) => {
        depositTimeout = undefined
        throw error
      })
      const key = escrowKey(tx.publicAsset, tx.extData.extAmount, tx.extDataHash, tx.commitments)
      const [[depositor, blockNumber], timeout] = await Promise.all([
        publicClient.readContract({ address: rollup, abi: rollupAbi, functionName: 'escrows', args: [key] }),
        depositTimeout,
      ])
      return depositor === zeroAddress ? undefined : { depositor, unlockBlock: blockNumber + timeout }
    },
    blockNumber: () => publicClient.getBlockNumber({ cacheTime: 0 }),
  }
}

/**
 * `keccak256(abi.encode(asset, amount, extDataHash, commitments))`, the contract's escrow key:
 * it binds the deposit's output notes, so nobody else's transaction can consume it.
 *
 * @example
 * const key = escrowKey(tx.publicAsset, tx.extData.extAmount, tx.extDataHash, tx.commitments) // 0x… (bytes32)
 * const [depositor, blockNumber] = await publicClient.readContract({ address: rollup, abi: rollupAbi, functionName: 'escrows', args: [key] })
 */
export function escrowKey(asset: bigint, amount: bigint, extDataHash: bigint, commitments: Readonly<Outputs<bigint>>): Hash {
  const address = `0x${asset.toString(16).padStart(40, '0')}` as Address
  const word = { type: 'uint256' } as const
  return keccak256(encodeAbiParameters([{ type: 'address' }, word, word, { type: 'uint256[3]' }], [address, amount, extDataHash, commitments]))
}
