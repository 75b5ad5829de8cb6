import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { describeConfig, loadConfig, nodeConfig, readSecretEnv, setting } from '../../src/config/index.ts'
import { ConfigError } from '../../src/errors/index.ts'
import { createLogger, createSilentLogger } from '../../src/log/index.ts'

const rollupAddress = `0x${'ab'.repeat(20)}`
const required = { ZKPAY_ROLLUP_ADDRESS: rollupAddress }

/** Runs `fn`, which must throw, and returns the error. */
function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}

describe('loadConfig(nodeConfig)', () => {
  it('default: every setting has its documented default when only the required ones are set', () => {
    const config = loadConfig(nodeConfig, { env: required })
    expect({ ...config }).toEqual({
      rpcUrl: 'http://127.0.0.1:8545',
      rollupAddress,
      fromBlock: 0n,
      operatorKeyEnv: 'ZKPAY_OPERATOR_KEY',
      batchSize: 21,
      batchMaxAgeMs: 2000,
      fees: [],
      feeKeyEnv: 'ZKPAY_FEE_KEY',
      depositMarginBlocks: 20n,
      confirmations: 1,
      feeBumpAfterMs: 60000,
      apiPort: 8080,
      apiHost: '127.0.0.1',
      trustedProxies: [],
      rateLimitSubmit: 600,
      rateLimitRead: 1200,
      replicaId: undefined,
      eventStreams: 100,
      httpHeadersTimeoutMs: 10000,
      httpRequestTimeoutMs: 30000,
      dataDir: '.zkpay/node',
      databaseUrl: undefined,
      role: 'all',
      proverJobQueue: false,
      proverJobTimeoutMs: 60000,
      proverJobAttempts: 3,
      maxBatchesInFlight: 4,
      proverUrls: [],
      deployment: undefined,
      insecureDevKeys: false,
      proverTokenEnv: 'ZKPAY_PROVER_TOKEN',
      logLevel: 'info',
    })
  })

  it('default: every default passes its own parser', () => {
    for (const [key, declaration] of Object.entries(nodeConfig)) {
      if (!('default' in declaration)) continue
      expect(declaration.parser.safeParse(declaration.default).success, key).toBe(true)
    }
  })

  it('behavior: ZKPAY_* variables are parsed to typed values, and overrides win over them', () => {
    const token = `0x${'5F'.repeat(20)}`
    const env = {
      ...required,
      ZKPAY_BATCH_SIZE: '8',
      ZKPAY_FEES: ` ETH=0.00001, ${token}=12 `,
      ZKPAY_FEE_KEY_ENV: 'MY_FEE_KEY',
      ZKPAY_API_PORT: '0',
      ZKPAY_LOG_LEVEL: 'debug',
      ZKPAY_CONFIRMATIONS: ' ',
    }
    const config = loadConfig(nodeConfig, { env, overrides: { apiPort: 9000, dataDir: '/var/lib/zkpay' } })
    expect(config.batchSize).toBe(8)
    // Amounts stay decimal strings in the asset's units: the token's decimals come from L1 later.
    expect(config.fees).toEqual([
      { asset: '0x0000000000000000000000000000000000000000', amount: '0.00001' },
      { asset: token, amount: '12' },
    ])
    expect(config.feeKeyEnv).toBe('MY_FEE_KEY')
    expect(config.apiPort).toBe(9000)
    expect(config.dataDir).toBe('/var/lib/zkpay')
    expect(config.logLevel).toBe('debug')
    expect(config.confirmations).toBe(1) // a blank variable counts as unset
    expect(Object.isFrozen(config)).toBe(true)
  })

  it('behavior: ZKPAY_TRUSTED_PROXIES takes addresses and CIDR ranges, ZKPAY_API_HOST an address', () => {
    const config = loadConfig(nodeConfig, { env: { ...required, ZKPAY_TRUSTED_PROXIES: ' 10.0.0.1, 10.1.0.0/16,fd00::/8 ', ZKPAY_API_HOST: '0.0.0.0' } })
    expect([config.trustedProxies, config.apiHost]).toEqual([['10.0.0.1', '10.1.0.0/16', 'fd00::/8'], '0.0.0.0'])
    for (const bad of ['proxy.example', '10.0.0.1/33', '10.0.0.0/8/1', '10.0.0.1,*']) {
      expect(thrown(() => loadConfig(nodeConfig, { env: { ...required, ZKPAY_TRUSTED_PROXIES: bad } })), bad).toMatchObject({
        variable: 'ZKPAY_TRUSTED_PROXIES',
        shortMessage: 'ZKPAY_TRUSTED_PROXIES is invalid: expected IP addresses or CIDR ranges separated by commas.',
      })
    }
    expect(thrown(() => loadConfig(nodeConfig, { env: { ...required, ZKPAY_API_HOST: 'every interface' } }))).toMatchObject({ variable: 'ZKPAY_API_HOST' })
  })

  it('behavior: ZKPAY_REPLICA_ID names the process in its metrics; anything but a plain name is refused with the rule', () => {
    expect(loadConfig(nodeConfig, { env: { ...required, ZKPAY_REPLICA_ID: 'api-2.eu_west:1' } }).replicaId).toBe('api-2.eu_west:1')
    for (const bad of ['api 2', 'api"}', '-api', 'a'.repeat(65)]) {
      expect(thrown(() => loadConfig(nodeConfig, { env: { ...required, ZKPAY_REPLICA_ID: bad } })), bad).toMatchObject({
        variable: 'ZKPAY_REPLICA_ID',
        shortMessage: 'ZKPAY_REPLICA_ID is invalid: expected 1 to 64 letters, digits, dots, underscores, colons or dashes, starting with a letter or digit.',
      })
    }
  })

  it('error: a missing required setting names its variable in a sentence', () => {
    const error = thrown(() => loadConfig(nodeConfig, { env: {} }))
    expect(error).toBeInstanceOf(ConfigError)
    expect(error).toMatchObject({
      name: 'ConfigError',
      code: 'CONFIG_INVALID',
      variable: 'ZKPAY_ROLLUP_ADDRESS',
      setting: 'rollupAddress',
      shortMessage: 'ZKPAY_ROLLUP_ADDRESS is not set and has no default: the address of the Rollup contract on the settlement chain.',
    })
  })

  it.each([
    ['ZKPAY_BATCH_SIZE', '22', 'ZKPAY_BATCH_SIZE is invalid: expected an integer from 1 to 21.'],
    ['ZKPAY_BATCH_SIZE', '32', 'ZKPAY_BATCH_SIZE is invalid: expected an integer from 1 to 21.'],
    ['ZKPAY_BATCH_SIZE', '0', 'ZKPAY_BATCH_SIZE is invalid: expected an integer from 1 to 21.'],
    ['ZKPAY_BATCH_SIZE', '2.5', 'ZKPAY_BATCH_SIZE is invalid: expected an integer from 1 to 21.'],
    ...['ETH=abc', 'XYZ=1', 'ETH=-1', 'ETH=.5', 'ETH', '0x1234=1', 'ETH=0.00001,DAI=2'].map((value) => [
      'ZKPAY_FEES',
      value,
      'ZKPAY_FEES is invalid: expected ASSET=AMOUNT pairs such as ETH=0.00001,0x5FbDB2315678afecb367f032d93F642f64180aa3=0.05.',
    ]),
    ['ZKPAY_API_PORT', '70000', 'ZKPAY_API_PORT is invalid: expected a port number from 0 to 65535.'],
    ['ZKPAY_RPC_URL', 'localhost:8545', 'ZKPAY_RPC_URL is invalid: expected an http(s) or ws(s) URL.'],
    ['ZKPAY_ROLLUP_ADDRESS', '0x1234', 'ZKPAY_ROLLUP_ADDRESS is invalid: expected 0x followed by 40 hex digits.'],
    ['ZKPAY_LOG_LEVEL', 'verbose', 'ZKPAY_LOG_LEVEL is invalid: expected one of fatal, error, warn, info, debug, trace, silent.'],
  ])('error: %s=%s is refused with a sentence naming the variable', (variable, value, message) => {
    const error = thrown(() => loadConfig(nodeConfig, { env: { ...required, [variable]: value } }))
    expect(error).toMatchObject({ name: 'ConfigError', variable, shortMessage: message })
  })

  it('error: an invalid override names the setting and its variable', () => {
    const error = thrown(() => loadConfig(nodeConfig, { env: required, overrides: { batchSize: 32 } }))
    expect(error).toMatchObject({ variable: 'ZKPAY_BATCH_SIZE', shortMessage: 'The `batchSize` setting (ZKPAY_BATCH_SIZE) is invalid: expected an integer from 1 to 21.' })
    expect((error as ConfigError).details).toContain('Got 32.')
  })

  it('error: a private key pasted where the key variable NAME belongs is refused without echoing it', () => {
    const key = `0x${'5e'.repeat(32)}`
    const error = thrown(() => loadConfig(nodeConfig, { env: { ...required, ZKPAY_OPERATOR_KEY_ENV: key } })) as ConfigError
    expect(error.variable).toBe('ZKPAY_OPERATOR_KEY_ENV')
    expect(error.shortMessage).toContain('not the key itself')
    expect(`${error.message} ${inspect(error)} ${JSON.stringify(error)}`).not.toContain('5e5e')
  })

  it('error: a value that is no variable NAME in ZKPAY_FEE_KEY_ENV is refused without echoing it', () => {
    const key = `0x${'7d'.repeat(32)}`
    const error = thrown(() => loadConfig(nodeConfig, { env: { ...required, ZKPAY_FEE_KEY_ENV: key } })) as ConfigError
    expect(error.variable).toBe('ZKPAY_FEE_KEY_ENV')
    expect(error.shortMessage).toContain('not the fee key itself')
    expect(`${error.message} ${inspect(error)} ${JSON.stringify(error)}`).not.toContain('7d7d')
    // The viewing key pasted in place of its variable's name: letters and digits, but refused too.
    const pasted = 'zkptivk1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqsz8v5w6s'
    const again = thrown(() => loadConfig(nodeConfig, { env: { ...required, ZKPAY_FEE_KEY_ENV: pasted } })) as ConfigError
    expect(again.shortMessage).toContain('not the fee key itself')
    expect(`${again.message} ${inspect(again)} ${JSON.stringify(again)}`).not.toContain('qyqszqgp')
  })

  it('behavior: an RPC URL prints as its origin only, in JSON and in inspect, but is whole when read', () => {
    const url = 'https://user:pass@rpc.example.io/v3/0123456789abcdef?key=s3cret'
    const config = loadConfig(nodeConfig, { env: { ...required, ZKPAY_RPC_URL: url } })
    expect(config.rpcUrl).toBe(url)
    const json = JSON.parse(JSON.stringify(config))
    expect(json.rpcUrl).toBe('https://rpc.example.io/[redacted]')
    expect(json.fromBlock).toBe('0') // JSON has no bigint
    const printed = `${JSON.stringify(config)} ${inspect(config)}`
    for (const leak of ['user', 'pass', '0123456789abcdef', 's3cret']) expect(printed).not.toContain(leak)
    expect(Object.keys(config)).toEqual(Object.keys(nodeConfig)) // toJSON and inspect are not settings
  })

  it('security: ZKPAY_DATABASE_URL prints without its password, and one that is not postgres:// is refused without echoing it', () => {
    const url = 'postgres://zkpay:pg-s3cret@db.internal:5432/zkpay'
    const config = loadConfig(nodeConfig, { env: { ...required, ZKPAY_DATABASE_URL: url } })
    expect(config.databaseUrl).toBe(url)
    expect(JSON.parse(JSON.stringify(config)).databaseUrl).toBe('postgres://db.internal:5432/[redacted]')
    expect(inspect(config)).not.toContain('pg-s3cret')
    const error = thrown(() => loadConfig(nodeConfig, { env: { ...required, ZKPAY_DATABASE_URL: 'mysql://u:pg-s3cret@db/zkpay' } })) as ConfigError
    expect(error).toMatchObject({ name: 'ConfigError', variable: 'ZKPAY_DATABASE_URL', shortMessage: expect.stringContaining('expected a postgres:// or postgresql:// URL') })
    expect(error.message).not.toContain('pg-s3cret')
    // A password with an unescaped slash ends the URL's authority early: nothing of it shows.
    const slashed = loadConfig(nodeConfig, { env: { ...required, ZKPAY_DATABASE_URL: 'postgres://zkpay:1234/pg-s3cret@db.internal/zkpay' } })
    expect(JSON.parse(JSON.stringify(slashed)).databaseUrl).toBe('postgres://[redacted]')
  })

  it('behavior: a setting marked secret prints as [redacted] and is never echoed when invalid', () => {
    const schema = {
      token: setting({ env: 'ZKPAY_TEST_TOKEN', description: 'An API token.', parser: z.string().min(20, { error: 'expected at least 20 characters' }), secret: true }),
      port: setting({ env: 'ZKPAY_TEST_PORT', description: 'A port.', parser: z.coerce.number(), default: 1 }),
    }
    const config = loadConfig(schema, { env: { ZKPAY_TEST_TOKEN: 'tok-aaaaaaaaaaaaaaaaaaaa' } })
    expect(config.token).toBe('tok-aaaaaaaaaaaaaaaaaaaa')
    expect(JSON.stringify(config)).toBe('{"token":"[redacted]","port":1}')
    expect(inspect(config)).not.toContain('tok-')
    const error = thrown(() => loadConfig(schema, { env: { ZKPAY_TEST_TOKEN: 'tok-short' } })) as ConfigError
    expect(error.shortMessage).toBe('ZKPAY_TEST_TOKEN is invalid: expected at least 20 characters.')
    expect(error.message).not.toContain('tok-short')
  })

  it('behavior: an optional setting without a default stays undefined', () => {
    const schema = { peer: setting({ env: 'ZKPAY_TEST_PEER', description: 'A peer URL.', parser: z.url().optional() }) }
    expect(loadConfig(schema, { env: {} }).peer).toBeUndefined()
    expect(loadConfig(schema, { env: { ZKPAY_TEST_PEER: 'http://p:1' } }).peer).toBe('http://p:1')
  })
})

