import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { scrypt } from '@noble/hashes/scrypt.js'
import { base64 } from '@scure/base'
import { afterAll, describe, expect, it } from 'vitest'
import { readKeyFile, writeKeyFile } from '../../src/cli/walletKeyFile.ts'

const dir = mkdtempSync(join(tmpdir(), 'zkpay-keyfile-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const seed = new Uint8Array(32).map((_, i) => i)

/** A copy of a good key file with `change` applied, written to a new path. */
async function variant(name: string, change: (file: Record<string, unknown>) => void): Promise<string> {
  const good = join(dir, 'good.key')
  if (!statSync(good, { throwIfNoEntry: false })) await writeKeyFile(good, seed, 'pass phrase')
  const file = JSON.parse(readFileSync(good, 'utf8')) as Record<string, unknown>
  change(file)
  const path = join(dir, `${name}.key`)
  writeFileSync(path, JSON.stringify(file))
  return path
}

describe('wallet key file', () => {
  it('default: the seed comes back under its passphrase; the file is owner-only and holds no plaintext seed', async () => {
    const path = join(dir, 'a', 'wallet.key')
    await writeKeyFile(path, seed, 'pass phrase')
    expect(await readKeyFile(path, 'pass phrase')).toEqual(seed)
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(readFileSync(path, 'utf8')).not.toContain(Buffer.from(seed).toString('base64'))
  })

  it('behavior: a file sealed with a JavaScript scrypt (as earlier versions wrote them) opens: the KDF is the same function', async () => {
    const salt = new Uint8Array(16).fill(7)
    const nonce = new Uint8Array(24).fill(9)
    const key = scrypt(new TextEncoder().encode('pässphrase'), salt, { N: 2 ** 14, r: 8, p: 1, dkLen: 32 })
    const file = { version: 1, kdf: 'scrypt', N: 2 ** 14, r: 8, p: 1, salt: base64.encode(salt), nonce: base64.encode(nonce), ciphertext: base64.encode(xchacha20poly1305(key, nonce).encrypt(seed)) }
    writeFileSync(join(dir, 'old.key'), JSON.stringify(file))
    expect(await readKeyFile(join(dir, 'old.key'), 'pässphrase')).toEqual(seed)
  })

  it('error: a wrong passphrase is WRONG_PASSPHRASE; a missing file and overwriting are INVALID_PARAMETER', async () => {
    const path = join(dir, 'b.key')
    await writeKeyFile(path, seed, 'right one')
    await expect(readKeyFile(path, 'wrong one')).rejects.toMatchObject({ code: 'WRONG_PASSPHRASE', shortMessage: expect.stringMatching(/does not open/) })
    await expect(readKeyFile(join(dir, 'none.key'), 'x')).rejects.toMatchObject({ code: 'INVALID_PARAMETER', shortMessage: expect.stringMatching(/no wallet at/) })
    await expect(writeKeyFile(path, new Uint8Array(32), 'right one')).rejects.toMatchObject({ shortMessage: expect.stringMatching(/already exists/) })
    expect(await readKeyFile(path, 'right one')).toEqual(seed) // untouched
  })

  it('error: an empty or short passphrase is WEAK_PASSPHRASE and writes nothing', async () => {
    for (const weak of ['', 'short']) {
      await expect(writeKeyFile(join(dir, `weak${weak}.key`), seed, weak)).rejects.toMatchObject({ code: 'WEAK_PASSPHRASE' })
      expect(statSync(join(dir, `weak${weak}.key`), { throwIfNoEntry: false })).toBeUndefined()
    }
  })

  it('error: a damaged file is KEY_FILE_DAMAGED naming the field, before any KDF work (no huge N, no missing salt, no other version)', async () => {
    writeFileSync(join(dir, 'junk.key'), 'not json')
    await expect(readKeyFile(join(dir, 'junk.key'), 'x')).rejects.toMatchObject({ code: 'KEY_FILE_DAMAGED', shortMessage: expect.stringMatching(/not JSON/) })
    const cases: [string, (f: Record<string, unknown>) => void, RegExp][] = [
      ['nosalt', (f) => delete f.salt, /salt/],
      ['shortsalt', (f) => (f.salt = base64.encode(new Uint8Array(3))), /salt: expected 16 bytes/],
      ['badnonce', (f) => (f.nonce = '!!!'), /nonce/],
      ['hugeN', (f) => (f.N = 2 ** 40), /N: scrypt N must be a power of two/],
      ['oddN', (f) => (f.N = 65_535), /N: scrypt N must be a power of two/],
      ['hugeR', (f) => (f.r = 1024), /r: scrypt r must be 1 to 16/],
      ['hugeP', (f) => (f.p = 99), /p: scrypt p must be 1 to 4/],
      ['hugeMemory', (f) => ((f.N = 2 ** 20), (f.r = 16)), /N: scrypt N and r ask for more than 1 GiB/],
      ['v2', (f) => (f.version = 2), /unknown key file version/],
      ['argon', (f) => (f.kdf = 'argon2id'), /unknown key derivation/],
      ['cut', (f) => (f.ciphertext = base64.encode(new Uint8Array(47))), /ciphertext/],
    ]
    for (const [name, change, message] of cases) {
      const path = await variant(name, change)
      await expect(readKeyFile(path, 'pass phrase'), name).rejects.toMatchObject({ code: 'KEY_FILE_DAMAGED', shortMessage: expect.stringMatching(message) })
    }
  })
})
