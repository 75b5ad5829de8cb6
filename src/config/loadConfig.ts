import { inspect } from 'node:util'
import { ConfigError } from '../errors/index.ts'
import { displayValue } from './display.ts'
import type { ConfigOf, ConfigOverrides, ConfigSchema, Setting } from './setting.ts'

export type LoadConfigOptions<S extends ConfigSchema> = {
  /** The environment to read; `process.env` by default (tests pass their own). */
  env?: Record<string, string | undefined>
  /** Values that win over the environment, e.g. from CLI flags; parsed like environment values. */
  overrides?: ConfigOverrides<S>
  /**
   * Values used when neither an override nor the environment sets them, before the defaults:
   * e.g. the rollup address from a deployment file, which a flag or variable still overrides.
   */
  fallbacks?: ConfigOverrides<S>
}

/**
 * A component's parsed settings. Printing it (`JSON.stringify`, `util.inspect`, a pino log
 * field) shows secrets as `[redacted]`; reading a property gives the real value.
 */
export type Config<S extends ConfigSchema> = ConfigOf<S>

/**
 * Loads a component's settings: for each one, an override if given, else its `ZKPAY_*`
 * environment variable if set and not blank, else a fallback if given, else its default. Throws a `ConfigError` naming the
 * variable when a required setting is missing or a value does not parse; a secret's value is
 * never shown in that error.
 *
 * @example
 * const config = loadConfig(nodeConfig, { overrides: { batchSize: 8 } })
 * config.batchSize // 8, typed number
 * JSON.stringify(config) // secrets print as "[redacted]"
 */
export function loadConfig<S extends ConfigSchema>(schema: S, options: LoadConfigOptions<S> = {}): Config<S> {
  const env = options.env ?? process.env
  const overrides: Record<string, unknown> = options.overrides ?? {}
  const fallbacks: Record<string, unknown> = options.fallbacks ?? {}
  const values: Record<string, unknown> = {}

  for (const [key, declaration] of Object.entries(schema)) {
    const override = overrides[key]
    const fromEnv = env[declaration.env]
    if (override !== undefined) values[key] = parseValue(key, declaration, override, 'override')
    // A variable set to '' (e.g. `ZKPAY_API_PORT= zkpay node`) means "unset" in shell practice.
    else if (fromEnv !== undefined && fromEnv.trim() !== '') values[key] = parseValue(key, declaration, fromEnv, 'env')
    else if (fallbacks[key] !== undefined) values[key] = parseValue(key, declaration, fallbacks[key], 'override')
    else if ('default' in declaration) values[key] = declaration.default
    else values[key] = parseMissing(key, declaration)
  }

  const toJSON = () => Object.fromEntries(Object.entries(schema).map(([key, declaration]) => [key, displayValue(declaration, values[key])]))
  // Non-enumerable, so spreading or iterating the config yields its settings only.
  Object.defineProperty(values, 'toJSON', { value: toJSON })
  Object.defineProperty(values, inspect.custom, {
    value: (_depth: number, options: object) => `Config ${inspect(toJSON(), options)}`,
  })
  return Object.freeze(values) as Config<S>
}

function parseValue(key: string, declaration: Setting, raw: unknown, source: 'env' | 'override'): unknown {
  const result = declaration.parser.safeParse(raw)
  if (result.success) return result.data
  const subject = source === 'env' ? declaration.env : `The \`${key}\` setting (${declaration.env})`
  const reason = result.error.issues[0]?.message ?? 'it does not parse'
  const echo = (declaration.echoInvalid ?? true) && !declaration.secret && !declaration.redact
  return fail(key, declaration, `${subject} is invalid: ${reason}.`, echo ? `Got ${inspect(raw)}. ${declaration.description}` : declaration.description)
}

function parseMissing(key: string, declaration: Setting): unknown {
  // An optional setting (its parser accepts undefined) with no default stays undefined.
  const result = declaration.parser.safeParse(undefined)
  if (result.success) return result.data
  const what = declaration.description.charAt(0).toLowerCase() + declaration.description.slice(1)
  return fail(key, declaration, `${declaration.env} is not set and has no default: ${what.replace(/\.$/, '')}.`)
}

function fail(key: string, declaration: Setting, message: string, details?: string): never {
  throw new ConfigError(declaration.env, message, { setting: key, details })
}
