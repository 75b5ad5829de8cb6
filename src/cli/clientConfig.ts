import { existsSync, readFileSync } from 'node:fs'
import { type Config, type ConfigSchema, loadConfig } from '../config/index.ts'
import { ConfigError } from '../errors/index.ts'
import type { DevnetInfo } from './devnet.ts'

/** Reads the file `zkpay devnet` writes, when it exists and parses; else nothing. */
function readDevnetFile(file: string): Partial<DevnetInfo> {
  if (!existsSync(file)) return {}
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Partial<DevnetInfo>
  } catch {
    return {}
  }
}

/** Command-line flags by setting name; `--rollup` is the one whose flag is not the setting's name. */
export type ClientFlags = Record<string, string | boolean | undefined>
const flagName = (key: string) => (key === 'rollupAddress' ? 'rollup' : key)

/**
 * A client's settings. Each comes from its flag, else its `ZKPAY_*` variable, else the devnet
 * file (for the network: a devnet default never hides a variable that is set), else its default.
 *
 * @example
 * const { config, devnet } = loadClientConfig(networkConfig, { rollup: '0x…' })
 */
export function loadClientConfig<S extends ConfigSchema>(
  schema: S,
  flags: ClientFlags,
  options: { devnetFile?: string; env?: Record<string, string | undefined> } = {},
): { config: Config<S>; devnet: Partial<DevnetInfo> } {
  const env = options.env ?? process.env
  const devnetFile = options.devnetFile ?? '.zkpay/devnet.json'
  const devnet = readDevnetFile(devnetFile)
  const fromDevnet: Record<string, string | undefined> = {
    sequencerUrl: devnet.sequencerUrl,
    rpcUrl: devnet.rpcUrl,
    rollupAddress: devnet.rollupAddress,
    fromBlock: devnet.deployBlock,
  }
  const overrides: Record<string, string | undefined> = {}
  for (const [key, declaration] of Object.entries(schema)) {
    const flag = flags[flagName(key)]
    if (typeof flag === 'string') overrides[key] = flag
    else if (!env[declaration.env]?.trim()) overrides[key] = fromDevnet[key]
  }
  try {
    return { config: loadConfig(schema, { env, overrides: overrides as never }), devnet }
  } catch (e) {
    if (!(e instanceof ConfigError) || e.setting === undefined || !(e.setting in fromDevnet)) throw e
    // A network setting: say how to give it, including the devnet that would have supplied it.
    const how = `Pass --${flagName(e.setting).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} or set ${e.variable}, or start a devnet with \`zkpay devnet\` (it writes ${devnetFile}).`
    throw new ConfigError(e.variable, `${e.shortMessage} ${how}`, { setting: e.setting, cause: e })
  }
}
