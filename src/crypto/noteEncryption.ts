import { bytesToHex, randomBytes } from '@noble/hashes/utils.js'
import { InvalidParameterError } from '../errors/index.ts'
import { bigIntToBytes, bytesToBigInt, FIELD_SIZE } from './field.ts'
import { type Note, noteCommitment } from './note.ts'
import { getPrimitives } from './primitives.ts'

/**
 * Note ciphertexts (DESIGN.md): one ephemeral x25519 key per transaction, and per output
 * ChaCha20-Poly1305 under `KDF(ECDH(esk, vpk), epk, output index)` (see `outputKey`) of
 *
 *   version (1) ‖ asset (20) ‖ amount (16) ‖ blinding (32) ‖ memo length (1) ‖ memo (128, zero-padded)
 *
 * Every ciphertext has the same size whatever the memo, so outputs are indistinguishable, and a
 * scanning wallet does one ECDH per transaction, not per output. The nonce is fixed (zero):
 * each key encrypts exactly one message because the key depends on a fresh `epk` and the index.
 *
 * Notes a wallet sends itself (change, deposits, merges, a withdrawal's change, zero-value
 * padding) are *internal*: their key is the same KDF keyed by the account's `internalKey`
 * (from `nk`) instead of the shared secret, under its own label, so the incoming viewing key
 * (`vsk`) cannot read them. The plaintext, the AEAD, the nonce and the transaction's one `epk`
 * are the same, so internal and external ciphertexts look alike on chain.
 *
 * Memo size: 128 bytes holds an invoice id (16 B) and a short human note, and keeps a
 * 2-output transaction's ciphertexts at 2 × 214 B of calldata (~7k gas); Zcash's 512 B would
 * cost three times that for every transaction whether or not it carries a memo.
 */
export const NOTE_PLAINTEXT_VERSION = 1
/**
 * The most bytes a note's memo holds (a string memo counts in UTF-8 bytes).
 *
 * @example
 * if (new TextEncoder().encode(memo).length > MEMO_SIZE) throw new Error('memo too long') // MEMO_SIZE = 128
 */
export const MEMO_SIZE = 128
/**
 * Bytes of a note plaintext before encryption: version, asset, amount, blinding, memo length and the padded memo.
 *
 * @example
 * const plaintext = new Uint8Array(NOTE_PLAINTEXT_SIZE) // 198 bytes
 */
export const NOTE_PLAINTEXT_SIZE = 1 + 20 + 16 + 32 + 1 + MEMO_SIZE
/**
 * Bytes of every note ciphertext: the plaintext and its 16-byte Poly1305 tag.
 *
 * @example
 * const fits = (c: Uint8Array) => c.length === NOTE_CIPHERTEXT_SIZE // 214 bytes
 */
export const NOTE_CIPHERTEXT_SIZE = NOTE_PLAINTEXT_SIZE + 16

const NONCE = new Uint8Array(12)
const encoder = new TextEncoder()
/** Output keys from an x25519 shared secret (payments: outputs to an address). */
const EXTERNAL_LABEL = encoder.encode('zkpay/note/v1')
/** Output keys from an account's internal key (its notes to itself): never equal to an external key. */
const INTERNAL_LABEL = encoder.encode('zkpay/note/internal/v1')

/**
 * Key of output `index`: keyed BLAKE2b-256 of `label ‖ epk ‖ index` under `secret` (the x25519
 * shared secret, or the internal key), as libsodium's own key exchange derives session keys.
 * Measured here: 1 µs against 31–39 µs for HKDF-SHA256 (noble / node:crypto), which was a
 * third of trial decryption. The two labels differ (in length too), so an internal and an
 * external key never coincide, even under equal secrets.
 */
function outputKey(secret: Uint8Array, label: Uint8Array, epk: Uint8Array, index: number): Uint8Array {
  const message = new Uint8Array(label.length + 33)
  message.set(label)
  message.set(epk, label.length)
  message[label.length + 32] = index
  return getPrimitives().kdf(secret, message)
}

/**
 * Whom an output is encrypted to: a viewing public key (`vpk`, from an address: a payment, even
 * to one's own address), or the sending account's own internal key (a note to itself).
 */
export type NoteRecipient = Uint8Array | { internalKey: Uint8Array }

