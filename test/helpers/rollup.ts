// A rollup on a real anvil for contract tests and benchmarks: dev accounts, clients, the
// deployed contracts, and shielded actors that prove real transactions against a local
// mirror of the note tree.
import { type Address, createPublicClient, createTestClient, createWalletClient, http, type PublicClient, type TestClient, zeroAddress } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { buildBatchWitness, buildTransferWitness, proveBatch, proveTransaction, proveTransfer, type ShieldedTransaction, type TransferInput, feeOutput, zeroOutput } from '../../src/circuits/index.ts'
import { type ExtData, extDataHash } from '../../src/crypto/extData.ts'
import { randomFieldElement, toField } from '../../src/crypto/field.ts'
import { type AccountKeys, deriveKeys } from '../../src/crypto/keys.ts'
import { MerkleTree } from '../../src/crypto/merkleTree.ts'
import { type Note, type Outputs, TRANSFER_OUTPUTS } from '../../src/crypto/note.ts'
import type { SettlementClients } from '../../src/settlement/clients.ts'
import { deployRollup } from '../../src/settlement/deployRollup.ts'
import { deposit } from '../../src/settlement/deposit.ts'
import { type Anvil, type StartAnvilParameters, startAnvil } from '../../src/settlement/startAnvil.ts'
import type { SubmitBatchParameters } from '../../src/settlement/submitBatch.ts'

import { DEV_MNEMONIC } from '../../src/cli/devnet.ts'

export { DEV_MNEMONIC }

export type Devnet = {
  anvil: Anvil
  publicClient: PublicClient
  testClient: TestClient
  /** clients per dev account; [0] is the sequencer */
  accounts: SettlementClients[]
  rollup: Address
  deployBlock: bigint
  stop(): Promise<void>
}

export async function startDevnet(options: { escapeDelay?: bigint; depositTimeout?: bigint; anvil?: StartAnvilParameters } = {}): Promise<Devnet> {
  const anvil = await startAnvil(options.anvil)
  const transport = http(anvil.rpcUrl)
  const publicClient = createPublicClient({ chain: foundry, transport, pollingInterval: 50 }) as PublicClient
  const testClient = createTestClient({ chain: foundry, mode: 'anvil', transport })
  const accounts = [0, 1, 2].map((addressIndex) => ({
    publicClient,
    walletClient: createWalletClient({ account: mnemonicToAccount(DEV_MNEMONIC, { addressIndex }), chain: foundry, transport }),
  }))
  const deployed = await deployRollup(accounts[0]!, { escapeDelay: options.escapeDelay, depositTimeout: options.depositTimeout })
  return { anvil, publicClient, testClient, accounts, rollup: deployed.address, deployBlock: deployed.blockNumber, stop: () => anvil.stop() }
}

/** A shielded user: keys and the notes it owns, with their leaf indexes. */
export class Actor {
  readonly keys: AccountKeys
  constructor(seedByte: number) {
    this.keys = deriveKeys(new Uint8Array(32).fill(seedByte))
  }

  note(asset: bigint, amount: bigint): Note {
    return { asset, amount, ownerPk: this.keys.ownerPk, blinding: randomFieldElement() }
  }

  /**
   * Proves a transaction of `asset` spending `inputs`, paying `pay` (amount to someone) and the
   * change back to itself.
   */
  async transact(
    tree: MerkleTree,
    p: {
      asset: bigint
      inputs?: { note: Note; leafIndex: number }[]
      pay?: { to: Actor; amount: bigint }
      extAmount?: bigint
      fee?: bigint
      /** the fee note to a node's fee address (default: a zero note to itself) */
      feeNote?: { to: { ownerPk: bigint; vpk: Uint8Array }; amount: bigint }
      recipient?: Address
    },
  ): Promise<{ tx: ShieldedTransaction; payment: Note; change: Note; feeNote: Note }> {
    const inputs = p.inputs ?? []
    const extAmount = p.extAmount ?? 0n
    const fee = p.fee ?? 0n
    const feeNote = p.feeNote ? feeOutput(p.feeNote.to, p.asset, p.feeNote.amount) : zeroOutput(this.keys, p.asset)
    const total = inputs.reduce((s, i) => s + i.note.amount, 0n) + extAmount - fee - feeNote.note.amount
    const paid = p.pay?.amount ?? 0n
    const payment = p.pay ? { note: p.pay.to.note(p.asset, paid), vpk: p.pay.to.keys.vpk } : zeroOutput(this.keys, p.asset)
    const change = { note: this.note(p.asset, total - paid), vpk: this.keys.vpk }
    const tx = await proveTransaction({
      keys: this.keys,
      asset: p.asset,
      tree,
      inputs,
      outputs: [payment, change, feeNote],
      extAmount,
      fee,
      recipient: p.recipient ?? zeroAddress,
    })
    return { tx, payment: payment.note, change: change.note, feeNote: feeNote.note }
  }

