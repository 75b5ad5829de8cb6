import { type Address, bytesToHex, type Hex, zeroAddress } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeTransactionUnchecked } from '../../src/circuits/codec.ts'
import { type ShieldedTransaction, terminateProver, transactionCodec, type TransactionJson, toTransactionJson } from '../../src/circuits/index.ts'
import { BASE_FIELD_SIZE } from '../../src/circuits/proofPoints.ts'
import { extDataHash } from '../../src/crypto/extData.ts'
import { FIELD_SIZE, randomFieldElement, toField } from '../../src/crypto/field.ts'
import type { Outputs } from '../../src/crypto/note.ts'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import { CONTRACT_REJECTIONS } from '../../src/sequencer/rejections.ts'
import type { SettlementClients } from '../../src/settlement/clients.ts'
import { deposit } from '../../src/settlement/deposit.ts'
import { rollupAbi } from '../../src/settlement/generated/contracts.ts'
import { toRollupTransfer } from '../../src/settlement/rollupTransfer.ts'
import { toSettlementError } from '../../src/settlement/sendRollupTransaction.ts'
import { submitBatch } from '../../src/settlement/submitBatch.ts'
import { startTestNode, type TestNode } from '../helpers/node.ts'
import { Actor, type Devnet, leafIndexes, MerkleTree, proveBatchFor, startDevnet } from '../helpers/rollup.ts'
import { nonSubgroupG2 } from './helpers.ts'

// Admission against the contract, mutation by mutation: valid transactions (a deposit, a private
// transfer, a withdrawal with a fee) are changed in every way we could think of, and the node's
// verdict (the HTTP schema, then `Sequencer.check`, which is `submit` without the insert) must
// equal the contract's (an eth_call of `submitBatch` with a one-transaction batch and a real
// batch proof). Admission accepting what the contract refuses would let one transaction revert
// whole batches; the reverse would lose users' transactions. The node's own policies (the fee
// note, the deposit margin, pending nullifiers) are set so that they do not apply here: the node
// has no fee policy, so the third output is a plain zero note.

const ETH = 0n
let devnet: Devnet
let node: TestNode
let sequencer: SettlementClients
let rollup: Address
let tree: MerkleTree
type Base = { name: string; tx: ShieldedTransaction; batch: Awaited<ReturnType<typeof proveBatchFor>> }
const bases: Base[] = []
let spentNullifier: bigint

beforeAll(async () => {
  await initCrypto()
  tree = new MerkleTree()
  devnet = await startDevnet({ escapeDelay: 10_000n, depositTimeout: 10_000n })
  sequencer = devnet.accounts[0]!
  rollup = devnet.rollup
  const alice = new Actor(31)
  const bob = new Actor(32)
  // Two notes of alice's on L1, and one spent note whose nullifiers mutations can reuse.
  const funded = await alice.transact(tree, { asset: ETH, extAmount: 5000n })
  await deposit(devnet.accounts[1]!, { rollup, asset: zeroAddress, amount: 5000n, extDataHash: funded.tx.extDataHash, commitments: funded.tx.commitments })
  const first = await proveBatchFor(tree, rollup, [funded.tx])
  await submitBatch(sequencer, first)
  first.commit()
  const note = { note: funded.change, leafIndex: leafIndexes(first.startIndex, 0)[1] }
  spentNullifier = funded.tx.nullifiers[0]

  const depositTx = (await alice.transact(tree, { asset: ETH, extAmount: 700n })).tx
  await deposit(devnet.accounts[1]!, { rollup, asset: zeroAddress, amount: 700n, extDataHash: depositTx.extDataHash, commitments: depositTx.commitments })
  const transfer = (await alice.transact(tree, { asset: ETH, inputs: [note], pay: { to: bob, amount: 1200n } })).tx
  const withdrawal = (await alice.transact(tree, { asset: ETH, inputs: [note], extAmount: -900n, fee: 25n, recipient: devnet.accounts[2]!.walletClient.account.address })).tx
  for (const [name, tx] of [['deposit', depositTx], ['transfer', transfer], ['withdrawal', withdrawal]] as const) {
    bases.push({ name, tx, batch: await proveBatchFor(tree, rollup, [tx]) })
  }
  // The node follows the same chain; it must not seal anything (check() never inserts anyway).
  node = await startTestNode(devnet, { batchSize: 21, batchMaxAgeMs: 3_600_000, depositMarginBlocks: 0n })
  for (let i = 0; (await node.sequencer.status()).leafCount < tree.size; i++) {
    if (i > 200) throw new Error('the node did not catch up with L1')
    await new Promise((r) => setTimeout(r, 100))
  }
})

