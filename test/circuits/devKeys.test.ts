import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import * as snarkjs from 'snarkjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadVerificationKey, readManifest } from '../../src/circuits/artifacts.ts'
import { ceremonyContribute } from '../../src/circuits/ceremony.ts'
import { compileCircuit } from '../../src/circuits/compile.ts'
import { terminateCurve } from '../../src/circuits/curve.ts'
import { assertKeysAllowed, DEV_ALPHA_1, DEV_BETA_2, DEVNET_CHAIN_ID, isDevKey, type KeyPoints, keysInUse, readZkeyPoints } from '../../src/circuits/devKeys.ts'
import { projectRoot } from '../helpers/circuit.ts'
import { makeTestPtaus, type TestPtaus } from '../helpers/ptau.ts'

// Who this guards against: an operator who puts the committed dev keys (forgeable: see
// test/attacks/user.forgedProof.test.ts) on a real chain by mistake. The keys are recognised by
// their α and β, never by a flag a file could omit, and refused off the devnet.

let dir: string
let ptau: TestPtaus

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'zkpay-devkeys-'))
  ptau = await makeTestPtaus(dir)
}, 120_000)

afterAll(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true })
  await terminateCurve()
})

describe('isDevKey', () => {
  const other: KeyPoints = { vk_alpha_1: ['1', '2', '1'], vk_beta_2: [['1', '2'], ['3', '4'], ['1', '0']] }

  it('default: the committed keys (proving and verification) are dev keys, and keysInUse says so with their SHA-256s', async () => {
    const keys = await keysInUse({ provingKeys: true })
    const manifest = readManifest()
    expect(keys).toEqual({
      dev: true,
      circuits: {
        transfer: { dev: true, vkeySha256: manifest.circuits.find((c) => c.name === 'transfer')!.vkeySha256 },
        batch: { dev: true, vkeySha256: manifest.circuits.find((c) => c.name === 'batch')!.vkeySha256 },
      },
    })
    for (const name of ['transfer', 'batch'] as const) {
      const vkey = loadVerificationKey(name) as KeyPoints
      const fromZkey = await readZkeyPoints(path.join(projectRoot, `circuits/artifacts/${name}.zkey`))
      expect(fromZkey.vk_alpha_1.map(String)).toEqual(vkey.vk_alpha_1.slice(0, 2))
      expect(fromZkey.vk_beta_2.map((c) => c.map(String))).toEqual(vkey.vk_beta_2.slice(0, 2))
    }
  })

  it('behavior: a key is a dev key when its α or its β is the dev one (either one lets anyone forge)', () => {
    const devAlpha = DEV_ALPHA_1.map(String)
    const devBeta = DEV_BETA_2.map((c) => c.map(String))
    expect(isDevKey(other)).toBe(false)
    expect(isDevKey({ ...other, vk_alpha_1: devAlpha })).toBe(true)
    expect(isDevKey({ ...other, vk_beta_2: devBeta })).toBe(true)
    expect(isDevKey({ vk_alpha_1: ['junk'], vk_beta_2: [] })).toBe(false)
  })

  it('behavior: a phase-2 contribution leaves a key on the dev phase 1 forgeable; a key on a contributed phase 1 is not a dev key', async () => {
    const circuitDir = path.join(projectRoot, '.cache/circuits/tiny-multiplier')
    mkdirSync(circuitDir, { recursive: true })
    const source = path.join(circuitDir, 'tiny-multiplier.circom')
    writeFileSync(source, 'pragma circom 2.1.0;\ntemplate M() { signal input a; signal input b; signal output c; c <== a * b; }\ncomponent main = M();\n')
    const { r1csPath } = await compileCircuit({ source, outDir: circuitDir })
    const keyOn = async (phase1: string, name: string) => {
      const prepared = path.join(dir, `${name}.prepared.ptau`)
      await snarkjs.powersOfTau.preparePhase2!(phase1, prepared)
      await snarkjs.zKey.newZKey!(r1csPath, prepared, path.join(dir, `${name}.0.zkey`))
      await ceremonyContribute(path.join(dir, `${name}.0.zkey`), path.join(dir, `${name}.zkey`), { name: 'honest participant' })
      return path.join(dir, `${name}.zkey`)
    }
    const onDev = await keyOn(ptau.devRecipe, 'on-dev')
    const onContributed = await keyOn(ptau.contributedBeacon, 'on-contributed')
    const vkeyOnDev = await snarkjs.zKey.exportVerificationKey!(onDev)
    expect(vkeyOnDev.vk_alpha_1.slice(0, 2)).toEqual(DEV_ALPHA_1.map(String)) // phase 2 changed δ only
    expect(isDevKey(vkeyOnDev)).toBe(true)
    expect(isDevKey(await readZkeyPoints(onDev))).toBe(true)
    expect(isDevKey(await snarkjs.zKey.exportVerificationKey!(onContributed))).toBe(false)
    expect(isDevKey(await readZkeyPoints(onContributed))).toBe(false)
  })
})

describe('assertKeysAllowed', () => {
  it('error: dev keys off the devnet are DEV_KEYS_REFUSED, naming the dev keys and the forgery; allowed on 31337 or with the explicit flag', () => {
    const dev = { dev: true }
    expect(() => assertKeysAllowed({ action: 'deploy the rollup', chainId: 1, keys: dev })).toThrow(
      expect.objectContaining({ code: 'DEV_KEYS_REFUSED', message: expect.stringMatching(/dev verifying keys on chain 1: .*anyone can forge proofs.*--insecure-dev-keys/) }),
    )
    expect(() => assertKeysAllowed({ action: 'deploy the rollup', chainId: 1, keys: dev, allowInsecureDevKeys: 'yes' as never })).toThrow(expect.objectContaining({ code: 'DEV_KEYS_REFUSED' }))
    expect(() => assertKeysAllowed({ action: 'deploy the rollup', chainId: DEVNET_CHAIN_ID, keys: dev })).not.toThrow()
    expect(() => assertKeysAllowed({ action: 'deploy the rollup', chainId: 1, keys: dev, allowInsecureDevKeys: true })).not.toThrow()
    expect(() => assertKeysAllowed({ action: 'deploy the rollup', chainId: 1, keys: { dev: false } })).not.toThrow()
  })
})
