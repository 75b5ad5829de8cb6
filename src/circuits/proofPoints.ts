import type { Proof } from './prove.ts'

// ffjavascript ships no types; its curve object is used as snarkjs uses it.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Curve = any

/** The BN254 base field p: every proof coordinate is an element of it (below p). */
export const BASE_FIELD_SIZE = 21888242871839275222246405745257275088696311157297823662689037894645226208583n
/** The BN254 scalar field r, the order of G1 and of the G2 subgroup the pairing is defined on. */
const GROUP_ORDER = 21888242871839275222246405745257275088548364400416034343698204186575808495617n

/**
 * A proof's three points as ffjavascript points, or undefined when the EVM would refuse them.
 *
 * Off-chain verification must accept exactly what the contract accepts (EIP-196/197):
 * - every coordinate below p: ffjavascript reduces `x + p` to `x` and would call it valid, but
 *   the precompile rejects it, and one such proof would make every batch it joins revert;
 * - A and C on the curve (G1 has cofactor 1), or (0, 0), which the precompiles read as the
 *   point at infinity;
 * - B on the twist and in the order-r subgroup (the pairing precompile checks that; a point
 *   on the twist outside it is refused), or all zero, the point at infinity.
 * `b` holds each coordinate's imaginary limb first, as the precompile reads it (see `Proof`).
 *
 * @example
 * const points = proofPoints(await bn128(), tx.proof)
 * if (!points) return reject('INVALID_PROOF')
 */
export function proofPoints(curve: Curve, proof: Proof): { a: unknown; b: unknown; c: unknown } | undefined {
  const coordinates = [...proof.a, ...proof.b[0], ...proof.b[1], ...proof.c]
  if (coordinates.some((x) => typeof x !== 'bigint' || x < 0n || x >= BASE_FIELD_SIZE)) return undefined
  const { G1, G2 } = curve
  const g1 = ([x, y]: readonly [bigint, bigint]) => {
    if (x === 0n && y === 0n) return G1.zero
    const point = G1.fromObject([x, y, 1n])
    return G1.isValid(point) ? point : undefined
  }
  const a = g1(proof.a)
  const c = g1(proof.c)
  if (a === undefined || c === undefined) return undefined
  const [[xIm, xRe], [yIm, yRe]] = proof.b
  let b: unknown
  if (xIm === 0n && xRe === 0n && yIm === 0n && yRe === 0n) b = G2.zero
  else {
    b = G2.fromObject([[xRe, xIm], [yRe, yIm], [1n, 0n]])
    if (!G2.isValid(b) || !G2.isZero(G2.timesScalar(b, GROUP_ORDER))) return undefined
  }
  return { a, b, c }
}
