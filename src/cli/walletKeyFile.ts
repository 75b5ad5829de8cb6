import { scrypt } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { openSealedSeed, type Scrypt, sealSeed } from '../crypto/sealedSeed.ts'
import { InvalidParameterError } from '../errors/index.ts'

// The CLI's wallet key file: a sealed seed (`src/crypto/sealedSeed.ts`, the format a browser
// wallet keeps too) in a file readable by its owner only, sealed and opened with Node's scrypt.

export { MIN_PASSPHRASE_LENGTH } from '../crypto/sealedSeed.ts'

/** The CLI reads the passphrase from its environment, and restores with a command. */
const CLI_HINTS = { passphraseFrom: 'ZKPAY_WALLET_PASSPHRASE', restore: 'restore the wallet from its mnemonic with `zkpay wallet new --mnemonic-env` in a new --dir' } as const

/**
 * scrypt on libuv's thread pool (OpenSSL): the same function as noble's in JavaScript, several
 * times faster, and off the main thread.
 *
 * @example
 * const seed = await openSealedSeed(text, passphrase, { scrypt: nodeScrypt })
 */
export const nodeScrypt: Scrypt = (passphrase, salt, p) => {
  const memory = 128 * p.N * p.r
  return new Promise((resolve, reject) =>
    scrypt(passphrase, salt, 32, { N: p.N, r: p.r, p: p.p, maxmem: memory + 2 ** 20 }, (error, key) => (error ? reject(error) : resolve(new Uint8Array(key)))),
  )
}

/**
 * Writes the wallet's 32-byte seed encrypted under a passphrase (`sealSeed`: scrypt derives the
 * key, XChaCha20-Poly1305 seals the seed). The file is created readable by its owner only, and
 * never overwritten (losing a seed loses its money). An empty or short passphrase is refused: a
 * key file anyone who copies it can open protects nothing.
 *
 * @example
 * await writeKeyFile('.zkpay/wallet/wallet.key', seed, process.env.ZKPAY_WALLET_PASSPHRASE ?? '')
 */
export async function writeKeyFile(path: string, seed: Uint8Array, passphrase: string): Promise<void> {
  // Sealing checks the seed and the passphrase first, as before the file's existence.
  const sealed = await sealSeed(seed, passphrase, { scrypt: nodeScrypt, hints: CLI_HINTS })
  if (existsSync(path)) throw new InvalidParameterError('wallet', `a wallet already exists at ${path}; move it away first (it holds the only copy of its key besides the mnemonic)`)
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  writeFileSync(path, sealed, { mode: 0o600, flag: 'wx' })
  chmodSync(path, 0o600)
}

/**
 * Reads and decrypts a key file written by `writeKeyFile` (`openSealedSeed`). Every field is
 * checked before the KDF runs (KEY_FILE_DAMAGED names the first bad one); a wrong passphrase is
 * WRONG_PASSPHRASE.
 *
 * @example
 * const seed = await readKeyFile('.zkpay/wallet/wallet.key', process.env.ZKPAY_WALLET_PASSPHRASE ?? '')
 */
export async function readKeyFile(path: string, passphrase: string): Promise<Uint8Array> {
  if (!existsSync(path)) throw new InvalidParameterError('wallet', `no wallet at ${path}: create one with \`zkpay wallet new\``)
  return openSealedSeed(readFileSync(path, 'utf8'), passphrase, { scrypt: nodeScrypt, source: path, hints: CLI_HINTS })
}
