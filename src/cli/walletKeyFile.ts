import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { randomBytes } from '@noble/hashes/utils.js'
import { scrypt } from '@noble/hashes/scrypt.js'
import { base64 } from '@scure/base'
import { InvalidParameterError } from '../errors/index.ts'

/** scrypt cost: about 0.3 s here, paid once per command. */
const KDF = { N: 2 ** 16, r: 8, p: 1, dkLen: 32 } as const

type KeyFile = { version: 1; kdf: 'scrypt'; N: number; r: number; p: number; salt: string; nonce: string; ciphertext: string }

/**
 * Writes the wallet's 32-byte seed encrypted under a passphrase: scrypt derives the key,
 * XChaCha20-Poly1305 seals the seed. The file is created readable by its owner only, and never
 * overwritten (losing a seed loses its money).
 */
export function writeKeyFile(path: string, seed: Uint8Array, passphrase: string): void {
  if (existsSync(path)) throw new InvalidParameterError('wallet', `a wallet already exists at ${path}; move it away first (it holds the only copy of its key besides the mnemonic)`)
  const salt = randomBytes(16)
  const nonce = randomBytes(24)
  const key = scrypt(new TextEncoder().encode(passphrase), salt, KDF)
  const file: KeyFile = {
    version: 1,
    kdf: 'scrypt',
    N: KDF.N,
    r: KDF.r,
    p: KDF.p,
    salt: base64.encode(salt),
    nonce: base64.encode(nonce),
    ciphertext: base64.encode(xchacha20poly1305(key, nonce).encrypt(seed)),
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: 'wx' })
  chmodSync(path, 0o600)
}

/** Reads and decrypts a key file written by `writeKeyFile`; a wrong passphrase is a clear error. */
export function readKeyFile(path: string, passphrase: string): Uint8Array {
  if (!existsSync(path)) throw new InvalidParameterError('wallet', `no wallet at ${path}: create one with \`zkpay wallet new\``)
  let file: KeyFile
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as KeyFile
  } catch {
    throw new InvalidParameterError('wallet', `${path} is not a zkpay wallet key file`)
  }
  if (file.version !== 1 || file.kdf !== 'scrypt') throw new InvalidParameterError('wallet', `${path} has an unknown key file version`)
  const key = scrypt(new TextEncoder().encode(passphrase), base64.decode(file.salt), { N: file.N, r: file.r, p: file.p, dkLen: 32 })
  try {
    return xchacha20poly1305(key, base64.decode(file.nonce)).decrypt(base64.decode(file.ciphertext))
  } catch {
    throw new InvalidParameterError('ZKPAY_WALLET_PASSPHRASE', `the passphrase does not open ${path}`)
  }
}
