import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bn128, terminateCurve } from '../../src/circuits/curve.ts'
import { type MsmKey, MsmPool, MsmPoolError, msmPool, terminateMsmPool } from '../../src/circuits/msmPool.ts'

// The multi-exponentiation pool against ffjavascript's own G.multiExpAffine (what snarkjs runs):
// same sums over random points and scalars, with the edge cases a proving key and a witness
// have (points at infinity, zero scalars, the largest field element), on real worker threads.
// Whole proofs through it: test/circuits/prove.test.ts and test/e2e/browserProver.test.ts.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
let curve: any
beforeAll(async () => {
  curve = await bn128()
})
afterAll(() => terminateCurve())

const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n

/** `n` affine points of `group` in the zkey's layout; every `infinityEvery`-th one at infinity. */
function points(group: 'G1' | 'G2', n: number, infinityEvery = 0): Uint8Array {
  const G = curve[group]
  const size = group === 'G1' ? 64 : 128
  const out = new Uint8Array(n * size)
  for (let i = 0; i < n; i++) {
    if (infinityEvery && i % infinityEvery === 0) continue // all zeros: the zkey's point at infinity
    out.set(G.toAffine(G.timesFr(G.g, curve.Fr.random())), i * size)
  }
  return out
}

/** `n` 32-byte little-endian scalars: random below r, with 0, 1 and r − 1 among them. */
function scalars(n: number): Uint8Array {
  const out = new Uint8Array(n * 32)
  const view = new DataView(out.buffer)
  for (let i = 0; i < n; i++) {
    let x = [0n, 1n, R - 1n][i % 7] ?? 0n
    if (i % 7 > 2) for (let j = 0; j < 4; j++) x = (x << 64n) | BigInt(Math.floor(Math.random() * 2 ** 32)) * 2n ** 32n + BigInt(Math.floor(Math.random() * 2 ** 32))
    x %= R
    for (let j = 0; j < 4; j++) view.setBigUint64(i * 32 + 8 * j, BigInt.asUintN(64, x >> (64n * BigInt(j))), true)
  }
  return out
}

