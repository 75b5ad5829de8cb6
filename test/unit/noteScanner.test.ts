import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { packTransactions, unpackTransactions } from '../../src/crypto/noteScanner.ts'
import { deriveKeys, type EncryptedTransaction, encryptNotes, initCrypto, NoteScanner, noteCommitment, randomFieldElement } from '../../src/index.ts'

beforeAll(() => initCrypto())

const alice = () => deriveKeys(new Uint8Array(32).fill(1))
const bob = () => deriveKeys(new Uint8Array(32).fill(2))

function tx(to: { ownerPk: bigint; vpk: Uint8Array }, amounts: [bigint, bigint]): EncryptedTransaction {
  const notes = amounts.map((amount) => ({ asset: 0n, amount, ownerPk: to.ownerPk, blinding: randomFieldElement() }))
  const { epk, ciphertexts } = encryptNotes(
    notes.map((note) => ({ note })),
    [to.vpk, to.vpk],
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
