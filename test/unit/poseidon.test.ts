import { buildPoseidon } from 'circomlibjs'
import fc from 'fast-check'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { FIELD_SIZE, initCrypto, poseidon } from '../../src/crypto/index.ts'

beforeAll(() => initCrypto())

describe('poseidon', () => {
  it('default: matches the circomlib test vectors', () => {
    // circomlib's own test vectors (test/poseidoncircuit.js): the circuit and this hash must agree.
    expect(poseidon([1n, 2n])).toBe(0x115cc0f5e7d690413df64c6b9662e9cf2a3617f2743245519e19607a4417189an)
    expect(poseidon([1n, 2n, 3n, 4n])).toBe(0x299c867db6c1fdd79dcefa40e4510b9837e60ebb1ce0663dbaa525df65250465n)
  })

  it('behavior: equals circomlibjs for 1 to 16 random inputs', async () => {
    const reference = await buildPoseidon()
    const element = fc.bigInt({ min: 0n, max: FIELD_SIZE - 1n })
    fc.assert(
      fc.property(fc.array(element, { minLength: 1, maxLength: 16 }), (inputs) => {
        expect(poseidon(inputs)).toBe(reference.F.toObject(reference(inputs)))
      }),
      { numRuns: 60 },
    )
  })

  it('error: rejects inputs that are not field elements, naming them', () => {
    expect(() => poseidon([FIELD_SIZE])).toThrow(/`inputs\[0\]`/)
    expect(() => poseidon([1n, -1n])).toThrow(/`inputs\[1\]`/)
    expect(() => poseidon([])).toThrow(/1 to 16/)
    expect(() => poseidon(Array(17).fill(0n))).toThrow(/1 to 16/)
  })

  it('behavior: before initCrypto() the JavaScript Poseidon gives the same hashes, for every width and in Montgomery form', async () => {
    vi.resetModules()
    const fresh = await import('../../src/crypto/poseidon.ts')
    const element = fc.bigInt({ min: 0n, max: FIELD_SIZE - 1n })
    fc.assert(
      fc.property(fc.array(element, { minLength: 1, maxLength: 16 }), (inputs) => {
        expect(fresh.poseidon(inputs)).toBe(poseidon(inputs))
        const packed = new Uint8Array(32 * inputs.length)
        inputs.forEach((x, i) => fresh.toMontgomery(x, packed, 32 * i))
        const out = new Uint8Array(32)
        fresh.poseidonMontgomery(packed, 0, inputs.length, out, 0)
        expect(fresh.fromMontgomery(out, 0)).toBe(poseidon(inputs))
      }),
      { numRuns: 40 },
    )
    for (let n = 1; n <= 16; n++) expect(fresh.poseidon(Array.from({ length: n }, (_, i) => BigInt(i + 1)))).toBe(poseidon(Array.from({ length: n }, (_, i) => BigInt(i + 1))))
  })
})
