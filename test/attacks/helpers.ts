// Shared pieces of the attack tests (test/attacks/*.test.ts).
import { bn254 } from '@noble/curves/bn254.js'
import { expect } from 'vitest'

/** Expects `promise` to fail with the rollup's custom error `errorName` (and these arguments). */
export const rejectsWith = (promise: Promise<unknown>, errorName: string, args?: Record<string, bigint | string>) =>
  expect(promise).rejects.toMatchObject({ name: 'RollupRevertedError', code: 'ROLLUP_REVERTED', errorName, ...(args ? { args } : {}) })

/**
 * A point on BN254's G2 twist that is not in the order-r subgroup, in the proof's `b` layout
 * (imaginary limb first): the pairing precompile refuses it, and so must admission.
 */
export function nonSubgroupG2(): [[bigint, bigint], [bigint, bigint]] {
  const { Fp2 } = bn254.fields
  const b = bn254.G2.Point.CURVE().b
  for (let x = Fp2.ONE; ; x = Fp2.add(x, Fp2.ONE)) {
    const y2 = Fp2.add(Fp2.mul(Fp2.sqr(x), x), b)
    let y
    try {
      y = Fp2.sqrt(y2)
    } catch {
      continue
    }
    const point = bn254.G2.Point.fromAffine({ x, y })
    if (point.isTorsionFree()) continue
    return [
      [x.c1, x.c0],
      [y.c1, y.c0],
    ]
  }
}
