import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { base32nopad } from '@scure/base'

const sha256Hex = (s: string) => createHash('sha256').update(s).digest('hex')

/**
 * A new API key for the merchant's HTTP app, its public id, and the hash the store keeps
 * instead of the key. 256 random bits: a hash of it cannot be reversed nor the key guessed, so a
 * plain SHA-256 suffices (no salt, no KDF).
 *
 * @example
 * const { id, key, hash } = newApiKey() // key: 'zkpmk_…', shown once; id: 'key_…'
 */
export function newApiKey(): { id: string; key: string; hash: string } {
  const key = `zkpmk_${randomBytes(32).toString('base64url')}`
  const id = `key_${base32nopad.encode(randomBytes(5)).toLowerCase()}`
  return { id, key, hash: sha256Hex(key) }
}

/**
 * Whether `key` hashes to one of `hashes`. Every hash is compared in constant time, with no early
 * exit, so the answer's timing says nothing about the keys.
 *
 * @example
 * apiKeyMatches(token, store.listApiKeys().filter((k) => k.revokedAt === null).map((k) => k.hash))
 */
export function apiKeyMatches(key: string, hashes: readonly string[]): boolean {
  if (typeof key !== 'string') return false
  const given = Buffer.from(sha256Hex(key), 'hex')
  let found = false
  for (const hash of hashes) {
    if (timingSafeEqual(given, Buffer.from(hash, 'hex'))) found = true
  }
  return found
}
