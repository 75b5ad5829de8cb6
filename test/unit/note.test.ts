import { decodeAbiParameters, keccak256, zeroAddress } from 'viem'
import { beforeAll, describe, expect, it } from 'vitest'
import { AMOUNT_LIMIT, ASSET_LIMIT, type ExtData, encodeExtData, extDataAbiParameters, extDataHash, FIELD_SIZE, initCrypto, noteCommitment, noteNullifier, poseidon } from '../../src/crypto/index.ts'

beforeAll(() => initCrypto())

const note = { asset: 0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48n, amount: 1_000_000n, ownerPk: 42n, blinding: 777n }

describe('noteCommitment', () => {
  it('default: H(asset, amount, ownerPk, blinding)', () => {
    expect(noteCommitment(note)).toBe(poseidon([note.asset, note.amount, note.ownerPk, note.blinding]))
    expect(noteCommitment({ ...note, blinding: 778n })).not.toBe(noteCommitment(note))
  })

  it('args: the largest amount and asset are accepted', () => {
    expect(noteCommitment({ ...note, amount: AMOUNT_LIMIT - 1n, asset: ASSET_LIMIT - 1n })).toBeTypeOf('bigint')
  })

  it('error: out-of-range fields are named', () => {
    expect(() => noteCommitment({ ...note, amount: AMOUNT_LIMIT })).toThrow(expect.objectContaining({ parameter: 'note.amount' }))
    expect(() => noteCommitment({ ...note, amount: -1n })).toThrow(/`note.amount`/)
    expect(() => noteCommitment({ ...note, asset: ASSET_LIMIT })).toThrow(expect.objectContaining({ parameter: 'note.asset' }))
    expect(() => noteCommitment({ ...note, ownerPk: FIELD_SIZE })).toThrow(expect.objectContaining({ parameter: 'note.ownerPk' }))
    expect(() => noteCommitment({ ...note, blinding: -5n })).toThrow(expect.objectContaining({ parameter: 'note.blinding' }))
    expect(() => noteCommitment({ ...note, amount: 5 as unknown as bigint })).toThrow(/`note.amount`/)
  })
})

describe('noteNullifier', () => {
  it('default: H(nk, cm, leafIndex); the index separates equal notes', () => {
    const cm = noteCommitment(note)
    expect(noteNullifier(9n, cm, 3)).toBe(poseidon([9n, cm, 3n]))
    expect(noteNullifier(9n, cm, 3n)).toBe(noteNullifier(9n, cm, 3))
    expect(noteNullifier(9n, cm, 4)).not.toBe(noteNullifier(9n, cm, 3))
  })

  it('error: bad nk, commitment or index are named', () => {
    expect(() => noteNullifier(FIELD_SIZE, 1n, 0)).toThrow(expect.objectContaining({ parameter: 'nk' }))
    expect(() => noteNullifier(1n, -1n, 0)).toThrow(expect.objectContaining({ parameter: 'commitment' }))
    for (const i of [-1, 2 ** 32, 1.5, 2n ** 32n]) expect(() => noteNullifier(1n, 1n, i)).toThrow(expect.objectContaining({ parameter: 'leafIndex' }))
  })
})

describe('extDataHash', () => {
  const extData: ExtData = {
    recipient: '0x00000000000000000000000000000000000000aa',
    extAmount: -5n,
    fee: 1n,
    epk: `0x${'11'.repeat(32)}`,
    ciphertexts: [`0x${'22'.repeat(214)}`, `0x${'33'.repeat(214)}`, `0x${'44'.repeat(214)}`],
  }

  it('default: keccak256(abi.encode(extData)) mod r, with the struct encoded as Solidity does', () => {
    const encoded = encodeExtData(extData)
    // abi.encode of a dynamic struct starts with the offset of the tuple (0x20)
    expect(encoded.slice(2, 66)).toBe('20'.padStart(64, '0'))
    const [decoded] = decodeAbiParameters(extDataAbiParameters, encoded)
    expect(decoded).toMatchObject({
      extAmount: -5n,
      fee: 1n,
      epk: extData.epk,
      ciphertext0: extData.ciphertexts[0],
      ciphertext1: extData.ciphertexts[1],
      ciphertext2: extData.ciphertexts[2],
    })
    expect(decoded.recipient.toLowerCase()).toBe(extData.recipient)
    expect(extDataHash(extData)).toBe(BigInt(keccak256(encoded)) % FIELD_SIZE)
  })

  it('behavior: every field changes the hash', () => {
    const h = extDataHash(extData)
    const variants: ExtData[] = [
      { ...extData, recipient: zeroAddress },
      { ...extData, extAmount: 5n },
      { ...extData, fee: 2n },
      { ...extData, epk: `0x${'12'.repeat(32)}` },
      { ...extData, ciphertexts: [extData.ciphertexts[1], extData.ciphertexts[0], extData.ciphertexts[2]] },
      { ...extData, ciphertexts: [extData.ciphertexts[0], extData.ciphertexts[2], extData.ciphertexts[1]] },
      { ...extData, ciphertexts: [extData.ciphertexts[0], extData.ciphertexts[1], `0x${'45'.repeat(214)}`] },
    ]
    for (const v of variants) expect(extDataHash(v)).not.toBe(h)
  })

  it('error: malformed fields are named', () => {
    expect(() => extDataHash({ ...extData, recipient: '0x12' })).toThrow(/`extData.recipient`/)
    expect(() => extDataHash({ ...extData, fee: -1n })).toThrow(/`extData.fee`/)
    expect(() => extDataHash({ ...extData, extAmount: 1n << 255n })).toThrow(/`extData.extAmount`/)
    expect(() => extDataHash({ ...extData, epk: '0x11' })).toThrow(/`extData.epk`/)
    expect(() => extDataHash({ ...extData, ciphertexts: [extData.ciphertexts[0]] as unknown as ExtData['ciphertexts'] })).toThrow(/`extData.ciphertexts`/)
    // The 2-output shape is refused too: every transaction has three outputs.
    expect(() => extDataHash({ ...extData, ciphertexts: extData.ciphertexts.slice(0, 2) as unknown as ExtData['ciphertexts'] })).toThrow(/`extData.ciphertexts`/)
    expect(() => extDataHash({ ...extData, ciphertexts: [...extData.ciphertexts, extData.ciphertexts[0]] as unknown as ExtData['ciphertexts'] })).toThrow(/`extData.ciphertexts`/)
  })
})
