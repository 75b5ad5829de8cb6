import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sha256File } from '../../src/circuits/artifacts.ts'
import { ceremonyInit, ceremonyInstall, ceremonyVerify } from '../../src/circuits/ceremony.ts'
import { terminateCurve } from '../../src/circuits/curve.ts'
import { checkPtau, inspectPtau } from '../../src/circuits/ptau.ts'
import { runZkpay } from '../helpers/cli.ts'
import { projectRoot } from '../helpers/circuit.ts'
import { makeTestPtaus, type TestPtaus } from '../helpers/ptau.ts'

// Who this guards against: a ceremony coordinator (or a tool default) that builds production
// keys on a phase 1 whose secrets are public, like the dev one (a beacon and nothing else):
// every key made on it can be forged, whoever contributes to phase 2
// (test/attacks/user.forgedProof.test.ts). The ceremony demands a phase-1 file, checks it and
// prints its hashes for comparison with the published ones.

let dir: string
let ptau: TestPtaus

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'zkpay-ptau-'))
  ptau = await makeTestPtaus(dir)
}, 120_000)

afterAll(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true })
  await terminateCurve()
})

describe('checkPtau', () => {
  it('error: a phase 1 made like the dev one (a beacon and nothing else) is PTAU_BEACON_ONLY', async () => {
    await expect(checkPtau(ptau.devRecipe)).rejects.toMatchObject({ code: 'PTAU_BEACON_ONLY', message: expect.stringMatching(/only public beacons.*forge proofs/) })
    await expect(checkPtau(ptau.empty)).rejects.toMatchObject({ code: 'PTAU_BEACON_ONLY', message: expect.stringMatching(/no contribution/) })
  })

  it("behavior: a phase 1 with a participant's contribution passes, with its hashes and contributions", async () => {
    const report = await checkPtau(ptau.contributedBeacon)
    expect(report).toEqual({
      file: ptau.contributedBeacon,
      sha256: sha256File(ptau.contributedBeacon),
      blake2b512: createHash('blake2b512').update(readFileSync(ptau.contributedBeacon)).digest('hex'),
      power: 3,
      contributions: [
        { name: 'alice', kind: 'contribution' },
        { name: 'final beacon', kind: 'beacon' },
      ],
    })
    expect((await checkPtau(ptau.contributed)).contributions).toEqual([{ name: 'alice', kind: 'contribution' }])
  })

  it('error: a phase 1 that does not verify, is no ptau file, or is missing is PTAU_INVALID; none at all is PTAU_REQUIRED', async () => {
    expect((await inspectPtau(ptau.tampered)).contributions).toHaveLength(2) // its contribution list is intact: only verification catches it
    await expect(checkPtau(ptau.tampered)).rejects.toMatchObject({ code: 'PTAU_INVALID', message: expect.stringMatching(/does not verify/) })
    await expect(checkPtau(path.join(projectRoot, 'README.md'))).rejects.toMatchObject({ code: 'PTAU_INVALID' })
    await expect(checkPtau(path.join(dir, 'missing.ptau'))).rejects.toMatchObject({ code: 'PTAU_INVALID', message: expect.stringMatching(/does not exist/) })
    await expect(checkPtau(undefined as unknown as string)).rejects.toMatchObject({ code: 'PTAU_REQUIRED' })
  })

  it('error: ceremonyInit, ceremonyVerify and ceremonyInstall check the phase 1 before anything else', async () => {
    const out = path.join(dir, 'never.zkey')
    const zkey = path.join(projectRoot, 'circuits/artifacts/transfer.zkey')
    await expect(ceremonyInit('transfer', out, { ptau: ptau.devRecipe })).rejects.toMatchObject({ code: 'PTAU_BEACON_ONLY' })
    await expect(ceremonyInit('transfer', out, {} as never)).rejects.toMatchObject({ code: 'PTAU_REQUIRED' })
    await expect(ceremonyVerify('transfer', zkey, { ptau: ptau.devRecipe })).rejects.toMatchObject({ code: 'PTAU_BEACON_ONLY' })
    const before = sha256File(zkey)
    await expect(ceremonyInstall('transfer', zkey, { ptau: ptau.tampered })).rejects.toMatchObject({ code: 'PTAU_INVALID' })
    expect(existsSync(out)).toBe(false)
    expect(sha256File(zkey)).toBe(before)
  })
})

describe('zkpay ceremony', () => {
  it('error: init, verify and install without --ptau exit 2 with PTAU_REQUIRED; a beacon-only --ptau exits 2 with PTAU_BEACON_ONLY', async () => {
    const out = path.join(dir, 'out.zkey')
    const zkey = 'circuits/artifacts/transfer.zkey'
    for (const args of [['init', 'transfer', out], ['verify', 'transfer', zkey], ['install', 'transfer', zkey]]) {
      const r = await runZkpay(['ceremony', ...args])
      expect(r, args[0]).toMatchObject({ code: 2, stderr: expect.stringMatching(/^error PTAU_REQUIRED: .*--ptau/) })
    }
    const r = await runZkpay(['ceremony', 'init', 'transfer', out, '--ptau', ptau.devRecipe])
    expect(r).toMatchObject({ code: 2, stderr: expect.stringMatching(/^error PTAU_BEACON_ONLY: .*forge proofs/) })
    expect(existsSync(out)).toBe(false)
  })
})
