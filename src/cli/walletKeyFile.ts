import { scrypt } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { randomBytes } from '@noble/hashes/utils.js'
import { base64 } from '@scure/base'
import { z } from 'zod'
import { InvalidParameterError, KeyFileDamagedError, WeakPassphraseError, WrongPassphraseError } from '../errors/index.ts'

/** scrypt cost of new files: about 0.15 s with Node's scrypt, paid once per command. */
const KDF = { N: 2 ** 16, r: 8, p: 1 } as const
/** The shortest passphrase a new key file accepts. */
export const MIN_PASSPHRASE_LENGTH = 8

/**
 * What a key file may ask of the KDF. The parameters are read from the file, so without bounds a
 * damaged or hostile file could make every command allocate gigabytes or run for hours.
 */
const KDF_BOUNDS = { minLogN: 14, maxLogN: 20, maxR: 16, maxP: 4, maxMemory: 2 ** 30 } as const

const bytesOf = (length: number) =>
  z.string().transform((s, ctx) => {
    try {
      const b = base64.decode(s)
      if (b.length === length) return b
    } catch {}
    ctx.addIssue({ code: 'custom', message: `expected ${length} bytes in base64` })
    return z.NEVER
  })

const keyFileSchema = z.object({
  version: z.literal(1, { error: 'unknown key file version' }),
  kdf: z.literal('scrypt', { error: 'unknown key derivation' }),
  N: z
    .number()
    .int()
    .refine((n) => n >= 2 ** KDF_BOUNDS.minLogN && n <= 2 ** KDF_BOUNDS.maxLogN && (n & (n - 1)) === 0, { error: `scrypt N must be a power of two from 2^${KDF_BOUNDS.minLogN} to 2^${KDF_BOUNDS.maxLogN}` }),
  r: z.number().int().min(1).max(KDF_BOUNDS.maxR, { error: `scrypt r must be 1 to ${KDF_BOUNDS.maxR}` }),
  p: z.number().int().min(1).max(KDF_BOUNDS.maxP, { error: `scrypt p must be 1 to ${KDF_BOUNDS.maxP}` }),
  salt: bytesOf(16),
  nonce: bytesOf(24),
  // a 32-byte seed and its 16-byte tag
  ciphertext: bytesOf(48),
}).refine((f) => 128 * f.N * f.r <= KDF_BOUNDS.maxMemory, { error: 'scrypt N and r ask for more than 1 GiB of memory', path: ['N'] })

/** scrypt on libuv's thread pool (OpenSSL): the same function as any other scrypt, several times faster than one in JavaScript. */
function deriveKey(passphrase: string, salt: Uint8Array, p: { N: number; r: number; p: number }): Promise<Uint8Array> {
  const memory = 128 * p.N * p.r
  return new Promise((resolve, reject) =>
    scrypt(passphrase, salt, 32, { N: p.N, r: p.r, p: p.p, maxmem: memory + 2 ** 20 }, (error, key) => (error ? reject(error) : resolve(new Uint8Array(key)))),
  )
}

/**
 * Writes the wallet's 32-byte seed encrypted under a passphrase: scrypt derives the key,
 * XChaCha20-Poly1305 seals the seed. The file is created readable by its owner only, and never
 * overwritten (losing a seed loses its money). An empty or short passphrase is refused: a key
 * file anyone who copies it can open protects nothing.
 *
 * @example
 * await writeKeyFile('.zkpay/wallet/wallet.key', seed, process.env.ZKPAY_WALLET_PASSPHRASE ?? '')
 */
export async function writeKeyFile(path: string, seed: Uint8Array, passphrase: string): Promise<void> {
  if (seed.length !== 32) throw new InvalidParameterError('seed', 'expected 32 bytes')
  if (passphrase.length < MIN_PASSPHRASE_LENGTH) throw new WeakPassphraseError(MIN_PASSPHRASE_LENGTH)
  if (existsSync(path)) throw new InvalidParameterError('wallet', `a wallet already exists at ${path}; move it away first (it holds the only copy of its key besides the mnemonic)`)
  const salt = randomBytes(16)
  const nonce = randomBytes(24)
  const key = await deriveKey(passphrase, salt, KDF)
  const file = {
    version: 1,
    kdf: 'scrypt',
    ...KDF,
    salt: base64.encode(salt),
    nonce: base64.encode(nonce),
    ciphertext: base64.encode(xchacha20poly1305(key, nonce).encrypt(seed)),
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: 'wx' })
  chmodSync(path, 0o600)
}

/**
 * Reads and decrypts a key file written by `writeKeyFile`. Every field is checked before the KDF
 * runs (KEY_FILE_DAMAGED names the first bad one); a wrong passphrase is WRONG_PASSPHRASE.
 *
 * @example
 * const seed = await readKeyFile('.zkpay/wallet/wallet.key', process.env.ZKPAY_WALLET_PASSPHRASE ?? '')
 */
export async function readKeyFile(path: string, passphrase: string): Promise<Uint8Array> {
  if (!existsSync(path)) throw new InvalidParameterError('wallet', `no wallet at ${path}: create one with \`zkpay wallet new\``)
  let json: unknown
  try {
    json = JSON.parse(readFileSync(path, 'utf8'))
  } catch {
    throw new KeyFileDamagedError(path, 'not JSON')
  }
  const parsed = keyFileSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new KeyFileDamagedError(path, issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message)
  }
  const file = parsed.data
  const key = await deriveKey(passphrase, file.salt, file)
  try {
    return xchacha20poly1305(key, file.nonce).decrypt(file.ciphertext)
  } catch {
    throw new WrongPassphraseError(path)
  }
}

