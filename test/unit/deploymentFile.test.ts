import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { type Deployment, readDeploymentFile, writeDeploymentFile } from '../../src/cli/deploymentFile.ts'
import { loadNodeSettings } from '../../src/cli/runNode.ts'

// The deployment file `zkpay deploy --write` records and `zkpay node --deployment` reads.

const dir = mkdtempSync(path.join(tmpdir(), 'zkpay-deployment-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const keys = { dev: false, vkeySha256: 'ab'.repeat(32) }
const deployment: Deployment = {
  chainId: 11155111,
  rollupAddress: `0x${'aa'.repeat(20)}`,
  deployBlock: '123',
  sequencer: `0x${'bb'.repeat(20)}`,
  escapeDelay: '7200',
  depositTimeout: '7200',
  verifyingKeys: { dev: false, circuits: { transfer: keys, batch: keys } },
}
const file = path.join(dir, 'sub', 'deployment.json')
writeDeploymentFile(file, deployment)

describe('deployment file', () => {
  it('default: what is written reads back the same', () => {
    expect(readDeploymentFile(file)).toEqual(deployment)
  })

  it('behavior: the node takes its rollup address and first block from it, and a variable or flag still wins', () => {
    const fromFile = loadNodeSettings({ deployment: file }, {})
    expect(fromFile.deployment).toEqual(deployment)
    expect(fromFile.config).toMatchObject({ rollupAddress: deployment.rollupAddress, fromBlock: 123n })
    const viaEnv = loadNodeSettings({}, { ZKPAY_DEPLOYMENT: file, ZKPAY_FROM_BLOCK: '200' })
    expect(viaEnv.config).toMatchObject({ rollupAddress: deployment.rollupAddress, fromBlock: 200n })
    const flag = `0x${'cc'.repeat(20)}` as const
    expect(loadNodeSettings({ deployment: file, rollupAddress: flag }, { ZKPAY_ROLLUP_ADDRESS: `0x${'dd'.repeat(20)}` }).config.rollupAddress).toBe(flag)
    expect(loadNodeSettings({ rollupAddress: flag }, {}).deployment).toBeUndefined()
  })

  it('error: a missing, non-JSON or malformed file is CONFIG_INVALID naming the file and ZKPAY_DEPLOYMENT', () => {
    const bad = (name: string, content: string) => {
      const f = path.join(dir, name)
      writeFileSync(f, content)
      return f
    }
    const cases: [string, RegExp][] = [
      [path.join(dir, 'missing.json'), /does not exist: write it with `zkpay deploy --write/],
      [bad('text.json', 'chainId: 1'), /is not JSON/],
      [bad('partial.json', JSON.stringify({ ...deployment, chainId: undefined })), /is invalid: chainId/],
      [bad('block.json', JSON.stringify({ ...deployment, deployBlock: 12 })), /is invalid: deployBlock/],
      [bad('keys.json', JSON.stringify({ ...deployment, verifyingKeys: { dev: false } })), /is invalid: verifyingKeys.circuits/],
    ]
    for (const [f, message] of cases) {
      expect(() => readDeploymentFile(f), f).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', variable: 'ZKPAY_DEPLOYMENT', message: expect.stringMatching(message) }))
    }
    expect(() => loadNodeSettings({}, { ZKPAY_DEPLOYMENT: path.join(dir, 'missing.json') })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }))
  })
})
