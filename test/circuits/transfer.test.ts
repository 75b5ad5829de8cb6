import { beforeAll, describe, expect, it } from 'vitest'
import {
  type AccountKeys,
  type CircuitInput,
  type CompiledCircuit,
  calculateWitness,
  commitmentOf,
  compileTestCircuit,
  FIELD_SIZE,
  failureAt,
  initCrypto,
  lineOf,
  MerkleTree,
  type Note,
  noteNullifier,
  publicSignals,
  satisfiesR1cs,
  testKeys,
} from '../helpers/circuit.ts'

// A small instance (4 levels, 256 leaves) of the production template: same constraints per
// level, compiled in seconds, with production's three outputs (payment, change, fee note).
const LEVELS = 4
const OUTPUTS = 3
const SOURCE = 'circuits/lib/transfer.circom'
const PUBLICS = ['root', 'publicAmount', 'publicAsset', 'extDataHash', 'inputNullifier', 'outputCommitment'] as const

const r = FIELD_SIZE
const USDC = 0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48n
const DAI = 0x6b175474e89094c44da98b954eedeac495271d0fn

let circuit: CompiledCircuit
/** Lines of the constraints the failing tests expect to stop the witness. */
let at: Record<
  'assetRange' | 'inAmountRange' | 'nullifier' | 'indexRange' | 'membership' | 'distinct' | 'outAmountRange' | 'outCommitment' | 'balance' | 'publicAsset',
  RegExp
>

let alice: AccountKeys
let bob: AccountKeys
/** The node operator, paid by fee notes (the third output). */
let operator: AccountKeys
let tree: MerkleTree
/** Alice's notes in the tree, by name, with their leaf index. */
const owned: Record<string, { note: Note; leafIndex: number }> = {}

type Spend = { note: Note; leafIndex: number; siblings: bigint[][] }
type TransferCase = {
  keys: AccountKeys
  asset: bigint
  root: bigint
  inputs: [Spend, Spend]
  outputs: [Note, Note, Note]
  publicAmount?: bigint
  publicAsset?: bigint
  extDataHash?: bigint
}

/**
 * A witness input whose public values are computed from the private ones as the prover
 * computes them: input notes are opened with the spender's key and the transaction's asset.
 */
function transferInput(c: TransferCase): CircuitInput {
  const opened = c.inputs.map((i) => commitmentOf({ ...i.note, asset: c.asset, ownerPk: c.keys.ownerPk }))
  return {
    root: c.root,
    publicAmount: c.publicAmount ?? 0n,
    publicAsset: c.publicAsset ?? 0n,
    extDataHash: c.extDataHash ?? 0x1234n,
    inputNullifier: c.inputs.map((i, k) => noteNullifier(c.keys.nk, opened[k] as bigint, i.leafIndex)),
    outputCommitment: c.outputs.map(commitmentOf),
    sk: c.keys.sk,
    nk: c.keys.nk,
    asset: c.asset,
    inAmount: c.inputs.map((i) => i.note.amount),
    inBlinding: c.inputs.map((i) => i.note.blinding),
    inLeafIndex: c.inputs.map((i) => i.leafIndex),
    inPathElements: c.inputs.map((i) => i.siblings),
    outAmount: c.outputs.map((o) => o.amount),
    outOwnerPk: c.outputs.map((o) => o.ownerPk),
    outBlinding: c.outputs.map((o) => o.blinding),
  }
}

/** Spends one of Alice's notes with its real path. */
function spend(name: string): Spend {
  const owned_ = owned[name]
  if (!owned_) throw new Error(`no note ${name}`)
  return { ...owned_, siblings: tree.path(owned_.leafIndex).siblings }
}

/** A zero-amount dummy input: any index and any path. */
function dummy(blinding: bigint, asset = USDC): Spend {
  const garbage = Array.from({ length: LEVELS }, (_, i) => [BigInt(1000 + i), BigInt(2000 + i), BigInt(3000 + i)])
  return { note: { asset, amount: 0n, ownerPk: alice.ownerPk, blinding }, leafIndex: Number(blinding % 256n), siblings: garbage }
}

