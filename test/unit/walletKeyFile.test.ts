import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { readKeyFile, writeKeyFile } from '../../src/cli/walletKeyFile.ts'

const dir = mkdtempSync(join(tmpdir(), 'zkpay-keyfile-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const seed = new Uint8Array(32).map((_, i) => i)

describe('wallet key file', () => {
  it('default: the seed comes back under its passphrase; the file is owner-only and holds no plaintext seed', () => {
    const path = join(dir, 'a', 'wallet.key')
    writeKeyFile(path, seed, 'pass phrase')
    expect(readKeyFile(path, 'pass phrase')).toEqual(seed)
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(readFileSync(path, 'utf8')).not.toContain(Buffer.from(seed).toString('base64'))
  })

  it('error: a wrong passphrase, a missing file, a file that is not a key file, another version, and overwriting are INVALID_PARAMETER', () => {
    const path = join(dir, 'b.key')
    writeKeyFile(path, seed, 'right')
    expect(() => readKeyFile(path, 'wrong')).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER', shortMessage: expect.stringMatching(/passphrase does not open/) }))
    expect(() => readKeyFile(join(dir, 'none.key'), 'x')).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER', shortMessage: expect.stringMatching(/no wallet at/) }))
    writeFileSync(join(dir, 'junk.key'), 'not json')
    expect(() => readKeyFile(join(dir, 'junk.key'), 'x')).toThrow(expect.objectContaining({ shortMessage: expect.stringMatching(/not a zkpay wallet key file/) }))
    writeFileSync(join(dir, 'v2.key'), JSON.stringify({ ...JSON.parse(readFileSync(path, 'utf8')), version: 2 }))
    expect(() => readKeyFile(join(dir, 'v2.key'), 'right')).toThrow(expect.objectContaining({ shortMessage: expect.stringMatching(/unknown key file version/) }))
    expect(() => writeKeyFile(path, new Uint8Array(32), 'right')).toThrow(expect.objectContaining({ shortMessage: expect.stringMatching(/already exists/) }))
    expect(readKeyFile(path, 'right')).toEqual(seed) // untouched
  })
})
