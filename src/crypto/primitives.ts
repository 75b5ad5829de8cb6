import { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import { x25519 } from '@noble/curves/ed25519.js'
import { blake2b } from '@noble/hashes/blake2.js'
import { nodeBuiltin } from './nodeBuiltin.ts'

/**
 * The symmetric and x25519 primitives of note encryption, behind one interface so the same
 * code runs on libsodium in Node (sodium-native: ~19,000 ECDH/s per core, measured) and on
 * the audited pure-JS @noble packages in a browser (~425 ECDH/s). Wallet sync is bounded by
 * ECDH speed, so Node takes the native path whenever the addon loads.
 */
export type Primitives = {
  readonly name: 'sodium-native' | 'noble'
  /** X25519(scalar, point); null when the result is the all-zero point (a low-order `point`). */
  x25519(scalar: Uint8Array, point: Uint8Array): Uint8Array | null
  x25519Base(scalar: Uint8Array): Uint8Array
  /** Keyed BLAKE2b-256 (libsodium's `crypto_generichash`): the note-key KDF. */
  kdf(key: Uint8Array, message: Uint8Array): Uint8Array
  /** ChaCha20-Poly1305 (IETF, 12-byte nonce); returns ciphertext ‖ 16-byte tag. */
  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Uint8Array
  /** Returns the plaintext, or null when the tag does not verify. */
  open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array): Uint8Array | null
}

/**
 * The pure-JS backend (the audited @noble packages): the one a browser runs, and Node's fallback.
 *
 * @example
 * setPrimitives(noblePrimitives) // e.g. to test the pure-JS path in Node
 */
export const noblePrimitives: Primitives = {
  name: 'noble',
  x25519(scalar, point) {
    try {
      return x25519.getSharedSecret(scalar, point)
    } catch {
      return null // noble rejects low-order points (all-zero shared secret)
    }
  },
  x25519Base: (scalar) => x25519.getPublicKey(scalar),
  kdf: (key, message) => blake2b(message, { key, dkLen: 32 }),
  seal: (key, nonce, plaintext) => chacha20poly1305(key, nonce).encrypt(plaintext),
  open(key, nonce, sealed) {
    try {
      return chacha20poly1305(key, nonce).decrypt(sealed)
    } catch {
      return null
    }
  },
}

type Sodium = {
  crypto_scalarmult(q: Uint8Array, n: Uint8Array, p: Uint8Array): void
  crypto_scalarmult_base(q: Uint8Array, n: Uint8Array): void
  crypto_generichash(out: Uint8Array, message: Uint8Array, key: Uint8Array): void
  crypto_aead_chacha20poly1305_ietf_encrypt(c: Uint8Array, m: Uint8Array, ad: null, nsec: null, npub: Uint8Array, k: Uint8Array): number
  crypto_stream_chacha20_ietf(c: Uint8Array, n: Uint8Array, k: Uint8Array): void
  crypto_stream_chacha20_ietf_xor_ic(c: Uint8Array, m: Uint8Array, n: Uint8Array, ic: number, k: Uint8Array): void
  crypto_onetimeauth_verify(h: Uint8Array, input: Uint8Array, k: Uint8Array): boolean
}

function sodiumPrimitives(sodium: Sodium): Primitives {
  return {
    name: 'sodium-native',
    x25519(scalar, point) {
      const out = new Uint8Array(32)
      try {
        sodium.crypto_scalarmult(out, scalar, point)
      } catch {
        return null // libsodium refuses an all-zero result
      }
      return out
    },
    x25519Base(scalar) {
      const out = new Uint8Array(32)
      sodium.crypto_scalarmult_base(out, scalar)
      return out
    },
    kdf(key, message) {
      const out = new Uint8Array(32)
      sodium.crypto_generichash(out, message, key)
      return out
    },
    seal(key, nonce, plaintext) {
      const out = new Uint8Array(plaintext.length + 16)
      sodium.crypto_aead_chacha20poly1305_ietf_encrypt(out, plaintext, null, null, nonce, key)
      return out
    },
    open(key, nonce, sealed) {
      // RFC 8439 opening with the tag checked first by crypto_onetimeauth_verify, which returns
      // a boolean: the AEAD call reports a bad tag by throwing, and trial decryption fails for
      // nearly every output a wallet scans (the throw cost more than the ECDH in worker threads).
      if (sealed.length < 16) return null
      const length = sealed.length - 16
      const polyKey = new Uint8Array(32)
      sodium.crypto_stream_chacha20_ietf(polyKey, nonce, key) // block 0 of the keystream
      const padded = Math.ceil(length / 16) * 16
      const macData = new Uint8Array(padded + 16) // no associated data
      macData.set(sealed.subarray(0, length))
      new DataView(macData.buffer).setBigUint64(padded + 8, BigInt(length), true)
      if (!sodium.crypto_onetimeauth_verify(sealed.subarray(length), macData, polyKey)) return null
      const out = new Uint8Array(length)
      sodium.crypto_stream_chacha20_ietf_xor_ic(out, sealed.subarray(0, length), nonce, 1, key)
      return out
    },
  }
}

let selected: Primitives | undefined

/**
 * The native primitives when the sodium-native addon loads here, the pure-JS ones otherwise.
 *
 * @example
 * const vpk = getPrimitives().x25519Base(vsk) // getPrimitives().name: 'sodium-native' or 'noble'
 */
export function getPrimitives(): Primitives {
  if (selected) return selected
  try {
    // No `node:module` in a browser: the pure-JS primitives there.
    const require = nodeBuiltin('node:module')?.createRequire(import.meta.url)
    selected = require ? sodiumPrimitives(require('sodium-native') as Sodium) : noblePrimitives
  } catch {
    selected = noblePrimitives
  }
  return selected
}

/**
 * Forces a backend (tests run both; a browser build may pin `noble`).
 *
 * @example
 * setPrimitives(noblePrimitives)
 */
export function setPrimitives(primitives: Primitives): void {
  selected = primitives
}