afterAll(async () => {
  await node?.stop()
  await devnet?.stop()
  await terminateProver()
})


/** What the node says of a transaction, as the HTTP route would (schema, then every check). */
async function admission(json: unknown): Promise<string> {
  const parsed = transactionCodec.safeParse(json)
  if (!parsed.success) return 'INVALID_SCHEMA'
  const verdict = await node.sequencer.check(parsed.data)
  return verdict.ok ? 'ACCEPTED' : verdict.code
}

/** What the contract says of it: an eth_call of submitBatch with it alone, named like admission's codes. */
async function contract(base: Base, tx: ShieldedTransaction): Promise<string> {
  try {
    await devnet.publicClient.simulateContract({
      address: rollup,
      abi: rollupAbi,
      functionName: 'submitBatch',
      args: [base.batch.oldRoot, base.batch.newRoot, [toRollupTransfer(tx)], base.batch.batchProof, zeroAddress],
      account: sequencer.walletClient.account,
    })
    return 'ACCEPTED'
  } catch (error) {
    const failure = toSettlementError(error, 'simulate')
    if (!('errorName' in failure)) throw failure
    return CONTRACT_REJECTIONS[failure.errorName] ?? failure.errorName
  }
}

type Mutation = { name: string; tx: ShieldedTransaction; json?: unknown }

