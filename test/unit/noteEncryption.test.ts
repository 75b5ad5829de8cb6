import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  decryptNotes,
  deriveKeys,
  encryptNotes,
  getPrimitives,
  initCrypto,
  MEMO_SIZE,
  type Note,
  NOTE_CIPHERTEXT_SIZE,
  noblePrimitives,
  noteCommitment,
  type Primitives,
  randomFieldElement,
  setPrimitives,
} from '../../src/index.ts'

let native: Primitives
beforeAll(async () => {
  await initCrypto()
  native = getPrimitives()
})
afterAll(() => setPrimitives(native))

const alice = () => deriveKeys(new Uint8Array(32).fill(1))
const bob = () => deriveKeys(new Uint8Array(32).fill(2))

function noteFor(ownerPk: bigint, amount: bigint, asset = 0n): Note {
  return { asset, amount, ownerPk, blinding: randomFieldElement() }
}

function send(notes: Note[], recipients: Uint8Array[], memos: (string | Uint8Array | undefined)[] = []) {
  const { epk, ciphertexts } = encryptNotes(
    notes.map((note, i) => ({ note, memo: memos[i] })),
    recipients,
  )
  return { epk, ciphertexts, commitments: notes.map(noteCommitment) }
}

describe('note encryption', () => {
  it('default: the recipient decrypts its output with its memo; the other output is not its', () => {
    const [a, b] = [alice(), bob()]
    const pay = noteFor(b.ownerPk, 25n, 0xdeadn)
    const change = noteFor(a.ownerPk, 75n, 0xdeadn)
    const tx = send([pay, change], [b.vpk, a.vpk], ['invoice 42'])
    const forBob = decryptNotes({ vsk: b.vsk, ownerPk: b.ownerPk, ...tx })
    expect(forBob[1]).toBeNull()
    expect(forBob[0]).toMatchObject({ index: 0, note: pay, commitment: tx.commitments[0] })
    expect(new TextDecoder().decode(forBob[0]!.memo)).toBe('invoice 42')
    const forAlice = decryptNotes({ vsk: a.vsk, ownerPk: a.ownerPk, ...tx })
    expect(forAlice[0]).toBeNull()
    expect(forAlice[1]).toMatchObject({ index: 1, note: change })
    expect(forAlice[1]!.memo).toHaveLength(0)
  })

  it('behavior: every ciphertext has the same size whatever the memo', () => {
    const b = bob()
    const tx = send([noteFor(b.ownerPk, 1n), noteFor(b.ownerPk, 2n)], [b.vpk, b.vpk], ['', 'x'.repeat(MEMO_SIZE)])
    expect(tx.epk).toHaveLength(32)
    for (const c of tx.ciphertexts) expect(c).toHaveLength(NOTE_CIPHERTEXT_SIZE)
    const found = decryptNotes({ vsk: b.vsk, ownerPk: b.ownerPk, ...tx })
    expect(found.map((n) => n?.note.amount)).toEqual([1n, 2n])
    expect(found[1]!.memo).toEqual(new Uint8Array(MEMO_SIZE).fill(0x78))
  })

  it('behavior: binary memos with trailing zero bytes survive', () => {
    const b = bob()
    const memo = new Uint8Array([0, 1, 2, 0, 0])
    const tx = send([noteFor(b.ownerPk, 1n)], [b.vpk], [memo])
    expect(decryptNotes({ vsk: b.vsk, ownerPk: b.ownerPk, ...tx })[0]!.memo).toEqual(memo)
  })

  it('behavior: the wrong viewing key finds nothing', () => {
    const [a, b] = [alice(), bob()]
    const tx = send([noteFor(b.ownerPk, 1n), noteFor(b.ownerPk, 2n)], [b.vpk, b.vpk])
    expect(decryptNotes({ vsk: a.vsk, ownerPk: b.ownerPk, ...tx })).toEqual([null, null])
  })

  it('behavior: any flipped ciphertext or epk byte makes the note unreadable', () => {
    const b = bob()
    const tx = send([noteFor(b.ownerPk, 9n)], [b.vpk])
    for (const position of [0, 37, 100, NOTE_CIPHERTEXT_SIZE - 1]) {
      const c = tx.ciphertexts[0]!.slice()
      c[position]! ^= 0x01
      expect(decryptNotes({ vsk: b.vsk, ownerPk: b.ownerPk, ...tx, ciphertexts: [c] })).toEqual([null])
    }
    const epk = tx.epk.slice()
    epk[5]! ^= 0x80
    expect(decryptNotes({ vsk: b.vsk, ownerPk: b.ownerPk, ...tx, epk })).toEqual([null])
    expect(decryptNotes({ vsk: b.vsk, ownerPk: b.ownerPk, ...tx, ciphertexts: [tx.ciphertexts[0]!.subarray(1)] })).toEqual([null])
  })

  it('behavior: a note whose commitment does not match the chain is ignored', () => {
    const b = bob()
    const real = noteFor(b.ownerPk, 9n)
    const tx = send([real], [b.vpk])
    const onChain = noteCommitment({ ...real, amount: 10n }) // what the proof actually committed to
    expect(decryptNotes({ vsk: b.vsk, ownerPk: b.ownerPk, ...tx, commitments: [onChain] })).toEqual([null])
    // a note encrypted to b's vpk but addressed to another owner key is not b's either
    const other = noteFor(alice().ownerPk, 9n)
    const tx2 = send([other], [b.vpk])
    expect(decryptNotes({ vsk: b.vsk, ownerPk: b.ownerPk, ...tx2 })).toEqual([null])
  })

  it('behavior: a low-order ephemeral key yields nothing instead of throwing', () => {
    const b = bob()
    const tx = send([noteFor(b.ownerPk, 1n)], [b.vpk])
    expect(decryptNotes({ vsk: b.vsk, ownerPk: b.ownerPk, ...tx, epk: new Uint8Array(32) })).toEqual([null])
  })

  it('behavior: the native and the pure-JS backends read each other', () => {
    const b = bob()
    for (const [from, to] of [
      [native, noblePrimitives],
      [noblePrimitives, native],
    ] as const) {
      setPrimitives(from)
      const note = noteFor(b.ownerPk, 5n)
      const tx = send([note], [b.vpk], ['cross'])
      setPrimitives(to)
      expect(decryptNotes({ vsk: b.vsk, ownerPk: b.ownerPk, ...tx })[0]?.note).toEqual(note)
    }
    setPrimitives(native)
    expect(native.name).toBe('sodium-native')
  })

  it('error: a memo over 128 bytes is rejected, naming `memo`', () => {
    const b = bob()
    expect(() => send([noteFor(b.ownerPk, 1n)], [b.vpk], ['x'.repeat(MEMO_SIZE + 1)])).toThrow(expect.objectContaining({ parameter: 'memo' }))
    expect(() => send([noteFor(b.ownerPk, 1n), noteFor(b.ownerPk, 1n)], [b.vpk, b.vpk], [undefined, 'é'.repeat(65)])).toThrow(/`outputs\[1\].memo`/)
  })

  it('error: mismatched recipients, bad keys and bad notes are named', () => {
    const b = bob()
    const out = [{ note: noteFor(b.ownerPk, 1n) }]
    expect(() => encryptNotes(out, [])).toThrow(/`recipients`/)
    expect(() => encryptNotes(out, [new Uint8Array(31)])).toThrow(/`recipients\[0\]`/)
    expect(() => encryptNotes(out, [new Uint8Array(32)])).toThrow(/low order/)
    expect(() => encryptNotes([], [])).toThrow(/`outputs`/)
    expect(() => encryptNotes([{ note: { ...out[0]!.note, amount: 1n << 128n } }], [b.vpk])).toThrow(/`note.amount`/)
    expect(() => decryptNotes({ vsk: new Uint8Array(3), ownerPk: 1n, epk: new Uint8Array(32), ciphertexts: [], commitments: [] })).toThrow(/`vsk`/)
  })
})
