import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { packTransactions, unpackTransactions } from '../../src/crypto/noteScanner.ts'
import { deriveKeys, type EncryptedTransaction, encryptNotes, initCrypto, NOTE_CIPHERTEXT_SIZE, type NoteRecipient, NoteScanner, noteCommitment, randomFieldElement } from '../../src/crypto/index.ts'

beforeAll(() => initCrypto())

const alice = () => deriveKeys(new Uint8Array(32).fill(1))
const bob = () => deriveKeys(new Uint8Array(32).fill(2))

function tx(to: { ownerPk: bigint; vpk: Uint8Array }, amounts: [bigint, bigint]): EncryptedTransaction {
  return txTo(
    amounts.map((amount) => ({ ownerPk: to.ownerPk, amount })),
    [to.vpk, to.vpk],
  )
}

/** Outputs of `amount` to `ownerPk`, each encrypted to its recipient (a vpk or an internal key). */
function txTo(outputs: { ownerPk: bigint; amount: bigint }[], recipients: NoteRecipient[]): EncryptedTransaction {
  const notes = outputs.map(({ ownerPk, amount }) => ({ asset: 0n, amount, ownerPk, blinding: randomFieldElement() }))
  const { epk, ciphertexts } = encryptNotes(
    notes.map((note) => ({ note })),
    recipients,
  )
  return { epk, ciphertexts, commitments: notes.map(noteCommitment) }
}

describe('NoteScanner', () => {
  const scanner = new NoteScanner({ threads: 2 })
  afterAll(() => scanner.close())

  it('default: finds exactly our notes among many, with their transaction index, on worker threads', async () => {
    const [a, b] = [alice(), bob()]
    const ours = new Set([0, 299, 300, 599])
    const txs = Array.from({ length: 600 }, (_, i) => (ours.has(i) ? tx(b, [BigInt(i), 1n]) : tx(a, [1n, 2n])))
    const found = await scanner.scan(b, txs)
    expect(found.map((f) => [f.txIndex, f.index, f.note.amount])).toEqual([...ours].flatMap((i) => [[i, 0, BigInt(i)], [i, 1, 1n]]))
    expect(found[0]!.commitment).toBe(txs[0]!.commitments[0])
  })

  it('behavior: with the internal key the workers also find the notes we sent ourselves; with the incoming key alone, only payments', async () => {
    const [a, b] = [alice(), bob()]
    // Bob pays Alice at 10 and 400 (his change internal), Bob deposits at 300 (a note and a
    // zero-value pad, both internal), strangers' traffic elsewhere.
    const txs = Array.from({ length: 600 }, (_, i) => {
      if (i === 10 || i === 400) return txTo([{ ownerPk: a.ownerPk, amount: 5n }, { ownerPk: b.ownerPk, amount: BigInt(i) }], [a.vpk, { internalKey: b.internalKey }])
      if (i === 300) return txTo([{ ownerPk: b.ownerPk, amount: 300n }, { ownerPk: b.ownerPk, amount: 0n }], [{ internalKey: b.internalKey }, { internalKey: b.internalKey }])
      if (i === 599) return txTo([{ ownerPk: b.ownerPk, amount: 7n }, { ownerPk: a.ownerPk, amount: 1n }], [b.vpk, { internalKey: a.internalKey }])
      return tx(a, [1n, 2n])
    })
    const wallet = await scanner.scan({ vsk: b.vsk, ownerPk: b.ownerPk, internalKey: b.internalKey }, txs)
    expect(wallet.map((f) => [f.txIndex, f.index, f.note.amount, f.internal])).toEqual([
      [10, 1, 10n, true],
      [300, 0, 300n, true],
      [300, 1, 0n, true],
      [400, 1, 400n, true],
      [599, 0, 7n, false],
    ])
    const merchant = await scanner.scan({ vsk: b.vsk, ownerPk: b.ownerPk }, txs)
    expect(merchant.map((f) => [f.txIndex, f.index, f.note.amount, f.internal])).toEqual([[599, 0, 7n, false]])
    // In place (fewer than 256 transactions) the result is the same.
    const inPlace = await scanner.scan({ vsk: b.vsk, ownerPk: b.ownerPk, internalKey: b.internalKey }, txs.slice(0, 200))
    expect(inPlace.map((f) => [f.txIndex, f.index, f.internal])).toEqual([[10, 1, true]])
  })

  it('behavior: the packed format is unchanged by internal outputs: n ‖ epk ‖ (u16 length ‖ ciphertext ‖ commitment) per output', () => {
    const b = bob()
    const mixed = txTo(
      [
        { ownerPk: b.ownerPk, amount: 1n },
        { ownerPk: b.ownerPk, amount: 2n },
        { ownerPk: b.ownerPk, amount: 3n },
      ],
      [alice().vpk, { internalKey: b.internalKey }, b.vpk],
    )
    const packed = packTransactions([mixed])
    const expected = Buffer.concat([
      Buffer.from([3]),
      mixed.epk,
      ...mixed.ciphertexts.flatMap((c, i) => [Buffer.from([c.length >> 8, c.length & 0xff]), c, Buffer.from(mixed.commitments[i]!.toString(16).padStart(64, '0'), 'hex')]),
    ])
    expect(mixed.ciphertexts.every((c) => c.length === NOTE_CIPHERTEXT_SIZE)).toBe(true)
    expect(Buffer.from(packed).equals(expected)).toBe(true)
    expect(unpackTransactions(packed)).toEqual([mixed])
  })

  it('behavior: small inputs are scanned in place with the same result', async () => {
    const b = bob()
    const found = await scanner.scan(b, [tx(alice(), [1n, 1n]), tx(b, [7n, 8n])])
    expect(found.map((f) => [f.txIndex, f.note.amount])).toEqual([
      [1, 7n],
      [1, 8n],
    ])
  })

  it('error: an oversized ciphertext (65,750 bytes, which would wrap a 16-bit length) is unreadable and shifts nothing after it', async () => {
    const [a, b] = [alice(), bob()]
    const txs = Array.from({ length: 400 }, (_, i) => (i === 350 ? tx(b, [350n, 1n]) : tx(a, [1n, 2n])))
    // A malicious submitter's output: too long for the packed format's u16 length (65,750 mod 65,536 = 214).
    const hostile = txs[100]!
    txs[100] = { ...hostile, ciphertexts: [new Uint8Array(65_750).fill(7), hostile.ciphertexts[1]!] }
    const found = await scanner.scan(b, txs)
    expect(found.map((f) => [f.txIndex, f.index, f.note.amount])).toEqual([
      [350, 0, 350n],
      [350, 1, 1n],
    ])
    const unpacked = unpackTransactions(packTransactions(txs.slice(99, 102)))
    expect(unpacked.map((t) => t.ciphertexts.map((c) => c.length))).toEqual([[214, 214], [0, 214], [214, 214]])
    expect(unpacked[2]!.commitments).toEqual(txs[101]!.commitments)
  })

  it('error: a bad thread count or malformed transactions are named', async () => {
    expect(() => new NoteScanner({ threads: 0 })).toThrow(/`threads`/)
    const broken = Array.from({ length: 300 }, () => ({ ...tx(bob(), [1n, 1n]), commitments: [1n] }))
    await expect(scanner.scan(bob(), broken)).rejects.toThrow(/`txs`/)
  })
})