/** Every mutation of one valid transaction. */
function mutations(base: ShieldedTransaction, other: ShieldedTransaction): Mutation[] {
  const out: Mutation[] = [{ name: 'unchanged', tx: base }]
  const add = (name: string, change: Partial<ShieldedTransaction>, extData: Partial<ShieldedTransaction['extData']> = {}, rehash = false) => {
    const tx = { ...base, ...change, extData: { ...base.extData, ...extData } }
    if (rehash) tx.extDataHash = extDataHash(tx.extData)
    out.push({ name, tx })
  }
  // Each public input + r: a second spelling of the same value.
  add('root + r', { root: base.root + FIELD_SIZE })
  add('publicAmount + r', { publicAmount: base.publicAmount + FIELD_SIZE })
  add('publicAsset + r', { publicAsset: base.publicAsset + FIELD_SIZE })
  add('extDataHash + r', { extDataHash: base.extDataHash + FIELD_SIZE })
  for (const k of [0, 1] as const) {
    add(`nullifier ${k} + r`, { nullifiers: base.nullifiers.map((n, i) => (i === k ? n + FIELD_SIZE : n)) as [bigint, bigint] })
  }
  for (const k of [0, 1, 2] as const) {
    add(`commitment ${k} + r`, { commitments: base.commitments.map((c, i) => (i === k ? c + FIELD_SIZE : c)) as Outputs<bigint> })
  }
  // Each proof coordinate + p, negated points, points at infinity, B outside the subgroup, swapped proofs.
  const p = base.proof
  const coordinatePlusP: [string, ShieldedTransaction['proof']][] = [
    ['A.x + p', { ...p, a: [p.a[0] + BASE_FIELD_SIZE, p.a[1]] }],
    ['A.y + p', { ...p, a: [p.a[0], p.a[1] + BASE_FIELD_SIZE] }],
    ['C.x + p', { ...p, c: [p.c[0] + BASE_FIELD_SIZE, p.c[1]] }],
    ['C.y + p', { ...p, c: [p.c[0], p.c[1] + BASE_FIELD_SIZE] }],
    ['B.x.im + p', { ...p, b: [[p.b[0][0] + BASE_FIELD_SIZE, p.b[0][1]], p.b[1]] }],
    ['B.x.re + p', { ...p, b: [[p.b[0][0], p.b[0][1] + BASE_FIELD_SIZE], p.b[1]] }],
    ['B.y.im + p', { ...p, b: [p.b[0], [p.b[1][0] + BASE_FIELD_SIZE, p.b[1][1]]] }],
    ['B.y.re + p', { ...p, b: [p.b[0], [p.b[1][0], p.b[1][1] + BASE_FIELD_SIZE]] }],
    ['−A', { ...p, a: [p.a[0], BASE_FIELD_SIZE - p.a[1]] }],
    ['−C', { ...p, c: [p.c[0], BASE_FIELD_SIZE - p.c[1]] }],
    ['−B', { ...p, b: [p.b[0], [(BASE_FIELD_SIZE - p.b[1][0]) % BASE_FIELD_SIZE, (BASE_FIELD_SIZE - p.b[1][1]) % BASE_FIELD_SIZE]] }],
    ['A at infinity', { ...p, a: [0n, 0n] }],
    ['C at infinity', { ...p, c: [0n, 0n] }],
    ['B at infinity', { ...p, b: [[0n, 0n], [0n, 0n]] }],
    ['A off the curve', { ...p, a: [p.a[0], (p.a[1] + 1n) % BASE_FIELD_SIZE] }],
    ['B outside the G2 subgroup', { ...p, b: nonSubgroupG2() }],
    ['A and C swapped', { ...p, a: p.c, c: p.a }],
    ['the proof of another transaction', other.proof],
  ]
  for (const [name, proof] of coordinatePlusP) add(name, { proof })
  // Ext data changed, without and with its hash recomputed.
  const someone = '0x00000000000000000000000000000000000000ee' as const
  add('recipient changed', {}, { recipient: someone })
  add('recipient changed, rehashed', {}, { recipient: someone }, true)
  add('extAmount + 1', {}, { extAmount: base.extData.extAmount + 1n })
  add('extAmount + 1, rehashed', {}, { extAmount: base.extData.extAmount + 1n }, true)
  add('extAmount + 1 with publicAmount, rehashed', { publicAmount: toField(base.extData.extAmount + 1n - base.extData.fee) }, { extAmount: base.extData.extAmount + 1n }, true)
  add('fee + 1, rehashed', {}, { fee: base.extData.fee + 1n }, true)
  add('fee + 1 with publicAmount, rehashed', { publicAmount: toField(base.extData.extAmount - base.extData.fee - 1n) }, { fee: base.extData.fee + 1n }, true)
  add('fee 2^128, rehashed', {}, { fee: 1n << 128n }, true)
  add('fee 2^128 − 1 with publicAmount, rehashed', { publicAmount: toField(base.extData.extAmount - (1n << 128n) + 1n) }, { fee: (1n << 128n) - 1n }, true)
  add('extAmount 2^128, rehashed', {}, { extAmount: 1n << 128n }, true)
  add('extAmount −2^128, rehashed', {}, { extAmount: -(1n << 128n) }, true)
  add('extAmount 2^128 − 1 with publicAmount, rehashed', { publicAmount: toField((1n << 128n) - 1n - base.extData.fee), publicAsset: 0n }, { extAmount: (1n << 128n) - 1n }, true)
  add('a withdrawal to the zero address, rehashed', { publicAmount: toField(-5n - base.extData.fee) }, { extAmount: -5n, recipient: zeroAddress }, true)
  add('extAmount = fee (no flow, money moves), rehashed', { publicAmount: 0n, publicAsset: 0n }, { extAmount: 5n, fee: 5n }, true)
  add('epk changed', {}, { epk: bytesToHex(new Uint8Array(32).fill(0xab)) })
  add('epk changed, rehashed', {}, { epk: bytesToHex(new Uint8Array(32).fill(0xab)) }, true)
  // Each of the three ciphertexts (payment, change, fee note) in turn.
  for (const k of [0, 1, 2] as const) {
    const c = base.extData.ciphertexts[k]
    const withCiphertext = (x: Hex) => base.extData.ciphertexts.map((old, i) => (i === k ? x : old)) as Outputs<Hex>
    const flipped = `${c.slice(0, -2)}${c.endsWith('00') ? '01' : '00'}` as Hex
    add(`ciphertext ${k} byte flipped`, {}, { ciphertexts: withCiphertext(flipped) })
    add(`ciphertext ${k} byte flipped, rehashed`, {}, { ciphertexts: withCiphertext(flipped) }, true)
    add(`ciphertext ${k} 213 bytes, rehashed`, {}, { ciphertexts: withCiphertext(c.slice(0, -2) as Hex) }, true)
    add(`ciphertext ${k} 215 bytes, rehashed`, {}, { ciphertexts: withCiphertext(`${c}00`) }, true)
  }
  const [c0, c1, c2] = base.extData.ciphertexts
  add('ciphertexts rotated, rehashed', {}, { ciphertexts: [c1, c2, c0] }, true)
  // Public inputs the proof does not match, or the chain does not know.
  add('publicAmount + 1', { publicAmount: (base.publicAmount + 1n) % FIELD_SIZE })
  add('publicAsset 2^160', { publicAsset: 1n << 160n })
  add('publicAsset another token', { publicAsset: 0xeen })
  add('an unknown root', { root: randomFieldElement() })
  add('the empty tree’s root', { root: new MerkleTree().root })
  add('extDataHash + 1', { extDataHash: (base.extDataHash + 1n) % FIELD_SIZE })
  add('both nullifiers equal', { nullifiers: [base.nullifiers[0], base.nullifiers[0]] })
  add('a spent nullifier', { nullifiers: [spentNullifier, base.nullifiers[1]] })
  add('nullifiers swapped', { nullifiers: [base.nullifiers[1], base.nullifiers[0]] })
  const [m0, m1, m2] = base.commitments
  add('commitments swapped', { commitments: [m1, m0, m2] })
  add('change and fee commitments swapped', { commitments: [m0, m2, m1] })
  add('a commitment replaced', { commitments: [randomFieldElement(), m1, m2] })
  add('the fee commitment replaced', { commitments: [m0, m1, randomFieldElement()] })
  add('the fee commitment a copy of the payment’s', { commitments: [m0, m1, m0] })
  add('nullifier 0 + 1', { nullifiers: [(base.nullifiers[0] + 1n) % FIELD_SIZE, base.nullifiers[1]] })
  return out
}

