import { type Address, bytesToHex, type Hex, zeroAddress } from 'viem'
import { type ExtData, extDataHash } from '../crypto/extData.ts'
import { randomFieldElement, toField } from '../crypto/field.ts'
import type { MerkleTree } from '../crypto/merkleTree.ts'
import { type Note, type Outputs, TRANSFER_OUTPUTS } from '../crypto/note.ts'
import { encryptNotes, type NoteRecipient } from '../crypto/noteEncryption.ts'
import { InvalidParameterError } from '../errors/index.ts'
import type { Proof } from './prove.ts'
import { buildTransferWitness, type TransferInput, type TransferWitness } from './witness.ts'

/**
 * One output of a transaction: the note and whom to encrypt it to: the recipient's viewing
 * public key, or (for a note the spender keeps: change, padding) the spender's internal key,
 * which its incoming viewing key cannot read.
 */
export type TransactionOutput = {
  note: Note
  /** at most 128 bytes, encrypted with the note */
  memo?: string | Uint8Array
} & (
  | {
      /** the recipient's x25519 viewing public key (from their address) */
      vpk: Uint8Array
      internalKey?: undefined
    }
  | {
      /** the spender's own internal key (`AccountKeys.internalKey`): a note to itself */
      internalKey: Uint8Array
      vpk?: undefined
    }
)

export type ProveTransactionParameters = {
  /** the spender's keys; `ownerPk` also owns the dummy inputs */
  keys: { sk: bigint; nk: bigint; ownerPk: bigint }
  /** the asset of every note of the transaction (0 for ETH, else the token address) */
  asset: bigint
  /** the note tree the inputs are in (its current root is proven against) */
  tree: MerkleTree
  /** 0 to 2 notes to spend, with their leaf indexes; missing inputs become zero-amount dummies */
  inputs: readonly { note: Note; leafIndex: number }[]
  /**
   * exactly 3 outputs: the payment (or one's own note), the change, the fee note to the
   * operator (`feeOutput`); a zero-amount output to oneself (`zeroOutput`) fills an unused one
   */
  outputs: Readonly<Outputs<TransactionOutput>>
  /** > 0 deposit, < 0 withdrawal, 0 (default) private transfer */
  extAmount?: bigint
  /** a public tip to the batch submitter in `asset` (default 0; the operator's price is the fee note) */
  fee?: bigint
  /** L1 recipient of a withdrawal */
  recipient?: Address
}

/**
 * A proven shielded transaction, shaped as Rollup.sol's `Transfer` struct plus the ext data
 * in the SDK's form: what a wallet sends to the sequencer and the sequencer to the chain.
 */
export type ShieldedTransaction = {
  proof: Proof
  root: bigint
  publicAmount: bigint
  publicAsset: bigint
  extDataHash: bigint
  nullifiers: [bigint, bigint]
  commitments: Outputs<bigint>
  extData: ExtData
}

/** Makes a transfer proof for a witness: Node's in-process prover, or a browser's Web Worker. */
export type TransferProver = (witness: TransferWitness) => Promise<{ proof: Proof }>

/**
 * Builds, encrypts and proves one 2-in-3-out transaction with `prove` (see `proveTransaction`,
 * which proves in this process): picks dummies for missing inputs, encrypts the outputs to their
 * recipients, computes `publicAmount = extAmount − fee (mod r)` and binds the ext data into the
 * proof. This module loads no prover: a browser passes its worker's.
 *
 * @example
 * const tx = await buildShieldedTransaction({ keys, asset: 0n, tree, inputs: [], outputs, extAmount: 10n }, (w) => workerProver.proveTransfer(w))
 */
export async function buildShieldedTransaction(p: ProveTransactionParameters, prove: TransferProver): Promise<ShieldedTransaction> {
  if (!Array.isArray(p.inputs) || p.inputs.length > 2) throw new InvalidParameterError('inputs', 'expected at most 2 notes')
  if (!Array.isArray(p.outputs) || p.outputs.length !== TRANSFER_OUTPUTS) throw new InvalidParameterError('outputs', `expected exactly ${TRANSFER_OUTPUTS} outputs`)
  const extAmount = p.extAmount ?? 0n
  const fee = p.fee ?? 0n
  const publicAmount = toField(extAmount - fee)
  const inputs: TransferInput[] = p.inputs.map(({ note, leafIndex }) => ({ note, leafIndex, path: p.tree.path(leafIndex) }))
  while (inputs.length < 2) {
    inputs.push({ note: { asset: p.asset, amount: 0n, ownerPk: p.keys.ownerPk, blinding: randomFieldElement() }, leafIndex: 0 })
  }
  const { epk, ciphertexts } = encryptNotes(
    p.outputs.map(({ note, memo }) => ({ note, ...(memo === undefined ? {} : { memo }) })),
    p.outputs.map((o): NoteRecipient => (o.internalKey === undefined ? o.vpk : { internalKey: o.internalKey })),
  )
  const extData: ExtData = {
    recipient: p.recipient ?? zeroAddress,
    extAmount,
    fee,
    epk: bytesToHex(epk),
    ciphertexts: ciphertexts.map((c) => bytesToHex(c)) as Outputs<Hex>,
  }
  const hash = extDataHash(extData)
  const publicAsset = publicAmount === 0n ? 0n : p.asset
  const witness = buildTransferWitness({
    keys: p.keys,
    root: p.tree.root,
    inputs: [inputs[0]!, inputs[1]!],
    outputs: p.outputs.map((o) => o.note),
    publicAmount,
    // A transaction without public flow hides its asset (the contract insists on 0).
    publicAsset,
    extDataHash: hash,
  })
  const { proof } = await prove(witness)
  return {
    proof,
    root: p.tree.root,
    publicAmount,
    publicAsset,
    extDataHash: hash,
    nullifiers: witness.nullifiers,
    commitments: witness.commitments as Outputs<bigint>,
    extData,
  }
}

/**
 * A transaction's public inputs in the transfer circuit's order: root, publicAmount, publicAsset, extDataHash, nullifiers, commitments.
 *
 * @example
 * await verifyTransfer(tx.proof, transferPublicSignals(tx)) // 9 signals: root, publicAmount, publicAsset, extDataHash, nf×2, cm×3
 */
export function transferPublicSignals(tx: ShieldedTransaction): bigint[] {
  return [tx.root, tx.publicAmount, tx.publicAsset, tx.extDataHash, ...tx.nullifiers, ...tx.commitments]
}

/**
 * The fee note: `amount` of `asset` to the operator's shielded address (`GET /v1/status` gives it
 * and the price per asset). The operator decrypts it with its viewing key at admission.
 *
 * @example
 * const fee = feeOutput(decodeAddress(fees.address), 0n, 10_000_000_000_000n) // the third output of proveTransaction
 */
export function feeOutput(operator: { ownerPk: bigint; vpk: Uint8Array }, asset: bigint, amount: bigint): TransactionOutput {
  return { note: { asset, amount, ownerPk: operator.ownerPk, blinding: randomFieldElement() }, vpk: operator.vpk }
}

/**
 * A zero-amount output to `keys` itself, for transactions with fewer real outputs than the
 * circuit has: internal like change, so an incoming viewing key cannot even see the padding.
 *
 * @example
 * const outputs = [payment, zeroOutput(keys, 0n), feeOutput(operator, 0n, fee)]
 */
export function zeroOutput(keys: { ownerPk: bigint; internalKey: Uint8Array }, asset: bigint): TransactionOutput {
  return { note: { asset, amount: 0n, ownerPk: keys.ownerPk, blinding: randomFieldElement() }, internalKey: keys.internalKey }
}
