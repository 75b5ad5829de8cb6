import { zeroAddress } from 'viem'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { buildBatchWitness, buildTransferWitness, type Proof, proveBatch, proveTransfer, terminateProver, verifyBatch, verifyTransfer } from '../../src/circuits/index.ts'
import { bn128 } from '../../src/circuits/curve.ts'
import { MsmPool, msmPool } from '../../src/circuits/msmPool.ts'
import { deriveKeys, extDataHash, FIELD_SIZE, initCrypto, MerkleTree, type Note, noteCommitment, randomFieldElement, toField } from '../../src/crypto/index.ts'

// Full-size circuits (16 levels, 64-leaf batches) with the committed dev keys: real proofs.
beforeAll(() => initCrypto())
afterAll(() => terminateProver())

const alice = () => deriveKeys(new Uint8Array(32).fill(0xa1))
const bob = () => deriveKeys(new Uint8Array(32).fill(0xb0))
const ext = extDataHash({ recipient: zeroAddress, extAmount: 0n, fee: 0n, epk: `0x${'00'.repeat(32)}`, ciphertexts: ['0x', '0x', '0x'] })
const note = (ownerPk: bigint, amount: bigint): Note => ({ asset: 0n, amount, ownerPk, blinding: randomFieldElement() })
/** Two zero-amount inputs (no membership needed): a deposit's, or any test's. */
const dummies = (ownerPk: bigint) =>
  [
    { note: note(ownerPk, 0n), leafIndex: 0 },
    { note: note(ownerPk, 0n), leafIndex: 1 },
  ] as const
/** A deposit of `amount` into an empty tree: one note of it and two of zero (`amount` 0: a witness that proves nothing moved). */
const depositWitness = (keys: ReturnType<typeof alice>, amount: bigint) =>
  buildTransferWitness({
    keys,
    root: new MerkleTree().root,
    inputs: dummies(keys.ownerPk),
    outputs: [note(keys.ownerPk, amount), note(keys.ownerPk, 0n), note(keys.ownerPk, 0n)],
    publicAmount: amount,
    publicAsset: 0n,
    extDataHash: ext,
  })

