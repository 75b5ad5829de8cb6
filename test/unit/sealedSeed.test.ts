import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { base64 } from '@scure/base'
import * as esbuild from 'esbuild'
import { describe, expect, it, vi } from 'vitest'
import { nodeScrypt } from '../../src/cli/walletKeyFile.ts'
import { nobleScrypt, openSealedSeed, SEALED_SEED_KDF, type Scrypt, sealSeed } from '../../src/crypto/sealedSeed.ts'
import { KeyFileDamagedError, WrongPassphraseError } from '../../src/errors/index.ts'

// One sealed-seed format for the CLI (Node's scrypt) and the browser (noble's): a seed sealed by
// either opens with the other, and a sealed text is checked whole before any KDF work.

const seed = new Uint8Array(32).map((_, i) => 255 - i)
const light = { N: 2 ** 14, r: 8, p: 1 } // the cheapest cost a sealed seed may ask for: quick tests
const counted = (inner: Scrypt) => vi.fn<Scrypt>(inner)
/** `text` as JSON with `change` applied. */
const edited = (text: string, change: (f: Record<string, unknown>) => void) => {
  const f = JSON.parse(text) as Record<string, unknown>
  change(f)
  return JSON.stringify(f)
}

describe('sealed seed', () => {
  it('default: sealed with noble scrypt it opens with Node scrypt, and the other way: one format', async () => {
    const byNoble = await sealSeed(seed, 'pässphrase ✓', { kdf: light })
    const byNode = await sealSeed(seed, 'pässphrase ✓', { kdf: light, scrypt: nodeScrypt })
    expect(await openSealedSeed(byNoble, 'pässphrase ✓', { scrypt: nodeScrypt })).toEqual(seed)
    expect(await openSealedSeed(byNode, 'pässphrase ✓')).toEqual(seed)
    const fields = (text: string) => Object.entries(JSON.parse(text) as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'number' ? v : typeof v])
    expect(fields(byNoble)).toEqual([
      ['version', 1],
      ['kdf', 'string'],
      ['N', 2 ** 14],
      ['r', 8],
      ['p', 1],
      ['salt', 'string'],
      ['nonce', 'string'],
      ['ciphertext', 'string'],
    ])
    expect(fields(byNode)).toEqual(fields(byNoble))
    // A fresh salt and nonce each time, and no plaintext seed in the text.
    expect(JSON.parse(byNoble).salt).not.toBe(JSON.parse(byNode).salt)
    expect(byNoble).not.toContain(base64.encode(seed))
  })

  it('default: the two scrypts derive the same key; new seeds are sealed at SEALED_SEED_KDF', async () => {
    const salt = new Uint8Array(16).fill(3)
    expect(await nobleScrypt('pässphrase', salt, light)).toEqual(await nodeScrypt('pässphrase', salt, light))
    const sealed = await sealSeed(seed, 'pass phrase', { scrypt: nodeScrypt })
    expect(JSON.parse(sealed)).toMatchObject({ ...SEALED_SEED_KDF })
    expect(await openSealedSeed(sealed, 'pass phrase', { scrypt: nodeScrypt })).toEqual(seed)
  })

  it('error: a wrong passphrase is WrongPassphraseError, named after the source', async () => {
    const sealed = await sealSeed(seed, 'right one', { kdf: light, scrypt: nodeScrypt })
    const wrong = openSealedSeed(sealed, 'wrong one', { scrypt: nodeScrypt })
    await expect(wrong).rejects.toBeInstanceOf(WrongPassphraseError)
    await expect(wrong).rejects.toMatchObject({ code: 'WRONG_PASSPHRASE', shortMessage: 'The passphrase does not open the sealed seed.' })
    await expect(openSealedSeed(sealed, 'wrong one', { scrypt: nodeScrypt, source: 'wallet.key' })).rejects.toMatchObject({ shortMessage: expect.stringMatching(/does not open wallet\.key\.$/) })
  })

  it('error: a changed ciphertext, nonce or salt does not open (the tag fails), even with the right passphrase', async () => {
    const sealed = await sealSeed(seed, 'right one', { kdf: light, scrypt: nodeScrypt })
    const flip = (field: string) => (f: Record<string, unknown>) => {
      const bytes = base64.decode(f[field] as string)
      bytes[bytes.length - 1]! ^= 1
      f[field] = base64.encode(bytes)
    }
    for (const field of ['ciphertext', 'nonce', 'salt']) {
      await expect(openSealedSeed(edited(sealed, flip(field)), 'right one', { scrypt: nodeScrypt }), field).rejects.toMatchObject({ code: 'WRONG_PASSPHRASE' })
    }
    expect(await openSealedSeed(sealed, 'right one', { scrypt: nodeScrypt })).toEqual(seed) // the original still opens
  })

  it('error: out-of-bounds KDF parameters are refused before any scrypt work, when sealing (INVALID_PARAMETER) and opening (KEY_FILE_DAMAGED)', async () => {
    const scrypt = counted(nodeScrypt)
    const bounds: [Partial<typeof light>, RegExp][] = [
      [{ N: 2 ** 21 }, /N: scrypt N must be a power of two from 2\^14 to 2\^20/],
      [{ N: 2 ** 13 }, /N: scrypt N must be a power of two/],
      [{ N: 3 * 2 ** 14 }, /N: scrypt N must be a power of two/],
      [{ r: 17 }, /r: scrypt r must be 1 to 16/],
      [{ r: 0 }, /r: Too small/],
      [{ p: 5 }, /p: scrypt p must be 1 to 4/],
      [{ N: 2 ** 20, r: 16 }, /N: scrypt N and r ask for more than 1 GiB of memory/],
    ]
    const sealed = await sealSeed(seed, 'pass phrase', { kdf: light, scrypt: nodeScrypt })
    for (const [change, message] of bounds) {
      await expect(sealSeed(seed, 'pass phrase', { kdf: { ...light, ...change }, scrypt }), JSON.stringify(change)).rejects.toMatchObject({ code: 'INVALID_PARAMETER', parameter: 'kdf', shortMessage: expect.stringMatching(new RegExp(`^Invalid \`kdf\`: ${message.source}`)) })
      const hostile = edited(sealed, (f) => Object.assign(f, change))
      await expect(openSealedSeed(hostile, 'pass phrase', { scrypt }), JSON.stringify(change)).rejects.toMatchObject({
        code: 'KEY_FILE_DAMAGED',
        shortMessage: expect.stringMatching(new RegExp(`^the sealed seed is not a usable zkpay wallet key file \\(${message.source}`)),
      })
    }
    expect(scrypt).not.toHaveBeenCalled()
  })

  it('error: a damaged text is KeyFileDamagedError naming the field; a weak passphrase, a bad seed or a non-string are refused first', async () => {
    const scrypt = counted(nodeScrypt)
    const sealed = await sealSeed(seed, 'pass phrase', { kdf: light, scrypt: nodeScrypt })
    await expect(openSealedSeed('{', 'pass phrase', { scrypt })).rejects.toBeInstanceOf(KeyFileDamagedError)
    await expect(openSealedSeed('{', 'pass phrase', { scrypt })).rejects.toMatchObject({ code: 'KEY_FILE_DAMAGED', shortMessage: expect.stringMatching(/^the sealed seed is not a usable zkpay wallet key file \(not JSON\)/) })
    for (const [change, message] of [
      [(f: Record<string, unknown>) => delete f.salt, /\(salt: /],
      [(f: Record<string, unknown>) => (f.nonce = base64.encode(new Uint8Array(23))), /\(nonce: expected 24 bytes in base64\)/],
      [(f: Record<string, unknown>) => (f.version = 2), /\(version: unknown key file version\)/],
      [(f: Record<string, unknown>) => (f.kdf = 'argon2id'), /unknown key derivation/],
    ] as const) {
      await expect(openSealedSeed(edited(sealed, change), 'pass phrase', { scrypt })).rejects.toMatchObject({ code: 'KEY_FILE_DAMAGED', shortMessage: expect.stringMatching(message) })
    }
    await expect(openSealedSeed(42 as never, 'pass phrase', { scrypt })).rejects.toMatchObject({ code: 'INVALID_PARAMETER', parameter: 'text' })
    await expect(openSealedSeed(sealed, undefined as never, { scrypt })).rejects.toMatchObject({ code: 'INVALID_PARAMETER', parameter: 'passphrase' })
    for (const weak of ['', 'short', undefined as never]) {
      await expect(sealSeed(seed, weak, { scrypt })).rejects.toMatchObject({ code: 'WEAK_PASSPHRASE', shortMessage: expect.stringMatching(/at least 8 characters/) })
    }
    for (const bad of [new Uint8Array(31), 'x'.repeat(32) as never]) {
      await expect(sealSeed(bad, 'pass phrase', { scrypt })).rejects.toMatchObject({ code: 'INVALID_PARAMETER', parameter: 'seed', shortMessage: 'Invalid `seed`: expected 32 bytes.' })
    }
    expect(scrypt).not.toHaveBeenCalled()
  })

  it('default: the format bundles for a browser as it is: no Node built-in, no Buffer, packages included', async () => {
    const { metafile } = await esbuild.build({
      entryPoints: ['src/crypto/sealedSeed.ts'],
      absWorkingDir: fileURLToPath(new URL('../..', import.meta.url)),
      bundle: true,
      write: false,
      metafile: true,
      platform: 'browser',
      format: 'esm',
      logLevel: 'silent',
    })
    const inputs = Object.keys(metafile.inputs)
    expect(inputs).toContain('node_modules/@noble/hashes/scrypt.js')
    expect(inputs.filter((file) => file.startsWith('src/') && /\bBuffer\b/.test(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8')))).toEqual([])
  })
})
