import { ConfigError } from '../errors/index.ts'
import { Secret } from './Secret.ts'

/**
 * Reads a secret from the environment variable `name` (which a setting such as
 * `operatorKeyEnv` names), so that the secret never sits in a config value, a flag or a file.
 * Throws a `ConfigError` naming the variable, never showing a value, when it is unset or empty.
 *
 * @example
 * const config = loadConfig(nodeConfig)
 * const operatorKey = readSecretEnv(config.operatorKeyEnv) // Secret<string>
 */
export function readSecretEnv(name: string, options: { env?: Record<string, string | undefined>; purpose?: string } = {}): Secret<string> {
  const env = options.env ?? process.env
  const value = env[name]
  if (value === undefined || value.trim() === '') {
    const purpose = options.purpose ? ` to ${options.purpose}` : ''
    throw new ConfigError(name, `${name} is not set: it must hold the secret${purpose}.`)
  }
  return new Secret(value.trim())
}