describe('describeConfig', () => {
  it('default: lists every node setting with its variable and printable default', () => {
    const rows = describeConfig(nodeConfig)
    expect(rows.map((r) => r.env)).toEqual(Object.values(nodeConfig).map((s) => s.env))
    expect(rows.every((r) => r.env.startsWith('ZKPAY_') && r.description.endsWith('.'))).toBe(true)
    expect(rows.find((r) => r.key === 'rollupAddress')?.default).toBeUndefined()
    expect(rows.find((r) => r.key === 'fees')?.default).toBe('')
    expect(rows.find((r) => r.key === 'feeKeyEnv')?.default).toBe('ZKPAY_FEE_KEY')
    expect(rows.find((r) => r.key === 'rpcUrl')?.default).toBe('http://127.0.0.1:8545')
  })
})

describe('Secret and readSecretEnv', () => {
  it('default: the operator key is read from the variable the config names, and never prints', () => {
    const config = loadConfig(nodeConfig, { env: { ...required, ZKPAY_OPERATOR_KEY_ENV: 'MY_KEY' } })
    const key = readSecretEnv(config.operatorKeyEnv, { env: { MY_KEY: ' 0xabc123 ' } })
    expect(key.reveal()).toBe('0xabc123')
    expect(`${key} ${JSON.stringify({ key })} ${inspect(key)} ${Object.keys(key)}`).toBe('[redacted] {"key":"[redacted]"} Secret([redacted]) ')
  })

  it('error: an unset secret variable names it, with the purpose', () => {
    const error = thrown(() => readSecretEnv('MY_KEY', { env: { MY_KEY: '' }, purpose: 'sign batches on L1' }))
    expect(error).toMatchObject({ name: 'ConfigError', variable: 'MY_KEY', shortMessage: 'MY_KEY is not set: it must hold the secret to sign batches on L1.' })
  })
})

