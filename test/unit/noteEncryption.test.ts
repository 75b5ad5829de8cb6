import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decryptNotes, deriveKeys, encryptNotes, getPrimitives, initCrypto, type Note, NOTE_CIPHERTEXT_SIZE, NOTE_PLAINTEXT_SIZE, type NoteRecipient, noblePrimitives, noteCommitment, type Primitives, randomFieldElement, setPrimitives } from '../../src/crypto/index.ts'
import { MEMO_SIZE } from '../../src/index.ts'

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

function send(notes: Note[], recipients: NoteRecipient[], memos: (string | Uint8Array | undefined)[] = []) {
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
    expect(decryptNotes({ vsk: b.vsk, ownerPk: b.ownerPk, internalKey: b.internalKey, ...tx, epk: new Uint8Array(32) })).toEqual([null])
  })

  it('behavior: the native and the pure-JS backends read each other, external and internal notes', () => {
    const b = bob()
    for (const [from, to] of [
      [native, noblePrimitives],
      [noblePrimitives, native],
    ] as const) {
      setPrimitives(from)
      const notes = [noteFor(b.ownerPk, 5n), noteFor(b.ownerPk, 6n)]
      const tx = send(notes, [b.vpk, { internalKey: b.internalKey }], ['cross'])
      setPrimitives(to)
      const found = decryptNotes({ vsk: b.vsk, ownerPk: b.ownerPk, internalKey: b.internalKey, ...tx })
      expect(found.map((n) => [n?.note, n?.internal])).toEqual([
        [notes[0], false],
        [notes[1], true],
      ])
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
    expect(() => encryptNotes(out, [{ internalKey: new Uint8Array(31) }])).toThrow(/`recipients\[0\]`/)
    expect(() => encryptNotes(out, [{} as NoteRecipient])).toThrow(/`recipients\[0\]`/)
    expect(() => decryptNotes({ vsk: b.vsk, ownerPk: 1n, internalKey: new Uint8Array(3), epk: new Uint8Array(32), ciphertexts: [], commitments: [] })).toThrow(/`internalKey`/)
  })
})

/**
 * A ciphertext built by hand with the layout and AEAD of noteEncryption.ts, under the key
 * keyed-BLAKE2b(secret, label ‖ epk ‖ index): to show which (secret, label) pairs open.
 */
function sealByHand(note: Note, secret: Uint8Array, label: string, epk: Uint8Array, index: number): Uint8Array {
  const p = getPrimitives()
  const l = new TextEncoder().encode(label)
  const message = new Uint8Array(l.length + 33)
  message.set(l)
  message.set(epk, l.length)
  message[l.length + 32] = index
  const plaintext = new Uint8Array(NOTE_PLAINTEXT_SIZE)
  plaintext[0] = 1
  plaintext.set(Buffer.from(note.asset.toString(16).padStart(40, '0'), 'hex'), 1)
  plaintext.set(Buffer.from(note.amount.toString(16).padStart(32, '0'), 'hex'), 21)
  plaintext.set(Buffer.from(note.blinding.toString(16).padStart(64, '0'), 'hex'), 37)
  return p.seal(p.kdf(secret, message), new Uint8Array(12), plaintext)
}