describe('admission and the contract agree', () => {
  it('behavior: for every mutation of a deposit, a private transfer and a withdrawal with a fee, admission and the contract give the same verdict', async () => {
    const rows: { base: string; mutation: string; admission: string; contract: string }[] = []
    for (const [i, base] of bases.entries()) {
      const other = bases[(i + 1) % bases.length]!.tx
      for (const m of mutations(base.tx, other)) {
        // Unchecked: values at or above r (or p) must reach admission, as they reach the contract.
        const json = m.json ?? encodeTransactionUnchecked(m.tx)
        rows.push({ base: base.name, mutation: m.name, admission: await admission(json), contract: await contract(base, m.tx) })
      }
    }
    const disagreements = rows.filter((r) => r.admission !== r.contract)
    expect(disagreements).toEqual([])
    // The valid ones are accepted by both, and every mutation is refused by both.
    expect(rows.filter((r) => r.mutation === 'unchanged').map((r) => r.contract)).toEqual(['ACCEPTED', 'ACCEPTED', 'ACCEPTED'])
    expect(rows.filter((r) => r.mutation !== 'unchanged' && r.contract === 'ACCEPTED').map((r) => `${r.base}: ${r.mutation}`)).toEqual([])
    expect(rows.length).toBeGreaterThan(150)
  })
})