// The logger lives in src/log; its level comes from nodeConfig.logLevel.
describe('createLogger', () => {
  function capture(level: 'info' | 'debug' | 'warn' = 'info') {
    const lines: string[] = []
    const log = createLogger('sequencer:validator', { level, destination: { write: (line: string) => void lines.push(line) } })
    return { log, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) }
  }

  it('default: writes one JSON line per record with level, time, pid, module and msg', () => {
    const { log, records } = capture()
    log.info({ txId: 'tx-1' }, 'admitted')
    const [record] = records()
    expect(record).toMatchObject({ level: 'info', pid: process.pid, module: 'sequencer:validator', txId: 'tx-1', msg: 'admitted' })
    expect(typeof record?.time).toBe('number')
  })

  it('behavior: secret fields are redacted at any of the first three levels', () => {
    const { log, records } = capture()
    log.info(
      { privateKey: '0xdeadbeef', operator: { mnemonic: 'abandon abandon' }, wallet: { keys: { sk: '1' } }, nested: { deep: { key: 'k' } }, fine: 'visible' },
      'keys',
    )
    const line = JSON.stringify(records()[0])
    for (const leak of ['deadbeef', 'abandon', '"sk"', '"k"']) expect(line).not.toContain(leak)
    expect(records()[0]).toMatchObject({ privateKey: '[redacted]', operator: { mnemonic: '[redacted]' }, wallet: { keys: '[redacted]' }, nested: { deep: { key: '[redacted]' } }, fine: 'visible' })
  })

  it('behavior: bigints are written as fixed-width 0x hex, like field elements everywhere else', () => {
    const { log, records } = capture()
    log.info({ root: 255n, nullifiers: [1n], batch: { oldRoot: 16n } }, 'sealed')
    const h = (x: string) => `0x${x.padStart(64, '0')}`
    expect(records()[0]).toMatchObject({ root: h('ff'), nullifiers: [h('1')], batch: { oldRoot: h('10') } })
  })

  it('behavior: the level filters records, children keep the module and add context', () => {
    const { log, records } = capture('warn')
    log.info('hidden')
    log.child({ batch: 7 }).warn('slow prover')
    expect(records()).toHaveLength(1)
    expect(records()[0]).toMatchObject({ level: 'warn', module: 'sequencer:validator', batch: 7, msg: 'slow prover' })
  })

  it('behavior: errors logged under err keep their code and details', () => {
    const { log, records } = capture()
    log.error({ err: new ConfigError('ZKPAY_X', 'ZKPAY_X is invalid.', { details: 'Got 1.' }) }, 'config')
    expect(records()[0]?.err).toMatchObject({ type: 'ConfigError', code: 'CONFIG_INVALID', message: 'ZKPAY_X is invalid.\n\nDetails: Got 1.', variable: 'ZKPAY_X' })
  })

  it('default: the silent logger writes nothing at any level', () => {
    const log = createSilentLogger()
    expect(log.level).toBe('silent')
    expect(log.isLevelEnabled('fatal')).toBe(false)
    expect(log.child({ a: 1 }).isLevelEnabled('error')).toBe(false)
  })
})
