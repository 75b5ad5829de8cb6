import { BATCH_SUBTREE_HEIGHT } from '../crypto/batch.ts'
import { InvalidParameterError } from '../errors/index.ts'
import {
  assertFieldElement,
  type MerklePath,
  type MerkleTree,
  type Note,
  noteCommitment,
  noteNullifier,
  poseidon,
  rootFromPath,
  subtreeRoot,
  TREE_LEVELS,
  zeroHashes,
} from '../crypto/index.ts'

/** One input of a transfer: a note in the tree with its path, or a zero-amount dummy. */
export type TransferInput = {
  note: Note
  leafIndex: number
  /** required for a note with amount > 0; a dummy (amount 0) may leave it out */
  path?: Pick<MerklePath, 'siblings'>
}

export type TransferWitnessParameters = {
  /** the spender's keys (only `sk` and `nk` enter the witness) */
  keys: { sk: bigint; nk: bigint }
  /** a root of the note tree that contains the real inputs */
  root: bigint
  inputs: readonly [TransferInput, TransferInput]
  /** the circuit's outputs in order (production: payment, change, fee note; see TRANSFER_OUTPUTS) */
  outputs: readonly Note[]
  /** `extAmount − fee` mod r (see `toField`) */
  publicAmount: bigint
  /** the asset of the public flow; 0 for a pure transfer, which hides the asset */
  publicAsset: bigint
  extDataHash: bigint
  levels?: number
}

export type CircuitInput = Record<string, bigint | bigint[] | bigint[][] | bigint[][][]>

export type TransferWitness = {
  input: CircuitInput
  /** in circuit order: root, publicAmount, publicAsset, extDataHash, nullifier[2], commitment[outputs] */
  publicSignals: bigint[]
  nullifiers: [bigint, bigint]
  commitments: bigint[]
}

/**
 * The private and public inputs of the transfer circuit from notes, keys and paths, checked the
 * way the circuit will check them so that a bad transfer fails here with a named parameter
 * instead of as an opaque witness error.
 *
 * @example
 * const w = buildTransferWitness({ keys, root: tree.root, inputs: [{ note, leafIndex, path: tree.path(leafIndex) }, dummy],
 *   outputs: [payment, change, feeNote], publicAmount: 0n, publicAsset: 0n, extDataHash: extDataHash(extData) })
 */
