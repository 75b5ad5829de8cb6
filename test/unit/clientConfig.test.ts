import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadClientConfig } from '../../src/cli/clientConfig.ts'
import { merchantConfig, networkConfig } from '../../src/config/index.ts'
import { ConfigError } from '../../src/errors/index.ts'

// Where `zkpay wallet` and `zkpay merchant` find the rollup: flag, then variable, then devnet file.

const dir = mkdtempSync(join(tmpdir(), 'zkpay-client-config-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const devnetFile = join(dir, 'devnet.json')
writeFileSync(
  devnetFile,
  JSON.stringify({ rpcUrl: 'http://127.0.0.1:7545', sequencerUrl: 'http://127.0.0.1:7080', rollupAddress: `0x${'de'.repeat(20)}`, deployBlock: '12', accounts: [] }),
)
const none = join(dir, 'absent.json')
const flagRollup = `0x${'aa'.repeat(20)}`
const envRollup = `0x${'bb'.repeat(20)}`

describe('loadClientConfig', () => {
  it('default: a flag wins over its variable, a variable over the devnet file, the file over defaults', () => {
    const env = { ZKPAY_ROLLUP_ADDRESS: envRollup, ZKPAY_RPC_URL: 'http://rpc.example:8545' }
    const { config, devnet } = loadClientConfig(networkConfig, { rollup: flagRollup }, { devnetFile, env })
    expect(config.rollupAddress).toBe(flagRollup)
    expect(config.rpcUrl).toBe('http://rpc.example:8545')
    expect(config.sequencerUrl).toBe('http://127.0.0.1:7080')
    expect(config.fromBlock).toBe(12n)
    expect(devnet.rollupAddress).toBe(`0x${'de'.repeat(20)}`)

    const fromEnv = loadClientConfig(networkConfig, {}, { devnetFile, env }).config
    expect(fromEnv.rollupAddress).toBe(envRollup)
    const withoutDevnet = loadClientConfig(networkConfig, { rollup: flagRollup }, { devnetFile: none, env: {} }).config
    expect([withoutDevnet.rpcUrl, withoutDevnet.sequencerUrl, withoutDevnet.fromBlock]).toEqual(['http://127.0.0.1:8545', 'http://127.0.0.1:8080', 0n])
  })

  it('behavior: a blank variable counts as unset, so the devnet file fills it; the merchant schema reads its own flags', () => {
    const { config } = loadClientConfig(merchantConfig, { viewingKey: 'zkptivk1x', store: join(dir, 'm.db'), confirmations: '5' }, { devnetFile, env: { ZKPAY_ROLLUP_ADDRESS: '  ' } })
    expect(config.rollupAddress).toBe(`0x${'de'.repeat(20)}`)
    expect([config.viewingKey, config.store, config.confirmations, config.webhookUrl]).toEqual(['zkptivk1x', join(dir, 'm.db'), 5, undefined])
  })

  it('error: no rollup anywhere is CONFIG_INVALID naming the flag, the variable and the devnet', () => {
    const missing = () => loadClientConfig(networkConfig, {}, { devnetFile: none, env: {} })
    expect(missing).toThrow(ConfigError)
    expect(missing).toThrow(/ZKPAY_ROLLUP_ADDRESS is not set.*Pass --rollup or set ZKPAY_ROLLUP_ADDRESS, or start a devnet with `zkpay devnet`/)
    try {
      missing()
    } catch (e) {
      expect(e).toMatchObject({ code: 'CONFIG_INVALID', setting: 'rollupAddress', variable: 'ZKPAY_ROLLUP_ADDRESS' })
    }
  })

  it('error: a bad flag value is CONFIG_INVALID with the reason, and an unreadable devnet file counts as absent', () => {
    expect(() => loadClientConfig(networkConfig, { rollup: '0x12', rpcUrl: 'http://x' }, { devnetFile: none, env: {} })).toThrow(/rollupAddress.*expected 0x followed by 40 hex digits.*Pass --rollup/)
    expect(() => loadClientConfig(networkConfig, { rollup: flagRollup, fromBlock: '-1' }, { devnetFile: none, env: {} })).toThrow(/fromBlock.*Pass --from-block/)
    const garbage = join(dir, 'garbage.json')
    writeFileSync(garbage, '{ not json')
    expect(() => loadClientConfig(networkConfig, {}, { devnetFile: garbage, env: {} })).toThrow(/ZKPAY_ROLLUP_ADDRESS is not set/)
    expect(() => loadClientConfig(merchantConfig, { rollup: flagRollup }, { devnetFile: none, env: {} })).toThrow(/ZKPAY_VIEWING_KEY is not set/)
  })
})