function out(owner: AccountKeys, amount: bigint, blinding: bigint, asset = USDC): Note {
  return { asset, amount, ownerPk: owner.ownerPk, blinding }
}

/** 100 + 250 USDC of Alice's → 300 to Bob, 45 change, a fee note of 5 to the operator. */
function baseTransfer(): TransferCase {
  return {
    keys: alice,
    asset: USDC,
    root: tree.root,
    inputs: [spend('a100'), spend('b250')],
    outputs: [out(bob, 300n, 31n), out(alice, 45n, 32n), out(operator, 5n, 33n)],
  }
}

/** 200 USDC withdrawn from 350: 150 change, no payment, no fee. */
const withdrawalOutputs = (): [Note, Note, Note] => [out(alice, 150n, 51n), out(bob, 0n, 52n), out(alice, 0n, 53n)]

beforeAll(async () => {
  await initCrypto()
  circuit = await compileTestCircuit({ name: 'transfer-l4-o3', include: SOURCE, main: `Transfer(${LEVELS}, ${OUTPUTS})`, publics: PUBLICS })

  const frame = async (text: string) => failureAt('Transfer', await lineOf(SOURCE, text))
  at = {
    assetRange: await frame('_ <== Num2Bits(160)(asset);'),
    inAmountRange: await frame('_ <== Num2Bits(128)(inAmount[i]);'),
    nullifier: await frame('inNullifier[i] === inputNullifier[i];'),
    indexRange: await frame('inIndexBits[i].in <== inLeafIndex[i];'),
    membership: await frame('inRootCheck[i].in[1] <== inRoot[i].root;'),
    distinct: await frame('distinctNullifiers.b <== inputNullifier[1];'),
    outAmountRange: await frame('_ <== Num2Bits(128)(outAmount[i]);'),
    outCommitment: await frame('outCommitment[i] === outputCommitment[i];'),
    balance: await frame('inAmount[0] + inAmount[1] + publicAmount === outSum;'),
    publicAsset: await frame('publicAmount * (publicAsset - asset) === 0;'),
  }

  alice = testKeys(0xa1)
  bob = testKeys(0xb0)
  operator = testKeys(0x0e)

  // Alice's notes sit among other users' commitments, at indices whose base-4 digits cover
  // every position: 6 = (2,1,0,0), 27 = (3,2,1,0), 201 = (1,2,0,3), 228 = (0,1,2,3).
  tree = new MerkleTree({ levels: LEVELS })
  const place: Record<number, [string, Note]> = {
    6: ['a100', out(alice, 100n, 11n)],
    27: ['b250', out(alice, 250n, 12n)],
    201: ['max', out(alice, (1n << 128n) - 1n, 13n)],
    202: ['over', out(alice, 1n << 128n, 14n)],
    203: ['rMinus1', out(alice, r - 1n, 15n)],
    204: ['badAsset', out(alice, 100n, 16n, 1n << 160n)],
    205: ['badAsset2', out(alice, 250n, 17n, 1n << 160n)],
    206: ['eth', out(alice, 70n, 18n, 0n)],
    207: ['eth2', out(alice, 30n, 19n, 0n)],
    228: ['dai', out(alice, 40n, 20n, DAI)],
  }
  for (let i = 0; i < 230; i++) {
    const mine = place[i]
    if (mine) owned[mine[0]] = { note: mine[1], leafIndex: tree.insert(commitmentOf(mine[1])) }
    else tree.insert(BigInt(0xf111e4) * BigInt(i + 1))
  }
})

/**
 * The circuit accepts the case, and its public signals are the values computed outside it (the
 * tree's root, and nullifiers and commitments from the TypeScript note functions), in order.
 */
async function expectAccepted(c: TransferCase): Promise<void> {
  const input = transferInput(c)
  const witness = await calculateWitness(circuit, input)
  expect(publicSignals(circuit, witness)).toEqual([
    c.root,
    c.publicAmount ?? 0n,
    c.publicAsset ?? 0n,
    c.extDataHash ?? 0x1234n,
    ...c.inputs.map((i) => noteNullifier(c.keys.nk, commitmentOf({ ...i.note, asset: c.asset, ownerPk: c.keys.ownerPk }), i.leafIndex)),
    ...c.outputs.map(commitmentOf),
  ])
}

