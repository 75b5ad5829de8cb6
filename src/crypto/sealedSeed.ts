import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { scryptAsync } from '@noble/hashes/scrypt.js'
import { randomBytes } from '@noble/hashes/utils.js'
import { base64 } from '@scure/base'
import { z } from 'zod'
import { InvalidParameterError, KeyFileDamagedError, WeakPassphraseError, WrongPassphraseError } from '../errors/index.ts'

// A wallet's 32-byte seed sealed under a passphrase, as JSON: scrypt derives a key from the
// passphrase, XChaCha20-Poly1305 seals the seed with it. The CLI writes it to a key file
// (`src/cli/walletKeyFile.ts`), a browser keeps it in the wallet's IndexedDB vault; both read
// and write this one format. Only the scrypt differs: Node's runs on libuv's threads, several
// times faster; a browser has only a JavaScript one (noble's, the default here).

/** scrypt's cost parameters. */
export type ScryptParams = { N: number; r: number; p: number }

/**
 * Derives the 32-byte key from a passphrase (UTF-8) and a salt: any implementation of scrypt
 * (RFC 7914) gives the same key, so a seed sealed with one opens with another.
 */
export type Scrypt = (passphrase: string, salt: Uint8Array, params: ScryptParams) => Promise<Uint8Array>

/**
 * scrypt cost of new sealed seeds: 64 MiB, about 0.15 s with Node's scrypt, under a second with
 * noble's in a browser; paid once per unlock.
 *
 * @example
 * const sealed = await sealSeed(seed, passphrase, { kdf: SEALED_SEED_KDF })
 */
export const SEALED_SEED_KDF: Readonly<ScryptParams> = { N: 2 ** 16, r: 8, p: 1 }

/**
 * The shortest passphrase a new sealed seed accepts.
 *
 * @example
 * if (passphrase.length < MIN_PASSPHRASE_LENGTH) showHint(`at least ${MIN_PASSPHRASE_LENGTH} characters`)
 */
export const MIN_PASSPHRASE_LENGTH = 8

/** What the errors tell the user, where the defaults (a typed passphrase, recovery words) do not fit: the CLI's. */
export type SealedSeedHints = {
  /** where the passphrase was read, e.g. `ZKPAY_WALLET_PASSPHRASE` */
  passphraseFrom?: string
  /** how to get the wallet back when the sealed seed is damaged */
  restore?: string
}

/**
 * What a sealed seed may ask of the KDF. Its parameters are read from the sealed text, so without
 * bounds a damaged or hostile one could make every unlock allocate gigabytes or run for hours.
 */
const KDF_BOUNDS = { minLogN: 14, maxLogN: 20, maxR: 16, maxP: 4, maxMemory: 2 ** 30 } as const

const kdfFields = {
  N: z
    .number()
    .int()
    .refine((n) => n >= 2 ** KDF_BOUNDS.minLogN && n <= 2 ** KDF_BOUNDS.maxLogN && (n & (n - 1)) === 0, {
      error: `scrypt N must be a power of two from 2^${KDF_BOUNDS.minLogN} to 2^${KDF_BOUNDS.maxLogN}`,
    }),
  r: z.number().int().min(1).max(KDF_BOUNDS.maxR, { error: `scrypt r must be 1 to ${KDF_BOUNDS.maxR}` }),
  p: z.number().int().min(1).max(KDF_BOUNDS.maxP, { error: `scrypt p must be 1 to ${KDF_BOUNDS.maxP}` }),
}
const withinMemory = (f: ScryptParams) => 128 * f.N * f.r <= KDF_BOUNDS.maxMemory
const tooMuchMemory = 'scrypt N and r ask for more than 1 GiB of memory'

const bytesOf = (length: number) =>
  z.string().transform((s, ctx) => {
    try {
      const b = base64.decode(s)
      if (b.length === length) return b
    } catch {}
    ctx.addIssue({ code: 'custom', message: `expected ${length} bytes in base64` })
    return z.NEVER
  })

const kdfSchema = z.object(kdfFields).refine(withinMemory, { error: tooMuchMemory, path: ['N'] })

