import { inspect } from 'node:util'
import { x25519 } from '@noble/curves/ed25519.js'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  deriveKeys,
  exportViewingKey,
  FIELD_SIZE,
  generateMnemonic,
  importViewingKey,
  initCrypto,
  mnemonicFromSeed,
  poseidon,
  seedFromMnemonic,
} from '../../src/index.ts'

beforeAll(() => initCrypto())

const seed = new Uint8Array(32).map((_, i) => i + 1)

describe('deriveKeys', () => {
  it('default: derives ak = H(sk), ownerPk = H(ak, nk), vpk = x25519(vsk)', () => {
    const keys = deriveKeys(seed)
    expect(keys.ak).toBe(poseidon([keys.sk]))
    expect(keys.ownerPk).toBe(poseidon([keys.ak, keys.nk]))
    expect(keys.vpk).toEqual(x25519.getPublicKey(keys.vsk))
    for (const k of [keys.sk, keys.nk]) expect(k > 0n && k < FIELD_SIZE).toBe(true)
    expect(keys.sk).not.toBe(keys.nk)
  })

  it('behavior: deterministic per seed, independent across seeds', () => {
    const a = deriveKeys(seed)
    const b = deriveKeys(seed.slice())
    const c = deriveKeys(seed.map((x, i) => (i === 0 ? x ^ 1 : x)))
    expect(b.ownerPk).toBe(a.ownerPk)
    expect(b.vsk).toEqual(a.vsk)
    expect(c.ownerPk).not.toBe(a.ownerPk)
    expect(c.sk).not.toBe(a.sk)
  })

  it('behavior: the spending key never shows in JSON, strings or inspect output', () => {
    const keys = deriveKeys(seed)
    const secrets = [keys.sk, keys.nk].flatMap((k) => [k.toString(), k.toString(16)])
    secrets.push(Buffer.from(keys.vsk).toString('hex'))
    for (const text of [JSON.stringify(keys), String(keys), inspect(keys), `${keys}`, JSON.stringify({ keys })]) {
      for (const secret of secrets) expect(text).not.toContain(secret)
      expect(text).toContain(keys.ownerPk.toString(16))
    }
  })

  it('error: a seed that is not 32 bytes names `seed`', () => {
    expect(() => deriveKeys(new Uint8Array(31))).toThrow(/`seed`/)
    expect(() => deriveKeys('seed' as unknown as Uint8Array)).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER', parameter: 'seed' }))
  })
})

describe('mnemonic', () => {
  it('default: 24 words that encode a 32-byte seed, both ways', () => {
    const mnemonic = generateMnemonic()
    expect(mnemonic.split(' ')).toHaveLength(24)
    const s = seedFromMnemonic(mnemonic)
    expect(s).toHaveLength(32)
    expect(mnemonicFromSeed(s)).toBe(mnemonic)
    expect(seedFromMnemonic(`  ${mnemonic.toUpperCase().replaceAll(' ', '  ')} `)).toEqual(s)
  })

  it('error: a wrong checksum, an unknown word, 12 words or nothing name `mnemonic`', () => {
    const words = mnemonicFromSeed(seed).split(' ')
    const bad = [
      [...words.slice(0, 23), words[23] === 'abandon' ? 'ability' : 'abandon'].join(' '), // checksum no longer matches
      [...words.slice(0, 23), 'notaword'].join(' '),
      words.slice(0, 12).join(' '),
      '',
    ]
    for (const m of bad) {
      expect(() => seedFromMnemonic(m), m).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER', parameter: 'mnemonic' }))
    }
  })
})

describe('viewing keys', () => {
  const keys = () => deriveKeys(seed)

  it('default: incoming key round trip carries vsk and ownerPk only', () => {
    const s = exportViewingKey(keys(), 'incoming', 'testnet')
    expect(s.startsWith('zkptivk1')).toBe(true)
    const vk = importViewingKey(s)
    expect(vk).toMatchObject({ kind: 'incoming', network: 'testnet', ownerPk: keys().ownerPk })
    expect(vk.vsk).toEqual(keys().vsk)
    expect(vk.vpk).toEqual(keys().vpk)
    expect(vk.nk).toBeUndefined()
    expect(s).not.toContain(keys().sk.toString(16))
  })

  it('default: full key round trip carries ak and nk and recomputes ownerPk', () => {
    const s = exportViewingKey(keys(), 'full', 'mainnet')
    expect(s.startsWith('zkpfvk1')).toBe(true)
    const vk = importViewingKey(s)
    expect(vk).toMatchObject({ kind: 'full', network: 'mainnet', ak: keys().ak, nk: keys().nk, ownerPk: keys().ownerPk })
  })

  it('error: altered, foreign or truncated strings are rejected with VIEWING_KEY_INVALID', () => {
    const s = exportViewingKey(keys(), 'incoming', 'testnet')
    const flipped = s.slice(0, 20) + (s[20] === 'q' ? 'p' : 'q') + s.slice(21)
    const cases = [flipped, s.slice(0, -3), 'zkpt1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq', 'not a key', 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq']
    for (const c of cases) expect(() => importViewingKey(c)).toThrow(expect.objectContaining({ code: 'VIEWING_KEY_INVALID' }))
    expect(() => exportViewingKey(keys(), 'spending' as 'full', 'testnet')).toThrow(/`kind`/)
  })
})