describe('internal notes (a wallet to itself)', () => {
  it('default: change to the internal key round-trips, marked internal; the payment beside it stays external; both look alike', () => {
    const [a, b] = [alice(), bob()]
    const pay = noteFor(b.ownerPk, 25n, 0xdeadn)
    const change = noteFor(a.ownerPk, 75n, 0xdeadn)
    const tx = send([pay, change], [b.vpk, { internalKey: a.internalKey }], ['invoice 42'])
    expect(tx.ciphertexts.map((c) => c.length)).toEqual([NOTE_CIPHERTEXT_SIZE, NOTE_CIPHERTEXT_SIZE])
    const forAlice = decryptNotes({ vsk: a.vsk, ownerPk: a.ownerPk, internalKey: a.internalKey, ...tx })
    expect(forAlice[0]).toBeNull()
    expect(forAlice[1]).toMatchObject({ index: 1, note: change, commitment: tx.commitments[1], internal: true })
    expect(forAlice[1]!.memo).toHaveLength(0)
    const forBob = decryptNotes({ vsk: b.vsk, ownerPk: b.ownerPk, internalKey: b.internalKey, ...tx })
    expect(forBob[0]).toMatchObject({ index: 0, note: pay, internal: false })
    expect(forBob[1]).toBeNull()
  })

  it('behavior: the incoming viewing key (vsk and ownerPk) cannot read internal notes, even with every output internal', () => {
    const a = alice()
    const notes = [noteFor(a.ownerPk, 1n), noteFor(a.ownerPk, 0n), noteFor(a.ownerPk, 3n)]
    const tx = send(notes, [{ internalKey: a.internalKey }, { internalKey: a.internalKey }, { internalKey: a.internalKey }])
    expect(decryptNotes({ vsk: a.vsk, ownerPk: a.ownerPk, ...tx })).toEqual([null, null, null])
    // The same notes to the same account's address: the incoming key reads them.
    const external = send(notes, [a.vpk, a.vpk, a.vpk])
    expect(decryptNotes({ vsk: a.vsk, ownerPk: a.ownerPk, ...external }).map((n) => n?.note.amount)).toEqual([1n, 0n, 3n])
    expect(decryptNotes({ vsk: a.vsk, ownerPk: a.ownerPk, internalKey: a.internalKey, ...tx }).map((n) => n?.internal)).toEqual([true, true, true])
  })

  it("behavior: an internal key opens neither another account's external outputs nor its internal ones", () => {
    const [a, b] = [alice(), bob()]
    const carol = deriveKeys(new Uint8Array(32).fill(3))
    const tx = send([noteFor(b.ownerPk, 5n), noteFor(b.ownerPk, 6n)], [b.vpk, { internalKey: b.internalKey }])
    // Alice's internal key, with Bob's ownerPk so that only the key can fail.
    expect(decryptNotes({ vsk: carol.vsk, ownerPk: b.ownerPk, internalKey: a.internalKey, ...tx })).toEqual([null, null])
    // Bob's own internal key does not open his external output as internal, nor Bob's vsk his internal one.
    expect(decryptNotes({ vsk: carol.vsk, ownerPk: b.ownerPk, internalKey: b.internalKey, ...tx }).map((n) => n?.note.amount ?? null)).toEqual([null, 6n])
    expect(decryptNotes({ vsk: b.vsk, ownerPk: b.ownerPk, ...tx }).map((n) => n?.note.amount ?? null)).toEqual([5n, null])
  })

  it('behavior: the label separates the two key spaces: the internal key under the external label, or the shared secret under the internal one, opens nothing', () => {
    const a = alice()
    const note = noteFor(a.ownerPk, 42n)
    const esk = new Uint8Array(32).fill(7)
    const epk = getPrimitives().x25519Base(esk)
    const shared = getPrimitives().x25519(esk, a.vpk)!
    const read = (c: Uint8Array) => decryptNotes({ vsk: a.vsk, ownerPk: a.ownerPk, internalKey: a.internalKey, epk, ciphertexts: [c], commitments: [noteCommitment(note)] })[0]
    // The hand-built ciphertexts are faithful: the right (secret, label) pairs open...
    expect(read(sealByHand(note, a.internalKey, 'zkpay/note/internal/v1', epk, 0))).toMatchObject({ note, internal: true })
    expect(read(sealByHand(note, shared, 'zkpay/note/v1', epk, 0))).toMatchObject({ note, internal: false })
    // ...and the same encryptNotes makes with that ephemeral key.
    const made = encryptNotes([{ note }], [{ internalKey: a.internalKey }], { ephemeralSecret: esk })
    expect(made.ciphertexts[0]).toEqual(sealByHand(note, a.internalKey, 'zkpay/note/internal/v1', epk, 0))
    // ...the crossed ones, a wrong version of the label, or the wrong index, do not.
    expect(read(sealByHand(note, a.internalKey, 'zkpay/note/v1', epk, 0))).toBeNull()
    expect(read(sealByHand(note, shared, 'zkpay/note/internal/v1', epk, 0))).toBeNull()
    expect(read(sealByHand(note, a.internalKey, 'zkpay/note/internal/v2', epk, 0))).toBeNull()
    expect(read(sealByHand(note, a.internalKey, 'zkpay/note/internal/v1', epk, 1))).toBeNull()
  })
})
