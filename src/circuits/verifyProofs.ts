import { randomBytes } from 'node:crypto'
import { FIELD_SIZE } from '../crypto/field.ts'
import { type CircuitName, loadVerificationKey } from './artifacts.ts'
import { bn128 } from './curve.ts'
import { proofPoints } from './proofPoints.ts'
import type { Proof } from './prove.ts'

type VerificationKey = { vk_alpha_1: string[]; vk_beta_2: string[][]; vk_gamma_2: string[][]; vk_delta_2: string[][]; IC: string[][] }

/**
 * Verifies Groth16 proofs of one circuit at once, the way Rollup.sol does: with random 128-bit
 * weights r_i, the n checks e(A_i, B_i) = e(α, β)·e(X_i, γ)·e(C_i, δ) become one product of
 * n + 3 pairings with a single final exponentiation, and the public inputs fold into one point.
 * True only if every proof is valid (but for a 2^-128 chance); a single proof is checked with
 * weight 1. Proofs are read as the EVM reads them (`proofPoints`), so this accepts exactly the
 * encodings the contract accepts, and public inputs must be below r, as the contract insists.
 *
 * @example
 * if (!(await verifyProofs('transfer', batch))) for (const t of batch) await verifyProofs('transfer', [t])
 */
export async function verifyProofs(circuit: CircuitName, items: readonly { proof: Proof; publicSignals: readonly bigint[] }[]): Promise<boolean> {
  if (items.length === 0) return true
  const vk = loadVerificationKey(circuit) as VerificationKey
  const curve = await bn128()
  const { G1, G2, Fr } = curve
  let sumR = 0n
  const folded = new Array<bigint>(vk.IC.length - 1).fill(0n)
  let sumC = G1.zero
  const pairs: unknown[] = []
  for (const { proof, publicSignals } of items) {
    // An input at or above r would verify as its reduction (a second spelling of a nullifier).
    if (publicSignals.length !== folded.length || publicSignals.some((s) => typeof s !== 'bigint' || s < 0n || s >= FIELD_SIZE)) return false
    const points = proofPoints(curve, proof)
    if (!points) return false
    const r = items.length === 1 ? 1n : BigInt(`0x${randomBytes(16).toString('hex')}`) | 1n
    const rFr = Fr.e(r)
    pairs.push(G1.neg(G1.timesFr(points.a, rFr)), points.b)
    sumC = G1.add(sumC, G1.timesFr(points.c, rFr))
    sumR += r
    publicSignals.forEach((s, j) => (folded[j] = (folded[j]! + r * s) % FIELD_SIZE))
  }
  const point = (p: string[]) => G1.fromObject(p.map(BigInt))
  let x = G1.timesFr(point(vk.IC[0]!), Fr.e(sumR % FIELD_SIZE))
  folded.forEach((s, j) => {
    if (s !== 0n) x = G1.add(x, G1.timesFr(point(vk.IC[j + 1]!), Fr.e(s)))
  })
  const g2 = (p: string[][]) => G2.fromObject(p.map((c) => c.map(BigInt)))
  return curve.pairingEq(
    ...pairs,
    x,
    g2(vk.vk_gamma_2),
    sumC,
    g2(vk.vk_delta_2),
    G1.timesFr(point(vk.vk_alpha_1), Fr.e(sumR % FIELD_SIZE)),
    g2(vk.vk_beta_2),
  ) as Promise<boolean>
}