export type NoteOutput = {
  note: Note
  /** bytes or UTF-8 text, at most 128 bytes */
  memo?: Uint8Array | string
}

export type EncryptedNotes = {
  /** the transaction's ephemeral public key */
  epk: Uint8Array
  /** one ciphertext per output, each `NOTE_CIPHERTEXT_SIZE` bytes */
  ciphertexts: Uint8Array[]
}

function memoBytes(memo: Uint8Array | string | undefined, parameter: string): Uint8Array {
  if (memo === undefined) return new Uint8Array(0)
  const bytes = typeof memo === 'string' ? new TextEncoder().encode(memo) : memo
  if (!(bytes instanceof Uint8Array)) throw new InvalidParameterError(parameter, 'expected a string or bytes')
  if (bytes.length > MEMO_SIZE) throw new InvalidParameterError(parameter, `at most ${MEMO_SIZE} bytes (got ${bytes.length})`)
  return bytes
}

/**
 * Encrypts each output note to its recipient (`recipients[i]` for `outputs[i]`): a viewing
 * public key, or `{ internalKey }` for a note the sender keeps (change, padding). All outputs
 * share one ephemeral key, whoever they are for.
 *
 * @example
 * const { epk, ciphertexts } = encryptNotes(
 *   [{ note: paymentNote, memo: 'invoice 42' }, { note: changeNote }],
 *   [merchant.vpk, { internalKey: keys.internalKey }],
 * )
 */
export function encryptNotes(
  outputs: readonly NoteOutput[],
  recipients: readonly NoteRecipient[],
  options: { ephemeralSecret?: Uint8Array } = {},
): EncryptedNotes {
  if (!Array.isArray(outputs) || outputs.length === 0 || outputs.length > 255) {
    throw new InvalidParameterError('outputs', 'expected 1 to 255 notes')
  }
  if (!Array.isArray(recipients) || recipients.length !== outputs.length) {
    throw new InvalidParameterError('recipients', 'expected one recipient (viewing public key or { internalKey }) per output')
  }
  const primitives = getPrimitives()
  const esk = options.ephemeralSecret ?? randomBytes(32)
  if (!(esk instanceof Uint8Array) || esk.length !== 32) throw new InvalidParameterError('ephemeralSecret', 'expected 32 bytes')
  const epk = primitives.x25519Base(esk)
  const sharedByRecipient = new Map<string, Uint8Array>()
  const ciphertexts = outputs.map(({ note, memo }, i) => {
    const key = outputKeyFor(recipients[i], i)
    noteCommitment(note) // validates every field of the note, naming the bad one
    const memoPart = memoBytes(memo, outputs.length === 1 ? 'memo' : `outputs[${i}].memo`)
    const plaintext = new Uint8Array(NOTE_PLAINTEXT_SIZE)
    plaintext[0] = NOTE_PLAINTEXT_VERSION
    plaintext.set(bigIntToBytes(note.asset, 20), 1)
    plaintext.set(bigIntToBytes(note.amount, 16), 21)
    plaintext.set(bigIntToBytes(note.blinding, 32), 37)
    plaintext[69] = memoPart.length
    plaintext.set(memoPart, 70)
    return primitives.seal(key, NONCE, plaintext)
  })
  return { epk, ciphertexts }

  function outputKeyFor(recipient: NoteRecipient | undefined, i: number): Uint8Array {
    if (recipient instanceof Uint8Array) {
      if (recipient.length !== 32) throw new InvalidParameterError(`recipients[${i}]`, 'expected 32 bytes')
      const hex = bytesToHex(recipient)
      let shared = sharedByRecipient.get(hex)
      if (!shared) {
        const s = primitives.x25519(esk, recipient)
        if (!s) throw new InvalidParameterError(`recipients[${i}]`, 'not a valid x25519 public key (low order)')
        shared = s
        sharedByRecipient.set(hex, s)
      }
      return outputKey(shared, EXTERNAL_LABEL, epk, i)
    }
    const internalKey = typeof recipient === 'object' && recipient !== null ? recipient.internalKey : undefined
    if (!(internalKey instanceof Uint8Array) || internalKey.length !== 32) {
      throw new InvalidParameterError(`recipients[${i}]`, 'expected a 32-byte viewing public key or { internalKey } of 32 bytes')
    }
    return outputKey(internalKey, INTERNAL_LABEL, epk, i)
  }
}