describe('Transfer', () => {
  it('default: a transfer of two notes with a fee note satisfies every constraint', async () => {
    const witness = await calculateWitness(circuit, transferInput(baseTransfer()))
    expect(witness[0]).toBe(1n)
  })

  it('default: public signals are root, publicAmount, publicAsset, extDataHash, nullifiers, commitments', async () => {
    const input = transferInput({ ...baseTransfer(), extDataHash: 0xe47dn })
    const witness = await calculateWitness(circuit, input)
    expect(circuit.publicInputs).toBe(9)
    expect(circuit.publicOutputs).toBe(0)
    expect(publicSignals(circuit, witness)).toEqual([
      input.root,
      0n,
      0n,
      0xe47dn,
      ...(input.inputNullifier as bigint[]),
      ...(input.outputCommitment as bigint[]),
    ])
  })

  it('behavior: a pure transfer leaves publicAsset free, hiding the asset', async () => {
    await expectAccepted({ ...baseTransfer(), publicAsset: DAI })
  })

  it('behavior: a deposit has two zero-amount dummy inputs with arbitrary paths', async () => {
    const deposit: TransferCase = {
      keys: alice,
      asset: USDC,
      root: tree.root,
      inputs: [dummy(41n), dummy(42n)],
      outputs: [out(alice, 500n, 43n), out(alice, 0n, 44n), out(alice, 0n, 45n)],
      publicAmount: 500n,
      publicAsset: USDC,
    }
    await expectAccepted(deposit)
  })

  it('behavior: a withdrawal has publicAmount = r - amount', async () => {
    const withdrawal: TransferCase = { ...baseTransfer(), outputs: withdrawalOutputs(), publicAmount: r - 200n, publicAsset: USDC }
    await expectAccepted(withdrawal)
  })

  it('behavior: one real input and one dummy', async () => {
    const c: TransferCase = { ...baseTransfer(), inputs: [dummy(61n, DAI), spend('dai')], asset: DAI, outputs: [out(bob, 40n, 62n, DAI), out(alice, 0n, 63n, DAI), out(alice, 0n, 64n, DAI)] }
    await expectAccepted(c)
  })

  it('args: ETH is asset 0', async () => {
    const c: TransferCase = {
      ...baseTransfer(),
      asset: 0n,
      inputs: [spend('eth'), spend('eth2')],
      outputs: [out(bob, 55n, 71n, 0n), out(alice, 0n, 72n, 0n), out(operator, 5n, 73n, 0n)],
      publicAmount: r - 40n,
      publicAsset: 0n,
    }
    await expectAccepted(c)
  })

  it('args: amounts up to 2^128 - 1 are accepted', async () => {
    const max = (1n << 128n) - 1n
    const c: TransferCase = { ...baseTransfer(), inputs: [spend('max'), dummy(81n)], outputs: [out(bob, max, 82n), out(alice, 0n, 83n), out(alice, 0n, 84n)] }
    await expectAccepted(c)
  })

  it('error: a root the note is not under', async () => {
    const c = { ...baseTransfer(), root: tree.root + 1n }
    await expect(calculateWitness(circuit, transferInput(c))).rejects.toThrow(at.membership)
  })

  it('error: a non-zero input with an arbitrary path', async () => {
    const fake = { ...dummy(91n), note: out(alice, 100n, 91n) }
    const c: TransferCase = { ...baseTransfer(), inputs: [fake, spend('b250')] }
    await expect(calculateWitness(circuit, transferInput(c))).rejects.toThrow(at.membership)
  })

  it('error: a note of another owner (spending key does not match)', async () => {
    const c: TransferCase = { ...baseTransfer(), keys: bob }
    await expect(calculateWitness(circuit, transferInput(c))).rejects.toThrow(at.membership)
  })

  it('error: a leaf index that does not match the path', async () => {
    // Index 7 with the path of index 6: the nullifier is honest for 7, but the derived
    // position puts the note in the wrong slot, so the root differs.
    const wrong = { ...spend('a100'), leafIndex: 7 }
    const c: TransferCase = { ...baseTransfer(), inputs: [wrong, spend('b250')] }
    await expect(calculateWitness(circuit, transferInput(c))).rejects.toThrow(at.membership)
  })

  it('error: a leaf index past the tree capacity (same path, another nullifier)', async () => {
    // 6 + 4^levels has the same base-4 digits as 6: without the range check this would give a
    // second valid nullifier for the same note.
    const alias = { ...spend('a100'), leafIndex: 6 + 4 ** LEVELS }
    const c: TransferCase = { ...baseTransfer(), inputs: [alias, spend('b250')] }
    await expect(calculateWitness(circuit, transferInput(c))).rejects.toThrow(at.indexRange)
  })

  it('error: a wrong nullifier', async () => {
    const input = transferInput(baseTransfer())
    const [nf0, nf1] = input.inputNullifier as bigint[]
    await expect(calculateWitness(circuit, { ...input, inputNullifier: [nf0, (nf1 as bigint) + 1n] })).rejects.toThrow(at.nullifier)
  })

  it('error: a nullifier computed with another leaf index', async () => {
    const input = transferInput(baseTransfer())
    const a = owned.a100 as { note: Note }
    const other = noteNullifier(alice.nk, commitmentOf(a.note), 5)
    await expect(calculateWitness(circuit, { ...input, inputNullifier: [other, (input.inputNullifier as bigint[])[1]] })).rejects.toThrow(at.nullifier)
  })

  it('error: the same note spent twice (equal nullifiers)', async () => {
    const c: TransferCase = { ...baseTransfer(), inputs: [spend('a100'), spend('a100')], outputs: [out(bob, 200n, 31n), out(alice, 0n, 32n), out(alice, 0n, 33n)] }
    await expect(calculateWitness(circuit, transferInput(c))).rejects.toThrow(at.distinct)
  })

  it('error: an input amount of 2^128', async () => {
    const half = 1n << 127n
    const c: TransferCase = { ...baseTransfer(), inputs: [spend('over'), dummy(101n)], outputs: [out(bob, half, 102n), out(alice, half, 103n), out(alice, 0n, 104n)] }
    await expect(calculateWitness(circuit, transferInput(c))).rejects.toThrow(at.inAmountRange)
  })

  it('error: an input amount of r - 1 used to wrap the balance', async () => {
    // r - 1 is -1 in the field: (r - 1) + 250 balances 249 out. The input range check, not the
    // balance, must reject it, so that the balance stays an equation over the integers.
    const c: TransferCase = { ...baseTransfer(), inputs: [spend('rMinus1'), spend('b250')], outputs: [out(bob, 249n, 111n), out(alice, 0n, 112n), out(alice, 0n, 113n)] }
    await expect(calculateWitness(circuit, transferInput(c))).rejects.toThrow(at.inAmountRange)
  })

  it('error: an output amount of r - 1 used to wrap the balance', async () => {
    // 351 + (r - 1) + 0 = 350 = 100 + 250: balanced in the field, 351 minted out of 350.
    const c: TransferCase = { ...baseTransfer(), outputs: [out(bob, 351n, 121n), out(alice, r - 1n, 122n), out(operator, 0n, 123n)] }
    await expect(calculateWitness(circuit, transferInput(c))).rejects.toThrow(at.outAmountRange)
    // The same wrap through the fee note: 300 + 51 + (r - 1) = 350.
    const viaFee: TransferCase = { ...baseTransfer(), outputs: [out(bob, 300n, 124n), out(alice, 51n, 125n), out(operator, r - 1n, 126n)] }
    await expect(calculateWitness(circuit, transferInput(viaFee))).rejects.toThrow(at.outAmountRange)
  })

  it('error: an output amount of 2^128', async () => {
    const c: TransferCase = { ...baseTransfer(), inputs: [spend('max'), dummy(131n)], outputs: [out(bob, 1n << 128n, 132n), out(alice, 0n, 133n), out(alice, 0n, 134n)], publicAmount: 1n, publicAsset: USDC }
    await expect(calculateWitness(circuit, transferInput(c))).rejects.toThrow(at.outAmountRange)
  })

  it('error: outputs worth more than inputs plus publicAmount', async () => {
    const c: TransferCase = { ...baseTransfer(), outputs: [out(bob, 300n, 31n), out(alice, 51n, 32n), out(operator, 0n, 33n)] }
    await expect(calculateWitness(circuit, transferInput(c))).rejects.toThrow(at.balance)
    // The fee note counts like any output: a fee on top of the full change is one unit too many.
    const feeOnTop: TransferCase = { ...baseTransfer(), outputs: [out(bob, 300n, 31n), out(alice, 45n, 32n), out(operator, 6n, 33n)] }
    await expect(calculateWitness(circuit, transferInput(feeOnTop))).rejects.toThrow(at.balance)
  })

  it('error: a withdrawal larger than the inputs', async () => {
    const c: TransferCase = { ...baseTransfer(), outputs: withdrawalOutputs(), publicAmount: r - 201n, publicAsset: USDC }
    await expect(calculateWitness(circuit, transferInput(c))).rejects.toThrow(at.balance)
  })

  it('error: a public flow whose publicAsset is not the notes asset', async () => {
    const deposit: TransferCase = {
      keys: alice,
      asset: USDC,
      root: tree.root,
      inputs: [dummy(141n), dummy(142n)],
      outputs: [out(alice, 500n, 143n), out(alice, 0n, 144n), out(alice, 0n, 145n)],
      publicAmount: 500n,
      publicAsset: DAI,
    }
    await expect(calculateWitness(circuit, transferInput(deposit))).rejects.toThrow(at.publicAsset)
  })

  it('error: the R1CS binds every public signal (a valid witness with one of them changed)', async () => {
    // A withdrawal, so that the public flow binds publicAsset too. The witness generator is
    // bypassed: this is what the proof itself enforces after --O2.
    const withdrawal: TransferCase = { ...baseTransfer(), outputs: withdrawalOutputs(), publicAmount: r - 200n, publicAsset: USDC }
    const witness = await calculateWitness(circuit, transferInput(withdrawal))
    expect(await satisfiesR1cs(circuit, witness)).toBe(true)
    for (let i = 1; i <= 9; i++) {
      const tampered = [...witness]
      tampered[i] = ((tampered[i] as bigint) + 1n) % r
      expect({ signal: i, satisfied: await satisfiesR1cs(circuit, tampered) }).toEqual({ signal: i, satisfied: false })
    }
  })

  it('behavior: without a public flow publicAsset is not bound by the R1CS', async () => {
    const witness = await calculateWitness(circuit, transferInput(baseTransfer()))
    const tampered = [...witness]
    tampered[3] = DAI // publicAsset
    expect(await satisfiesR1cs(circuit, tampered)).toBe(true)
  })

  it('error: a tampered output commitment', async () => {
    const input = transferInput(baseTransfer())
    const [cm0, cm1, cm2] = input.outputCommitment as bigint[]
    const redirected = commitmentOf(out(bob, 45n, 32n)) // the change sent to Bob instead
    expect(redirected).not.toBe(cm1)
    await expect(calculateWitness(circuit, { ...input, outputCommitment: [cm0, redirected, cm2] })).rejects.toThrow(at.outCommitment)
    const feeBack = commitmentOf(out(alice, 5n, 33n)) // the fee note kept by Alice instead
    expect(feeBack).not.toBe(cm2)
    await expect(calculateWitness(circuit, { ...input, outputCommitment: [cm0, cm1, feeBack] })).rejects.toThrow(at.outCommitment)
  })

  it('error: an asset of 2^160 or more', async () => {
    const big = 1n << 160n
    const c: TransferCase = { ...baseTransfer(), asset: big, inputs: [spend('badAsset'), spend('badAsset2')], outputs: [out(bob, 350n, 151n, big), out(alice, 0n, 152n, big), out(alice, 0n, 153n, big)] }
    await expect(calculateWitness(circuit, transferInput(c))).rejects.toThrow(at.assetRange)
  })
})
