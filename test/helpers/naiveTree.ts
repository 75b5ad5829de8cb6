import { poseidon } from '../../src/crypto/index.ts'

/** The root of a 4-ary tree of `levels` levels holding `leaves`, recomputed from scratch. */
export function naiveRoot(leaves: readonly bigint[], levels: number): bigint {
  let level = [...leaves]
  for (let l = 0; l < levels; l++) {
    const zero = naiveZero(l)
    while (level.length % 4 !== 0 || level.length === 0) level.push(zero)
    const next: bigint[] = []
    for (let i = 0; i < level.length; i += 4) next.push(poseidon(level.slice(i, i + 4)))
    level = next
  }
  return level[0]!
}

function naiveZero(height: number): bigint {
  let z = 0n
  for (let i = 0; i < height; i++) z = poseidon([z, z, z, z])
  return z
}