const sealedSeedSchema = z
  .object({
    version: z.literal(1, { error: 'unknown key file version' }),
    kdf: z.literal('scrypt', { error: 'unknown key derivation' }),
    ...kdfFields,
    salt: bytesOf(16),
    nonce: bytesOf(24),
    // a 32-byte seed and its 16-byte tag
    ciphertext: bytesOf(48),
  })
  .refine(withinMemory, { error: tooMuchMemory, path: ['N'] })

/**
 * noble's scrypt, in JavaScript: what a browser has. It yields to the event loop as it works, so
 * a page stays responsive while it derives.
 *
 * @example
 * const key = await nobleScrypt('pass phrase', salt, { N: 2 ** 16, r: 8, p: 1 })
 */
export const nobleScrypt: Scrypt = (passphrase, salt, { N, r, p }) =>
  scryptAsync(new TextEncoder().encode(passphrase), salt, { N, r, p, dkLen: 32, maxmem: 128 * r * (N + p) + 2 ** 20 })

/**
 * Seals a wallet's 32-byte seed under a passphrase: the JSON text `openSealedSeed` opens (a key
 * file's content). An empty or short passphrase is refused (WEAK_PASSPHRASE): a sealed seed
 * anyone who copies it can open protects nothing. `kdf` (bounded as on opening) defaults to
 * SEALED_SEED_KDF, `scrypt` to noble's.
 *
 * @example
 * const sealed = await sealSeed(seed, passphrase)
 * store.saveSealedSeed(sealed)
 */
export async function sealSeed(seed: Uint8Array, passphrase: string, options: { scrypt?: Scrypt; kdf?: ScryptParams; hints?: SealedSeedHints } = {}): Promise<string> {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) throw new InvalidParameterError('seed', 'expected 32 bytes')
  if (typeof passphrase !== 'string' || passphrase.length < MIN_PASSPHRASE_LENGTH) throw new WeakPassphraseError(MIN_PASSPHRASE_LENGTH, options.hints?.passphraseFrom)
  const kdf = kdfSchema.safeParse(options.kdf ?? SEALED_SEED_KDF)
  if (!kdf.success) throw new InvalidParameterError('kdf', problemOf(kdf.error))
  const salt = randomBytes(16)
  const nonce = randomBytes(24)
  const key = await (options.scrypt ?? nobleScrypt)(passphrase, salt, kdf.data)
  const sealed = {
    version: 1,
    kdf: 'scrypt',
    ...kdf.data,
    salt: base64.encode(salt),
    nonce: base64.encode(nonce),
    ciphertext: base64.encode(xchacha20poly1305(key, nonce).encrypt(seed)),
  }
  return `${JSON.stringify(sealed, null, 2)}\n`
}

/**
 * Opens a seed sealed by `sealSeed`. Every field is checked before the KDF runs (KEY_FILE_DAMAGED
 * names the first bad one, so a hostile text cannot ask for gigabytes); a wrong passphrase, or a
 * ciphertext changed since sealing, is WRONG_PASSPHRASE. `source` names the sealed seed in those
 * errors (the CLI passes the key file's path).
 *
 * @example
 * const seed = await openSealedSeed(store.loadSealedSeed()!, passphrase)
 */
export async function openSealedSeed(text: string, passphrase: string, options: { scrypt?: Scrypt; source?: string; hints?: SealedSeedHints } = {}): Promise<Uint8Array> {
  if (typeof text !== 'string') throw new InvalidParameterError('text', 'expected the sealed seed as a string (`sealSeed` output)')
  if (typeof passphrase !== 'string') throw new InvalidParameterError('passphrase', 'expected a string')
  const source = options.source ?? 'the sealed seed'
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new KeyFileDamagedError(source, 'not JSON', options.hints?.restore)
  }
  const parsed = sealedSeedSchema.safeParse(json)
  if (!parsed.success) throw new KeyFileDamagedError(source, problemOf(parsed.error), options.hints?.restore)
  const sealed = parsed.data
  const key = await (options.scrypt ?? nobleScrypt)(passphrase, sealed.salt, sealed)
  try {
    return xchacha20poly1305(key, sealed.nonce).decrypt(sealed.ciphertext)
  } catch {
    throw new WrongPassphraseError(source, options.hints?.passphraseFrom)
  }
}

/** The first issue, with the field it is about. */
function problemOf(error: z.ZodError): string {
  const issue = error.issues[0]!
  return issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message
}
