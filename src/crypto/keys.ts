import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { entropyToMnemonic, generateMnemonic as bip39Generate, mnemonicToEntropy, validateMnemonic } from '@scure/bip39'
import { wordlist } from '@scure/bip39/wordlists/english.js'
import { InvalidParameterError } from '../errors/index.ts'
import { bigIntToBytes, bytesToBigInt, FIELD_SIZE } from './field.ts'
import { poseidon } from './poseidon.ts'
import { getPrimitives } from './primitives.ts'

const encoder = new TextEncoder()
const SALT = encoder.encode('zkpay/keys/v1')

/** HKDF-SHA256 of the seed under a label: independent keys, none derivable from another. */
function derive(seed: Uint8Array, label: string, length: number): Uint8Array {
  return hkdf(sha256, seed, SALT, encoder.encode(label), length)
}

/**
 * The symmetric key of the notes an account sends itself (change, deposits, merges, a
 * withdrawal's change, zero-value padding): HKDF-SHA256(nk as 32 bytes big-endian, salt
 * `zkpay/keys/v1`, info `zkpay/internal-viewing`), 32 bytes. Derived from `nk`, which the full
 * viewing key holds and the incoming viewing key does not (it holds `ownerPk = H(ak, nk)`, from
 * which `nk` cannot be recovered), so a merchant with the incoming key never reads these notes,
 * while an auditor with the full key does. After Zcash Orchard's internal keys.
 *
 * @example
 * const internalKey = deriveInternalKey(keys.nk) // equals keys.internalKey
 */
export function deriveInternalKey(nk: bigint): Uint8Array {
  if (typeof nk !== 'bigint' || nk < 0n || nk >= FIELD_SIZE) throw new InvalidParameterError('nk', 'expected a field element')
  return hkdf(sha256, bigIntToBytes(nk, 32), SALT, encoder.encode('zkpay/internal-viewing'), 32)
}

/** 64 bytes reduced mod r: a uniform field element (bias below 2^-250). */
function deriveField(seed: Uint8Array, label: string): bigint {
  return bytesToBigInt(derive(seed, label, 64)) % FIELD_SIZE
}

/**
 * All keys of one zkpay account.
 * - `sk` spends (the circuit proves knowledge of it through `ak = H(sk)`);
 * - `nk` computes nullifiers (whoever has it sees when notes are spent);
 * - `vsk` decrypts incoming notes (x25519), `vpk = x25519(vsk)` is in the address;
 * - `ownerPk = H(ak, nk)` is what notes are addressed to;
 * - `internalKey` (from `nk`, see `deriveInternalKey`) encrypts the notes the account sends
 *   itself, so that its incoming viewing key cannot read them.
 *
 * `toJSON`, `toString` and `util.inspect` print the public parts only, so a key that reaches a
 * log line or an error message leaks nothing.
 *
 * @example
 * const keys: AccountKeys = deriveKeys(seedFromMnemonic(mnemonic))
 * console.log(`${keys}`) // 'AccountKeys(0x…ownerPk)': the secret keys never print
 */
export class AccountKeys {
  readonly sk: bigint
  readonly nk: bigint
  readonly ak: bigint
  readonly ownerPk: bigint
  readonly vsk: Uint8Array
  readonly vpk: Uint8Array
  readonly internalKey: Uint8Array

  constructor(parts: { sk: bigint; nk: bigint; vsk: Uint8Array }) {
    this.sk = parts.sk
    this.nk = parts.nk
    this.vsk = parts.vsk
    this.ak = poseidon([parts.sk])
    this.ownerPk = poseidon([this.ak, parts.nk])
    this.vpk = getPrimitives().x25519Base(parts.vsk)
    this.internalKey = deriveInternalKey(parts.nk)
    Object.freeze(this)
  }

  toJSON(): Record<string, string> {
    return { ownerPk: `0x${this.ownerPk.toString(16).padStart(64, '0')}`, sk: '[redacted]', nk: '[redacted]', vsk: '[redacted]', internalKey: '[redacted]' }
  }

  toString(): string {
    return `AccountKeys(${this.toJSON().ownerPk})`
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString()
  }
}

/**
 * Derives every key of an account from its 32-byte seed, as DESIGN.md fixes it:
 * `sk`, `nk`, `vsk` by HKDF-SHA256 with their own labels; `ak = H(sk)`, `ownerPk = H(ak, nk)`,
 * `vpk = x25519(vsk)`, and `internalKey` from `nk` (`deriveInternalKey`). Call `await initCrypto()` first.
 *
 * @example
 * await initCrypto()
 * const keys = deriveKeys(seedFromMnemonic(generateMnemonic()))
 */
export function deriveKeys(seed: Uint8Array): AccountKeys {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) throw new InvalidParameterError('seed', 'expected 32 bytes')
  return new AccountKeys({
    sk: deriveField(seed, 'zkpay/sk'),
    nk: deriveField(seed, 'zkpay/nk'),
    vsk: derive(seed, 'zkpay/vsk', 32),
  })
}

/**
 * A new 24-word BIP-39 (English) mnemonic: it encodes a 32-byte seed, nothing more.
 *
 * @example
 * const mnemonic = generateMnemonic() // "abandon … art"
 */
export function generateMnemonic(): string {
  return bip39Generate(wordlist, 256)
}

/**
 * The 32-byte seed a 24-word mnemonic encodes (its BIP-39 entropy, checksum verified), so a
 * seed and its mnemonic convert both ways.
 *
 * @example
 * const seed = seedFromMnemonic('abandon abandon … art')
 */
export function seedFromMnemonic(mnemonic: string): Uint8Array {
  const words = typeof mnemonic === 'string' ? mnemonic.trim().toLowerCase().split(/\s+/).join(' ') : ''
  if (!validateMnemonic(words, wordlist)) {
    throw new InvalidParameterError('mnemonic', 'expected 24 English BIP-39 words with a valid checksum')
  }
  const entropy = mnemonicToEntropy(words, wordlist)
  if (entropy.length !== 32) throw new InvalidParameterError('mnemonic', 'expected 24 words (a 32-byte seed)')
  return entropy
}

/**
 * The 24-word mnemonic of a 32-byte seed (the inverse of `seedFromMnemonic`).
 *
 * @example
 * const mnemonic = mnemonicFromSeed(seed) // seedFromMnemonic(mnemonic) gives `seed` back
 */
export function mnemonicFromSeed(seed: Uint8Array): string {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) throw new InvalidParameterError('seed', 'expected 32 bytes')
  return entropyToMnemonic(seed, wordlist)
}
