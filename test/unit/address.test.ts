import { bech32m } from '@scure/base'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { decodeAddress, encodeAddress } from '../../src/index.ts'
import { deriveKeys, FIELD_SIZE, initCrypto } from '../../src/crypto/index.ts'

beforeAll(() => initCrypto())

/** A bech32m string with an arbitrary prefix and payload, to build malformed addresses. */
const raw = (prefix: string, payload: Uint8Array) => bech32m.encode(prefix, bech32m.toWords(payload), 1023)

function payload(version: number, ownerPk: bigint, vpk = new Uint8Array(32).fill(7), length = 65): Uint8Array {
  const p = new Uint8Array(length)
  p[0] = version
  p.set(Buffer.from(ownerPk.toString(16).padStart(64, '0'), 'hex'), 1)
  p.set(vpk.subarray(0, Math.max(0, length - 33)), 33)
  return p
}

describe('address', () => {
  it('default: encodes with zkp / zkpt and decodes back', () => {
    const keys = deriveKeys(new Uint8Array(32).fill(9))
    for (const network of ['mainnet', 'testnet'] as const) {
      const s = encodeAddress(keys, network)
      expect(s.startsWith(network === 'mainnet' ? 'zkp1' : 'zkpt1')).toBe(true)
      const decoded = decodeAddress(s)
      expect(decoded).toEqual({ ownerPk: keys.ownerPk, vpk: keys.vpk, network })
      expect(decodeAddress(s.toUpperCase())).toEqual(decoded)
    }
  })

  it('behavior: round trips any key pair (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: FIELD_SIZE - 1n }), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.boolean(), (ownerPk, vpk, main) => {
        const network = main ? 'mainnet' : 'testnet'
        expect(decodeAddress(encodeAddress({ ownerPk, vpk }, network))).toEqual({ ownerPk, vpk, network })
      }),
    )
  })

  it('behavior: any single changed character is caught (property)', () => {
    const s = encodeAddress({ ownerPk: 12345n, vpk: new Uint8Array(32).fill(1) }, 'testnet')
    const alphabet = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l'
    fc.assert(
      fc.property(fc.integer({ min: 5, max: s.length - 1 }), fc.integer({ min: 1, max: 31 }), (pos, shift) => {
        const c = alphabet[(alphabet.indexOf(s[pos]!) + shift) % 32]!
        const typo = s.slice(0, pos) + c + s.slice(pos + 1)
        expect(() => decodeAddress(typo)).toThrow(expect.objectContaining({ code: 'ADDRESS_BAD_CHECKSUM' }))
      }),
    )
  })

  it('error: each malformed address has its own code', () => {
    const good = payload(1, 5n)
    const cases: [string, string][] = [
      [raw('zkx', good), 'ADDRESS_UNKNOWN_PREFIX'],
      [raw('zkpt', payload(1, 5n, undefined, 64)), 'ADDRESS_BAD_LENGTH'],
      [raw('zkpt', payload(1, 5n, undefined, 66)), 'ADDRESS_BAD_LENGTH'],
      [raw('zkpt', payload(2, 5n)), 'ADDRESS_UNKNOWN_VERSION'],
      [raw('zkpt', payload(1, FIELD_SIZE)), 'ADDRESS_BAD_KEY'],
      [raw('zkpt', good).slice(0, -1) + 'q', 'ADDRESS_BAD_CHECKSUM'],
      ['zkpt1' + 'b'.repeat(100), 'ADDRESS_BAD_ENCODING'],
      ['Zkpt1qqqqqqqqqqqqqqqq', 'ADDRESS_BAD_ENCODING'],
      ['zkptqqqqqqqqqqqqqqqq', 'ADDRESS_BAD_ENCODING'],
      ['', 'ADDRESS_BAD_ENCODING'],
      ['zkpt1qqq', 'ADDRESS_BAD_LENGTH'],
    ]
    for (const [address, code] of cases) {
      expect(() => decodeAddress(address), `${code}: ${address}`).toThrow(expect.objectContaining({ code, name: 'InvalidAddressError' }))
    }
    expect(() => decodeAddress(42 as unknown as string)).toThrow(expect.objectContaining({ code: 'ADDRESS_BAD_ENCODING' }))
    expect(raw('zkpt', good)).toMatch(/^zkpt1/)
    expect(decodeAddress(raw('zkpt', good)).ownerPk).toBe(5n)
  })

  it('error: encoding checks its arguments by name', () => {
    expect(() => encodeAddress({ ownerPk: FIELD_SIZE, vpk: new Uint8Array(32) }, 'testnet')).toThrow(/`ownerPk`/)
    expect(() => encodeAddress({ ownerPk: 1n, vpk: new Uint8Array(31) }, 'testnet')).toThrow(/`vpk`/)
    expect(() => encodeAddress({ ownerPk: 1n, vpk: new Uint8Array(32) }, 'devnet' as 'testnet')).toThrow(/`network`/)
  })
})
