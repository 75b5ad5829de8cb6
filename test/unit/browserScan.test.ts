import { beforeAll, describe, expect, it, vi } from 'vitest'
import { scanTransactions } from '../../src/browser/platform.ts'
import { deriveKeys, type EncryptedTransaction, encryptNotes, initCrypto, type NoteRecipient, NoteScanner, noteCommitment, randomFieldElement } from '../../src/crypto/index.ts'
import { webCryptoX25519 } from '../../src/crypto/webCryptoX25519.ts'
import { getPrimitives, noblePrimitives, setPrimitives } from '../../src/crypto/primitives.ts'

// A browser decrypts notes with WebCrypto's X25519 (Node ≥ 20 has the same API, so the path is
// tested here): all of a scan's agreements in one batch, then the ciphertexts. It must find
// exactly what the Node scanner finds, on the same adversarial inputs.

beforeAll(() => initCrypto())

const alice = deriveKeys(new Uint8Array(32).fill(1))
const bob = deriveKeys(new Uint8Array(32).fill(2))

function txTo(outputs: { ownerPk: bigint; amount: bigint }[], recipients: NoteRecipient[]): EncryptedTransaction {
  const notes = outputs.map(({ ownerPk, amount }) => ({ asset: 0n, amount, ownerPk, blinding: randomFieldElement() }))
  const { epk, ciphertexts } = encryptNotes(
    notes.map((note) => ({ note })),
    recipients,
  )
  return { epk, ciphertexts, commitments: notes.map(noteCommitment) }
}

/** Payments, change, strangers' traffic, and outputs no honest wallet makes. */
function traffic(): EncryptedTransaction[] {
  const txs = Array.from({ length: 40 }, (_, i) => {
    if (i === 3) return txTo([{ ownerPk: bob.ownerPk, amount: 5n }, { ownerPk: alice.ownerPk, amount: 9n }], [bob.vpk, { internalKey: alice.internalKey }])
    if (i === 7) return txTo([{ ownerPk: bob.ownerPk, amount: 70n }, { ownerPk: bob.ownerPk, amount: 0n }], [{ internalKey: bob.internalKey }, { internalKey: bob.internalKey }])
    return txTo([{ ownerPk: alice.ownerPk, amount: 1n }], [alice.vpk])
  })
  const ours = txs[3]!
  // A low-order epk (all zero): no agreement (and internal keys bind the epk: nothing opens).
  txs.push({ ...txs[7]!, epk: new Uint8Array(32) })
  // An epk of the wrong length, a ciphertext of the wrong length, a ciphertext claimed by another commitment.
  txs.push({ ...ours, epk: ours.epk.subarray(0, 31) })
  txs.push({ ...ours, ciphertexts: [ours.ciphertexts[0]!.subarray(1), ours.ciphertexts[1]!] })
  txs.push({ ...ours, commitments: [ours.commitments[0]! + 1n, ours.commitments[1]!] })
  return txs
}

const summary = (found: { txIndex: number; index: number; note: { amount: bigint }; internal: boolean }[]) => found.map((f) => [f.txIndex, f.index, f.note.amount, f.internal])

describe('browser note scan (WebCrypto X25519)', () => {
  it('default: finds exactly what the Node scanner finds, payments and own notes, on adversarial traffic', async () => {
    const txs = traffic()
    const key = { vsk: bob.vsk, ownerPk: bob.ownerPk, internalKey: bob.internalKey }
    const expected = summary(await new NoteScanner({ threads: 1 }).scan(key, txs))
    expect(expected).toEqual([
      [3, 0, 5n, false],
      [7, 0, 70n, true],
      [7, 1, 0n, true],
    ])
    expect(summary(await scanTransactions(key, txs, 'webcrypto'))).toEqual(expected)
    expect(summary(await scanTransactions(key, txs, 'noble'))).toEqual(expected)
  })

  it('behavior: one agreement per transaction, all through WebCrypto: the synchronous X25519 is never called', async () => {
    const txs = traffic()
    const before = getPrimitives()
    const counted = { ...noblePrimitives, x25519: vi.fn(noblePrimitives.x25519) }
    setPrimitives(counted)
    const subtle = globalThis.crypto.subtle
    const derive = vi.spyOn(subtle, 'deriveBits')
    try {
      await scanTransactions({ vsk: bob.vsk, ownerPk: bob.ownerPk }, txs, 'webcrypto')
      expect(counted.x25519).not.toHaveBeenCalled()
      // The wrong-length epk is refused before WebCrypto sees it.
      expect(derive).toHaveBeenCalledTimes(txs.length - 1)
      await scanTransactions({ vsk: bob.vsk, ownerPk: bob.ownerPk }, txs, 'noble')
      expect(counted.x25519).toHaveBeenCalledTimes(txs.length - 1)
    } finally {
      derive.mockRestore()
      setPrimitives(before)
    }
  })

  it('error: a low-order point or a short one gives no secret; the secret otherwise is X25519', async () => {
    const ecdh = (await webCryptoX25519(bob.vsk))!
    const [good, zero, short] = await ecdh.sharedSecrets([alice.vpk, new Uint8Array(32), new Uint8Array(31)])
    expect(good).toEqual(noblePrimitives.x25519(bob.vsk, alice.vpk))
    expect([zero, short]).toEqual([null, null])
  })

  it('error: without WebCrypto (or its X25519) the scan falls back to @noble and finds the same notes', async () => {
    expect(await webCryptoX25519(bob.vsk, null)).toBeUndefined()
    const noX25519 = { importKey: () => Promise.reject(new DOMException('Algorithm: Unrecognized name', 'NotSupportedError')) } as unknown as SubtleCrypto
    expect(await webCryptoX25519(bob.vsk, noX25519)).toBeUndefined()
    expect(await webCryptoX25519(new Uint8Array(31))).toBeUndefined()
  })
})