  /**
   * Proves a transaction with ext data given verbatim, as an attacker does who copies someone
   * else's (public) ext data under its own notes: outputs default to two notes of its own that
   * balance the inputs and the public flow. The ciphertexts in `extData` are whatever it says.
   */
  async proveWithExtData(
    tree: MerkleTree,
    p: { asset: bigint; extData: ExtData; inputs?: { note: Note; leafIndex: number }[]; outputs?: Outputs<Note> },
  ): Promise<ShieldedTransaction> {
    const flow = p.extData.extAmount - p.extData.fee
    const publicAmount = toField(flow)
    const publicAsset = flow === 0n ? 0n : p.asset
    const inputs: TransferInput[] = (p.inputs ?? []).map((i) => ({ ...i, path: tree.path(i.leafIndex) }))
    while (inputs.length < 2) inputs.push({ note: this.note(p.asset, 0n), leafIndex: 0 })
    const total = inputs.reduce((s, i) => s + i.note.amount, 0n) + flow
    const outputs = p.outputs ?? [this.note(p.asset, total), this.note(p.asset, 0n), this.note(p.asset, 0n)]
    const hash = extDataHash(p.extData)
    const witness = buildTransferWitness({ keys: this.keys, root: tree.root, inputs: [inputs[0]!, inputs[1]!], outputs, publicAmount, publicAsset, extDataHash: hash })
    const { proof } = await proveTransfer(witness)
    return { proof, root: tree.root, publicAmount, publicAsset, extDataHash: hash, nullifiers: witness.nullifiers, commitments: witness.commitments as Outputs<bigint>, extData: p.extData }
  }
}

/** Where the payment, the change and the fee note of the `position`-th transaction of a batch land. */
export function leafIndexes(startIndex: number, position: number): Outputs<number> {
  const first = startIndex + TRANSFER_OUTPUTS * position
  return [first, first + 1, first + 2]
}

/**
 * Proves the batch update for `transactions` on top of `tree` (not modified) and returns the
 * submitBatch parameters plus a `commit()` that appends the leaves to the tree after the
 * contract accepted the batch.
 */
export async function proveBatchFor(
  tree: MerkleTree,
  rollup: Address,
  transactions: ShieldedTransaction[],
): Promise<SubmitBatchParameters & { startIndex: number; commit(): void }> {
  const leaves = transactions.flatMap((t) => t.commitments)
  const witness = buildBatchWitness(tree, leaves)
  const { proof } = await proveBatch(witness)
  return {
    rollup,
    oldRoot: witness.oldRoot,
    newRoot: witness.newRoot,
    transactions,
    batchProof: proof,
    startIndex: witness.startIndex,
    commit: () => {
      tree.insertMany(witness.input.leaves as bigint[])
    },
  }
}

export { MerkleTree }

/**
 * An L1 reorg on anvil: takes the chain back to `snapshot` (`evm_snapshot`; the transactions
 * mined since are dropped, not re-queued) and mines `blocks` empty blocks, so every height since
 * the snapshot holds another block, with another hash, and the chain grows past the old head.
 */
export async function reorgTo(devnet: Devnet, snapshot: `0x${string}`, blocks: number): Promise<void> {
  await devnet.testClient.revert({ id: snapshot })
  await devnet.testClient.mine({ blocks })
}

/** Proves a deposit of `amount` by `actor` and escrows it on L1 (from dev account 1), ready to submit. */
export async function escrowedDeposit(devnet: Devnet, actor: Actor, amount: bigint): Promise<ShieldedTransaction> {
  const { tx } = await actor.transact(new MerkleTree(), { asset: 0n, extAmount: amount })
  await deposit(devnet.accounts[1]!, { rollup: devnet.rollup, asset: zeroAddress, amount, extDataHash: tx.extDataHash, commitments: tx.commitments })
  return tx
}