describe('proveTransfer / verifyTransfer', () => {
  it('default: a private transfer of two notes proves and verifies; any changed public signal fails', async () => {
    const [a, b] = [alice(), bob()]
    const tree = new MerkleTree()
    const inputs = [note(a.ownerPk, 70n), note(a.ownerPk, 30n)]
    tree.insertMany([123n, ...inputs.map(noteCommitment)])
    const witness = buildTransferWitness({
      keys: a,
      root: tree.root,
      inputs: [
        { note: inputs[0]!, leafIndex: 1, path: tree.path(1) },
        { note: inputs[1]!, leafIndex: 2, path: tree.path(2) },
      ],
      outputs: [note(b.ownerPk, 85n), note(a.ownerPk, 10n), note(b.ownerPk, 5n)],
      publicAmount: 0n,
      publicAsset: 0n,
      extDataHash: ext,
    })
    const { proof, publicSignals } = await proveTransfer(witness)
    expect(publicSignals).toEqual(witness.publicSignals)
    expect(publicSignals).toHaveLength(9)
    expect(await verifyTransfer(proof, publicSignals)).toBe(true)
    for (const i of [0, 1, 3, 4, 7, 8]) {
      const tampered = [...publicSignals]
      tampered[i] = (tampered[i]! + 1n) % FIELD_SIZE
      expect(await verifyTransfer(proof, tampered), `signal ${i}`).toBe(false)
    }
    const badProof: Proof = { ...proof, a: [proof.a[0], (proof.a[1] + 1n) % FIELD_SIZE] }
    expect(await verifyTransfer(badProof, publicSignals)).toBe(false)
    expect(await verifyBatch(proof, publicSignals)).toBe(false)
  })

  it('behavior: a deposit (two dummy inputs, publicAmount > 0) and a withdrawal (publicAmount = r − x) prove', async () => {
    const a = alice()
    const tree = new MerkleTree()
    const deposit = depositWitness(a, 500n)
    const d = await proveTransfer(deposit)
    expect(await verifyTransfer(d.proof, d.publicSignals)).toBe(true)
    tree.insertMany(deposit.commitments)
    const spent = { note: { ...deposit.input, asset: 0n, amount: 500n, ownerPk: a.ownerPk, blinding: (deposit.input.outBlinding as bigint[])[0]! }, leafIndex: 0 }
    const withdrawal = buildTransferWitness({
      keys: a,
      root: tree.root,
      inputs: [
        { note: spent.note, leafIndex: 0, path: tree.path(0) },
        { note: note(a.ownerPk, 0n), leafIndex: 5 },
      ],
      outputs: [note(a.ownerPk, 200n), note(a.ownerPk, 0n), note(a.ownerPk, 0n)],
      publicAmount: toField(-300n),
      publicAsset: 0n,
      extDataHash: ext,
    })
    const w = await proveTransfer(withdrawal)
    expect(w.publicSignals[1]).toBe(FIELD_SIZE - 300n)
    expect(await verifyTransfer(w.proof, w.publicSignals)).toBe(true)
  })

  it('behavior: after its multi-exponentiation pool stopped (as a worker crash stops it), the prover proves on a new pool', async () => {
    const a = alice()
    const before = await proveTransfer(depositWitness(a, 7n)) // the circuit is loaded, its points in the pool
    expect(await verifyTransfer(before.proof, before.publicSignals)).toBe(true)
    const stopped = msmPool(await bn128())
    stopped.terminate()
    expect(stopped.closed).toBe(true)
    const after = await proveTransfer(depositWitness(a, 7n))
    expect(await verifyTransfer(after.proof, after.publicSignals)).toBe(true)
    expect(msmPool(await bn128())).not.toBe(stopped)
  })

  it('error: a pool that stops in the middle of a proof fails it as the prover\'s fault (PROOF_GENERATION_FAILED, "try again"), not the inputs\'; the next proof succeeds', async () => {
    const a = alice()
    await proveTransfer(depositWitness(a, 3n)) // loaded, so the stop below lands among the proof's multi-exponentiations
    const multiExp = MsmPool.prototype.multiExp
    const spy = vi.spyOn(MsmPool.prototype, 'multiExp').mockImplementationOnce(function (this: MsmPool, ...args) {
      const sum = multiExp.apply(this, args)
      this.terminate() // its first part is queued or running: as when a worker crashes
      return sum
    })
    try {
      await expect(proveTransfer(depositWitness(a, 3n))).rejects.toMatchObject({
        code: 'PROOF_GENERATION_FAILED',
        shortMessage: "The transfer prover's worker threads failed: try again.",
        details: 'The multi-exponentiation pool was terminated.',
      })
    } finally {
      spy.mockRestore()
    }
    const again = await proveTransfer(depositWitness(a, 3n))
    expect(await verifyTransfer(again.proof, again.publicSignals)).toBe(true)
  })

  it('error: the witness builder names what the circuit would reject', () => {
    const [a, b] = [alice(), bob()]
    const tree = new MerkleTree()
    const mine = note(a.ownerPk, 10n)
    tree.insert(noteCommitment(mine))
    const base = {
      keys: a,
      root: tree.root,
      inputs: [
        { note: mine, leafIndex: 0, path: tree.path(0) },
        { note: note(a.ownerPk, 0n), leafIndex: 0 },
      ] as const,
      outputs: [note(b.ownerPk, 10n), note(a.ownerPk, 0n), note(a.ownerPk, 0n)] as const,
      publicAmount: 0n,
      publicAsset: 0n,
      extDataHash: ext,
    }
    expect(buildTransferWitness(base).publicSignals).toHaveLength(9)
    const theirs = note(b.ownerPk, 10n)
    expect(() => buildTransferWitness({ ...base, inputs: [{ note: theirs, leafIndex: 0, path: tree.path(0) }, base.inputs[1]] })).toThrow(/`inputs\[0\].note.ownerPk`/)
    expect(() => buildTransferWitness({ ...base, root: base.root + 1n })).toThrow(/`inputs\[0\].path`/)
    expect(() => buildTransferWitness({ ...base, inputs: [{ note: mine, leafIndex: 0 }, base.inputs[1]] })).toThrow(/`inputs\[0\].path`/)
    expect(() => buildTransferWitness({ ...base, inputs: [base.inputs[0], base.inputs[0]] })).toThrow(/same note/)
    expect(() => buildTransferWitness({ ...base, outputs: [{ ...base.outputs[0], asset: 5n }, base.outputs[1], base.outputs[2]] })).toThrow(/`outputs\[0\].asset`/)
    expect(() => buildTransferWitness({ ...base, outputs: [base.outputs[0], base.outputs[1], { ...base.outputs[2], asset: 5n }] })).toThrow(/`outputs\[2\].asset`/)
    expect(() => buildTransferWitness({ ...base, publicAmount: 1n, publicAsset: 9n })).toThrow(/`publicAsset`/)
    expect(() => buildTransferWitness({ ...base, extDataHash: FIELD_SIZE })).toThrow(/`extDataHash`/)
  })

  it('error: an unbalanced transfer fails to prove with PROOF_GENERATION_FAILED', async () => {
    const a = alice()
    const witness = buildTransferWitness({
      keys: a,
      root: new MerkleTree().root,
      inputs: dummies(a.ownerPk),
      outputs: [note(a.ownerPk, 0n), note(a.ownerPk, 0n), note(a.ownerPk, 5n)], // 5 out of nothing, in the fee output
      publicAmount: 0n,
      publicAsset: 0n,
      extDataHash: ext,
    })
    await expect(proveTransfer(witness)).rejects.toMatchObject({ code: 'PROOF_GENERATION_FAILED' })
  })
})