export function buildTransferWitness(p: TransferWitnessParameters): TransferWitness {
  const levels = p.levels ?? TREE_LEVELS
  const ak = poseidon([p.keys.sk])
  const ownerPk = poseidon([ak, p.keys.nk])
  const asset = p.inputs[0].note.asset
  for (const [name, x] of [['root', p.root], ['publicAmount', p.publicAmount], ['publicAsset', p.publicAsset], ['extDataHash', p.extDataHash]] as const) {
    assertFieldElement(x, name)
  }
  if (p.inputs.length !== 2) throw new InvalidParameterError('inputs', 'the transfer circuit takes exactly two inputs')
  if (!Array.isArray(p.outputs) || p.outputs.length === 0) throw new InvalidParameterError('outputs', 'expected the circuit\'s outputs')
  const notes = [...p.inputs.map((i) => i.note), ...p.outputs]
  notes.forEach((n, i) => {
    if (n.asset !== asset) throw new InvalidParameterError(i < 2 ? `inputs[${i}].note.asset` : `outputs[${i - 2}].asset`, 'all notes of a transfer have one asset')
  })
  if (p.publicAmount !== 0n && p.publicAsset !== asset) throw new InvalidParameterError('publicAsset', 'a public flow must name the asset of the notes')
  const zeros = zeroHashes(levels)
  const inputs = p.inputs.map((input, i) => {
    if (input.note.ownerPk !== ownerPk) throw new InvalidParameterError(`inputs[${i}].note.ownerPk`, 'the spender does not own this note')
    const commitment = noteCommitment(input.note)
    const nullifier = noteNullifier(p.keys.nk, commitment, input.leafIndex)
    if (input.leafIndex >= 4 ** levels) throw new InvalidParameterError(`inputs[${i}].leafIndex`, `expected an index below 4^${levels}`)
    let siblings = input.path?.siblings
    if (!siblings) {
      if (input.note.amount !== 0n) throw new InvalidParameterError(`inputs[${i}].path`, 'a note with a non-zero amount needs its Merkle path')
      siblings = Array.from({ length: levels }, (_, l) => [zeros[l]!, zeros[l]!, zeros[l]!])
    }
    if (siblings.length !== levels) throw new InvalidParameterError(`inputs[${i}].path`, `expected ${levels} levels of siblings`)
    if (input.note.amount !== 0n) {
      const positions = Array.from({ length: levels }, (_, l) => Math.floor(input.leafIndex / 4 ** l) % 4)
      if (rootFromPath(commitment, { siblings, positions }) !== p.root) {
        throw new InvalidParameterError(`inputs[${i}].path`, 'the note is not in the tree under `root` at `leafIndex`')
      }
    }
    return { ...input, siblings, commitment, nullifier }
  })
  const [in0, in1] = inputs as [(typeof inputs)[0], (typeof inputs)[0]]
  if (in0.nullifier === in1.nullifier) throw new InvalidParameterError('inputs', 'the two inputs are the same note')
  const commitments = p.outputs.map(noteCommitment)
  const nullifiers: [bigint, bigint] = [in0.nullifier, in1.nullifier]
  const input: CircuitInput = {
    root: p.root,
    publicAmount: p.publicAmount,
    publicAsset: p.publicAsset,
    extDataHash: p.extDataHash,
    inputNullifier: nullifiers,
    outputCommitment: commitments,
    sk: p.keys.sk,
    nk: p.keys.nk,
    asset,
    inAmount: inputs.map((i) => i.note.amount),
    inBlinding: inputs.map((i) => i.note.blinding),
    inLeafIndex: inputs.map((i) => BigInt(i.leafIndex)),
    inPathElements: inputs.map((i) => i.siblings),
    outAmount: p.outputs.map((o) => o.amount),
    outOwnerPk: p.outputs.map((o) => o.ownerPk),
    outBlinding: p.outputs.map((o) => o.blinding),
  }
  return { input, publicSignals: [p.root, p.publicAmount, p.publicAsset, p.extDataHash, ...nullifiers, ...commitments], nullifiers, commitments }
}

export type BatchWitness = {
  input: CircuitInput
  /** in circuit order: oldRoot, newRoot, startIndex, leaves[4^height] */
  publicSignals: bigint[]
  oldRoot: bigint
  newRoot: bigint
  startIndex: number
}

/**
 * The inputs of the batch circuit for appending `leaves` (zero-padded to a whole subtree of
 * 4^height) at the tree's next subtree-aligned index. The tree is not modified.
 *
 * @example
 * const w = buildBatchWitness(tree, commitments) // then tree.insertMany(w.input.leaves)
 */
export function buildBatchWitness(tree: MerkleTree, leaves: readonly bigint[], height = BATCH_SUBTREE_HEIGHT): BatchWitness {
  const width = 4 ** height
  if (!Number.isInteger(height) || height < 1 || height >= tree.levels) throw new InvalidParameterError('height', `expected an integer from 1 to ${tree.levels - 1}`)
  if (leaves.length > width) throw new InvalidParameterError('leaves', `at most ${width} leaves per batch`)
  leaves.forEach((l, i) => assertFieldElement(l, `leaves[${i}]`))
  const subtreeIndex = Math.ceil(tree.size / width)
  if (tree.size % width !== 0) throw new InvalidParameterError('tree', `the tree size ${tree.size} is not a whole number of ${width}-leaf batches`)
  if ((subtreeIndex + 1) * width > tree.capacity) throw new InvalidParameterError('tree', 'the tree has no room for another batch')
  const padded = [...leaves, ...Array<bigint>(width - leaves.length).fill(0n)]
  const path = tree.siblingsFrom(height, subtreeIndex)
  const oldRoot = tree.root
  const newRoot = rootFromPath(subtreeRoot(padded), path)!
  const startIndex = subtreeIndex * width
  const input: CircuitInput = { oldRoot, newRoot, startIndex: BigInt(startIndex), leaves: padded, pathElements: path.siblings }
  return { input, publicSignals: [oldRoot, newRoot, BigInt(startIndex), ...padded], oldRoot, newRoot, startIndex }
}
