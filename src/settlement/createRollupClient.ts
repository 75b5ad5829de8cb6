import { type Address, encodeAbiParameters, type Hash, keccak256, type PublicClient } from 'viem'
import type { Proof, ShieldedTransaction } from '../circuits/index.ts'
import type { MerkleTree } from '../crypto/merkleTree.ts'
import type { SettlementClients } from './clients.ts'
import { rollupAbi } from './generated/contracts.ts'
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
  isEscrowed(asset: bigint, amount: bigint, extDataHash: bigint): Promise<boolean>
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
    rollup,
    publicClient,
    account: clients.walletClient.account.address,
    async submitBatch(p) {
      const { hash, receipt, gasUsed } = await submitBatch(clients, { rollup, ...p })
      return { hash, blockNumber: receipt.blockNumber, gasUsed }
    },
    sync: (p) => syncFromL1(publicClient, { rollup, ...p }),
    async isEscrowed(asset, amount, extDataHash) {
      const key = await publicClient.readContract({ address: rollup, abi: rollupAbi, functionName: 'escrows', args: [escrowKey(asset, amount, extDataHash)] })
      return (key as readonly [Address, bigint])[0] !== '0x0000000000000000000000000000000000000000'
    },
    currentRoot: async () => (await publicClient.readContract({ address: rollup, abi: rollupAbi, functionName: 'currentRoot' })) as bigint,
    blockNumber: () => publicClient.getBlockNumber({ cacheTime: 0 }),
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

/** `keccak256(abi.encode(asset, amount, extDataHash))`, the contract's escrow key. */
export function escrowKey(asset: bigint, amount: bigint, extDataHash: bigint): Hash {
  const address = `0x${asset.toString(16).padStart(40, '0')}` as Address
  return keccak256(encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }, { type: 'uint256' }], [address, amount, extDataHash]))
}