describe('groth16Prove', () => {
  it('error: a proving key of another circuit is refused before any proving', async () => {
    const { loadCircuit, groth16Prove } = await import('../../src/circuits/groth16Prover.ts')
    const { artifactPaths } = await import('../../src/circuits/artifacts.ts')
    const mismatched = await loadCircuit(artifactPaths('transfer').wasm, artifactPaths('batch').zkey)
    const w = depositWitness(alice(), 0n)
    await expect(groth16Prove(mismatched, w.input)).rejects.toThrow(/the proving key expects/)
  })

  it('error: bytes that are not a zkey are CIRCUIT_ARTIFACT_INVALID, naming the file (the browser loads keys from bytes)', async () => {
    const { readFileSync } = await import('node:fs')
    const { loadCircuitFromBytes } = await import('../../src/circuits/groth16Prover.ts')
    const { artifactPaths } = await import('../../src/circuits/artifacts.ts')
    const wasm = readFileSync(artifactPaths('transfer').wasm)
    await expect(loadCircuitFromBytes(wasm, wasm, { name: 'transfer.zkey' })).rejects.toMatchObject({ code: 'CIRCUIT_ARTIFACT_INVALID', shortMessage: 'transfer.zkey is not a zkey file.' })
  })
})

describe('artifacts', () => {
  it('error: missing keys or manifest are CIRCUIT_ARTIFACT_INVALID and say to run the setup', async () => {
    const { loadVerificationKey, readManifest } = await import('../../src/circuits/artifacts.ts')
    const nowhere = '.cache/no-artifacts-here'
    expect(() => loadVerificationKey('transfer', nowhere)).toThrow(expect.objectContaining({ code: 'CIRCUIT_ARTIFACT_INVALID', message: expect.stringContaining('npm run setup') }))
    expect(() => readManifest(`${nowhere}/manifest.json`)).toThrow(expect.objectContaining({ code: 'CIRCUIT_ARTIFACT_INVALID' }))
    expect(loadVerificationKey('transfer')).toMatchObject({ protocol: 'groth16', nPublic: 9 })
  })
})

describe('proveBatch / verifyBatch', () => {
  it('default: a partial batch at index 0 and a full one at index 64 prove, verify and match the tree', async () => {
    const tree = new MerkleTree()
    const first = buildBatchWitness(tree, [11n, 22n, 33n])
    expect(first.startIndex).toBe(0)
    const p1 = await proveBatch(first)
    expect(await verifyBatch(p1.proof, p1.publicSignals)).toBe(true)
    tree.insertMany(first.publicSignals.slice(3))
    expect(tree.root).toBe(first.newRoot)
    const second = buildBatchWitness(
      tree,
      Array.from({ length: 64 }, (_, i) => BigInt(i + 100)),
    )
    expect(second.startIndex).toBe(64)
    expect(second.oldRoot).toBe(first.newRoot)
    const p2 = await proveBatch(second)
    expect(await verifyBatch(p2.proof, p2.publicSignals)).toBe(true)
    const tampered = [...p2.publicSignals]
    tampered[10] = 0n
    expect(await verifyBatch(p2.proof, tampered)).toBe(false)
    tree.insertMany(second.publicSignals.slice(3))
    expect(tree.root).toBe(second.newRoot)
  })

  it('error: too many leaves, or a tree not at a batch boundary', () => {
    const tree = new MerkleTree()
    expect(() => buildBatchWitness(tree, Array(65).fill(1n))).toThrow(/`leaves`/)
    tree.insert(1n)
    expect(() => buildBatchWitness(tree, [2n])).toThrow(/`tree`/)
  })
})
