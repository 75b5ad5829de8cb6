import { hkdfSync } from 'node:crypto'
import { inspect } from 'node:util'
import { x25519 } from '@noble/curves/ed25519.js'
import { beforeAll, describe, expect, it } from 'vitest'
import { decodeBech32m } from '../../src/crypto/bech32.ts'
import { decryptNotes, deriveInternalKey, deriveKeys, encryptNotes, FIELD_SIZE, initCrypto, noteCommitment, poseidon, randomFieldElement } from '../../src/crypto/index.ts'
import { exportViewingKey, generateMnemonic, importViewingKey, mnemonicFromSeed, seedFromMnemonic } from '../../src/index.ts'

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
    secrets.push(Buffer.from(keys.vsk).toString('hex'), Buffer.from(keys.internalKey).toString('hex'))
    for (const text of [JSON.stringify(keys), String(keys), inspect(keys), `${keys}`, JSON.stringify({ keys })]) {
      for (const secret of secrets) expect(text).not.toContain(secret)
      expect(text).toContain(keys.ownerPk.toString(16))
    }
  })

  it('default: internalKey = HKDF-SHA256(nk as 32 bytes big-endian, salt zkpay/keys/v1, info zkpay/internal-viewing), 32 bytes', () => {
    const keys = deriveKeys(seed)
    // node:crypto's HKDF: an implementation independent of the one the keys use.
    const expected = new Uint8Array(hkdfSync('sha256', Buffer.from(keys.nk.toString(16).padStart(64, '0'), 'hex'), 'zkpay/keys/v1', 'zkpay/internal-viewing', 32))
    expect(keys.internalKey).toEqual(expected)
    expect(deriveInternalKey(keys.nk)).toEqual(expected)
    // Not another key's bytes under another name.
    for (const other of [keys.vsk, keys.vpk]) expect(Buffer.from(keys.internalKey).equals(Buffer.from(other))).toBe(false)
    expect(() => deriveInternalKey(-1n)).toThrow(/`nk`/)
  })

  it('behavior: internalKey is deterministic per seed and differs across seeds', () => {
    const a = deriveKeys(seed)
    expect(deriveKeys(seed.slice()).internalKey).toEqual(a.internalKey)
    const others = [1, 2, 3].map((b) => deriveKeys(new Uint8Array(32).fill(b)).internalKey)
    const all = new Set([a.internalKey, ...others].map((k) => Buffer.from(k).toString('hex')))
    expect(all.size).toBe(4)
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

  it('default: full key round trip carries ak and nk and recomputes ownerPk and the internal key', () => {
    const s = exportViewingKey(keys(), 'full', 'mainnet')
    expect(s.startsWith('zkpfvk1')).toBe(true)
    const vk = importViewingKey(s)
    expect(vk).toMatchObject({ kind: 'full', network: 'mainnet', ak: keys().ak, nk: keys().nk, ownerPk: keys().ownerPk })
    expect(vk.internalKey).toEqual(keys().internalKey)
    // The string format is unchanged: vsk ‖ ak ‖ nk, the internal key derived on import.
    expect(decodeBech32m(s).payload).toHaveLength(97)
  })

  it('behavior: the incoming viewing key holds nothing of the internal key and cannot read internal notes; the full key can', () => {
    const k = keys()
    const ivkString = exportViewingKey(k, 'incoming', 'testnet')
    const payload = Buffer.from(decodeBech32m(ivkString).payload)
    expect(payload).toHaveLength(65) // version ‖ vsk ‖ ownerPk
    expect(payload.includes(Buffer.from(k.internalKey))).toBe(false)
    expect(payload.includes(Buffer.from(k.internalKey.subarray(0, 8)))).toBe(false)
    const ivk = importViewingKey(ivkString)
    expect(ivk.internalKey).toBeUndefined()
    expect(Object.keys(ivk).sort()).toEqual(['kind', 'network', 'ownerPk', 'vpk', 'vsk'])

    // Change (internal) and a payment to the account's own address (external), in one transaction.
    const notes = [11n, 22n].map((amount) => ({ asset: 0n, amount, ownerPk: k.ownerPk, blinding: randomFieldElement() }))
    const { epk, ciphertexts } = encryptNotes(
      notes.map((note) => ({ note })),
      [{ internalKey: k.internalKey }, k.vpk],
    )
    const tx = { epk, ciphertexts, commitments: notes.map(noteCommitment) }
    const byIvk = decryptNotes({ vsk: ivk.vsk, ownerPk: ivk.ownerPk, internalKey: ivk.internalKey, ...tx })
    expect(byIvk.map((n) => n?.note.amount ?? null)).toEqual([null, 22n])
    const fvk = importViewingKey(exportViewingKey(k, 'full', 'testnet'))
    const byFvk = decryptNotes({ vsk: fvk.vsk, ownerPk: fvk.ownerPk, internalKey: fvk.internalKey, ...tx })
    expect(byFvk.map((n) => [n?.note.amount, n?.internal])).toEqual([
      [11n, true],
      [22n, false],
    ])
  })

  it('error: altered, foreign or truncated strings are rejected with VIEWING_KEY_INVALID', () => {
    const s = exportViewingKey(keys(), 'incoming', 'testnet')
    const flipped = s.slice(0, 20) + (s[20] === 'q' ? 'p' : 'q') + s.slice(21)
    const cases = [flipped, s.slice(0, -3), 'zkpt1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq', 'not a key', 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq']
    for (const c of cases) expect(() => importViewingKey(c)).toThrow(expect.objectContaining({ code: 'VIEWING_KEY_INVALID' }))
    expect(() => exportViewingKey(keys(), 'spending' as 'full', 'testnet')).toThrow(/`kind`/)
  })
})