describe('MsmPool', () => {
  it('default: G1 and G2 sums equal ffjavascript multiExpAffine, points at infinity and zero scalars included', async () => {
    const pool = msmPool(curve)
    expect(pool.threads).toBeGreaterThanOrEqual(1)
    const g1 = points('G1', 300, 11)
    const g2 = points('G2', 70, 9)
    const key = await pool.load({ P: { group: 'G1', bytes: g1 }, Q: { group: 'G2', bytes: g2 } })
    const s1 = scalars(300)
    const s2 = scalars(70)
    expect(curve.G1.eq(await pool.multiExp(key, 'P', s1), await curve.G1.multiExpAffine(g1, s1))).toBe(true)
    expect(curve.G2.eq(await pool.multiExp(key, 'Q', s2), await curve.G2.multiExpAffine(g2, s2))).toBe(true)
    // a sum that is not the other's: the comparison can fail
    const other = scalars(300)
    expect(curve.G1.eq(await pool.multiExp(key, 'P', other), await curve.G1.multiExpAffine(g1, s1))).toBe(false)
  })

  it('behavior: one point, many at once across two keys, and the same key again give the right sums', async () => {
    const pool = msmPool(curve)
    const one = points('G1', 1)
    const many = points('G1', 1500, 5)
    const [k1, k2] = await Promise.all([pool.load({ X: { group: 'G1', bytes: one } }), pool.load({ X: { group: 'G1', bytes: many } })])
    const sOne = scalars(4).subarray(96, 128) // the fourth scalar: a random one
    const sMany = [scalars(1500), scalars(1500), scalars(1500)]
    const got = await Promise.all([pool.multiExp(k1, 'X', sOne), ...sMany.map((s) => pool.multiExp(k2, 'X', s))])
    expect(curve.G1.eq(got[0], await curve.G1.multiExpAffine(one, sOne))).toBe(true)
    expect(curve.G1.isZero(got[0])).toBe(false)
    for (const [i, s] of sMany.entries()) expect(curve.G1.eq(got[i + 1], await curve.G1.multiExpAffine(many, s)), `sum ${i}`).toBe(true)
  })

  it('errors: scalars of the wrong length, an unknown name, and bases that are not whole points are refused', async () => {
    const pool = msmPool(curve)
    const key = await pool.load({ P: { group: 'G1', bytes: points('G1', 3) } })
    await expect(pool.multiExp(key, 'P', new Uint8Array(64))).rejects.toThrow('3 P bases need 96 bytes of scalars, not 64.')
    await expect(pool.multiExp(key, 'Q', new Uint8Array(96))).rejects.toThrow('The key has no bases named Q.')
    await expect(pool.load({ P: { group: 'G2', bytes: new Uint8Array(100) } })).rejects.toThrow('The P bases are 100 bytes, not a whole number of G2 points.')
    // the pool still works after the refusals
    expect(curve.G1.isZero(await pool.multiExp(key, 'P', new Uint8Array(96)))).toBe(true)
    const bases = points('G1', 3)
    const again = await pool.load({ P: { group: 'G1', bytes: bases } })
    const s = scalars(3)
    expect(curve.G1.eq(await pool.multiExp(again, 'P', s), await curve.G1.multiExpAffine(bases, s))).toBe(true)
  })

  it('errors: a worker that fails a part (a key it does not hold) rejects that call with a sentence; the pool goes on working', async () => {
    const pool = msmPool(curve)
    const unknown: MsmKey = { handle: 987_654, points: { P: { group: 'G1', count: 3 } } }
    const failed = pool.multiExp(unknown, 'P', scalars(3))
    await expect(failed).rejects.toThrow(MsmPoolError)
    await expect(failed).rejects.toThrow('A multi-exponentiation worker failed: no key 987654 is loaded in this worker')
    expect(pool.closed).toBe(false)
    const bases = points('G1', 40)
    const key = await pool.load({ P: { group: 'G1', bytes: bases } })
    const s = [scalars(40), scalars(40), scalars(40)]
    const sums = await Promise.all(s.map((x) => pool.multiExp(key, 'P', x)))
    for (const [i, x] of s.entries()) expect(curve.G1.eq(sums[i], await curve.G1.multiExpAffine(bases, x))).toBe(true)
  })

  it('errors: the pool of a curve that terminateMsmPool stopped is refused for good (a late caller starts no threads)', () => {
    const stoppedCurve = { tm: { concurrency: 2 } }
    terminateMsmPool(stoppedCurve)
    expect(() => msmPool(stoppedCurve)).toThrow(new MsmPoolError('The prover was terminated: its curve has no threads left.'))
  })

  it('errors: a terminated pool refuses work, pending and new, with a sentence', async () => {
    const pool = new MsmPool(curve, 2)
    const g1 = points('G1', 2000)
    const key = await pool.load({ P: { group: 'G1', bytes: g1 } })
    const pending = pool.multiExp(key, 'P', scalars(2000))
    pool.terminate()
    await expect(pending).rejects.toThrow('The multi-exponentiation pool was terminated.')
    await expect(pool.multiExp(key, 'P', scalars(2000))).rejects.toThrow('The multi-exponentiation pool was terminated.')
    await expect(pool.load({ P: { group: 'G1', bytes: g1 } })).rejects.toThrow('The multi-exponentiation pool was terminated.')
    expect(pool.closed).toBe(true)
  })

  it('behavior: msmPool(curve) replaces a pool that stopped with a new one that works', async () => {
    const stopped = msmPool(curve)
    stopped.terminate()
    const fresh = msmPool(curve)
    expect(fresh).not.toBe(stopped)
    expect(fresh.closed).toBe(false)
    const bases = points('G1', 50)
    const s = scalars(50)
    const key = await fresh.load({ P: { group: 'G1', bytes: bases } })
    expect(curve.G1.eq(await fresh.multiExp(key, 'P', s), await curve.G1.multiExpAffine(bases, s))).toBe(true)
  })
})