export type DecryptedNote = {
  /** position of the output in its transaction */
  index: number
  note: Note
  commitment: bigint
  memo: Uint8Array
  /** true: opened with the internal key (a note the account sent itself); false: sent to its address */
  internal: boolean
}

/**
 * Trial-decrypts a transaction's outputs: with the viewing secret `vsk` (one ECDH per
 * transaction, then one keyed BLAKE2b and one AEAD check per output) and, when `internalKey`
 * is given, also with it (no ECDH: one more BLAKE2b and AEAD check per output). Returns, per
 * output, the note if it is ours and its commitment matches the one on chain, else null
 * (wrong key, altered ciphertext, or a note whose plaintext lies about its contents: the
 * commitment is what the circuit bound). An incoming viewing key passes no `internalKey`, and
 * so never opens the notes the account sends itself.
 *
 * @example
 * const found = decryptNotes({ vsk: keys.vsk, ownerPk: keys.ownerPk, internalKey: keys.internalKey, epk, ciphertexts, commitments })
 * const mine = found.filter((n) => n !== null) // n.internal: change and other notes to itself
 */
export function decryptNotes(args: {
  vsk: Uint8Array
  ownerPk: bigint
  /** the account's internal key (wallets, full viewing keys); omitted: external notes only */
  internalKey?: Uint8Array | undefined
  epk: Uint8Array
  ciphertexts: readonly Uint8Array[]
  commitments: readonly bigint[]
  /** X25519(vsk, epk) when already computed (a browser's WebCrypto, in a batch); null: a low-order `epk` */
  shared?: Uint8Array | null
}): (DecryptedNote | null)[] {
  const { vsk, ownerPk, internalKey, epk, ciphertexts, commitments } = args
  if (!(vsk instanceof Uint8Array) || vsk.length !== 32) throw new InvalidParameterError('vsk', 'expected 32 bytes')
  if (internalKey !== undefined && (!(internalKey instanceof Uint8Array) || internalKey.length !== 32)) {
    throw new InvalidParameterError('internalKey', 'expected 32 bytes')
  }
  if (commitments.length !== ciphertexts.length) throw new InvalidParameterError('commitments', 'expected one commitment per ciphertext')
  const nothing = ciphertexts.map(() => null)
  if (!(epk instanceof Uint8Array) || epk.length !== 32 || ciphertexts.length === 0 || ciphertexts.length > 255) return nothing
  // null for a low-order epk: no payment can be read, but our own internal notes still can.
  const shared = args.shared !== undefined ? args.shared : getPrimitives().x25519(vsk, epk)
  if (!shared && !internalKey) return nothing
  return ciphertexts.map((ciphertext, index) => {
    if (!(ciphertext instanceof Uint8Array) || ciphertext.length !== NOTE_CIPHERTEXT_SIZE) return null
    if (shared) {
      const note = openNote(outputKey(shared, EXTERNAL_LABEL, epk, index), ciphertext, index, ownerPk, commitments[index], false)
      if (note) return note
    }
    return internalKey ? openNote(outputKey(internalKey, INTERNAL_LABEL, epk, index), ciphertext, index, ownerPk, commitments[index], true) : null
  })
}

/** Opens one ciphertext under `key`; the note if it opens, parses and matches its commitment. */
function openNote(key: Uint8Array, ciphertext: Uint8Array, index: number, ownerPk: bigint, onChain: bigint | undefined, internal: boolean): DecryptedNote | null {
  const plaintext = getPrimitives().open(key, NONCE, ciphertext)
  if (!plaintext || plaintext[0] !== NOTE_PLAINTEXT_VERSION) return null
  const memoLength = plaintext[69]!
  const blinding = bytesToBigInt(plaintext.subarray(37, 69))
  if (memoLength > MEMO_SIZE || blinding >= FIELD_SIZE) return null
  const note: Note = {
    asset: bytesToBigInt(plaintext.subarray(1, 21)),
    amount: bytesToBigInt(plaintext.subarray(21, 37)),
    ownerPk,
    blinding,
  }
  const commitment = noteCommitment(note)
  if (commitment !== onChain) return null
  return { index, note, commitment, memo: plaintext.slice(70, 70 + memoLength), internal }
}
