import { httpServerConfig } from './httpServerConfig.ts'
import type { Config } from './loadConfig.ts'
import { type ConfigSchema, integer, listenAddress, setting, variableName } from './setting.ts'

/**
 * The NAME of the variable that holds the prover token, as the operator key is named: shared by
 * `zkpay prover` (which demands it from its clients) and `zkpay node` (which sends it).
 */
export const proverTokenEnv = setting({
  env: 'ZKPAY_PROVER_TOKEN_ENV',
  description: 'The NAME of the environment variable that holds the bearer token of `zkpay prover` services, not the token itself: provers demand it, nodes send it.',
  parser: variableName('the token'),
  default: 'ZKPAY_PROVER_TOKEN',
  // Someone will paste the token here by mistake: never echo a rejected value into the error.
  echoInvalid: false,
})

/**
 * `zkpay prover`'s settings: where it listens, the token its clients must send, how many batch
 * witnesses it holds at once, and the HTTP timeouts.
 *
 * @example
 * const config = loadConfig(proverConfig, { overrides: { port: 8090 } })
 */
export const proverConfig = {
  port: setting({
    env: 'ZKPAY_PROVER_PORT',
    description: 'The TCP port the prover service listens on (`zkpay prover --listen`); 0 picks a free port.',
    parser: integer(0, 65_535, 'expected a port number from 0 to 65535'),
  }),
  host: setting({
    env: 'ZKPAY_PROVER_HOST',
    description: 'The address the prover service listens on; anything but loopback requires a token.',
    parser: listenAddress,
    default: '127.0.0.1',
  }),
  tokenEnv: proverTokenEnv,
  queue: setting({
    env: 'ZKPAY_PROVER_QUEUE',
    description: 'How many batch witnesses (up to 4 MB each) the service holds at once, the one being proven included; one more is answered 503 PROVER_BUSY.',
    parser: integer(1, 1_000, 'expected an integer from 1 to 1000'),
    default: 4,
  }),
  ...httpServerConfig,
} satisfies ConfigSchema

export type ProverConfig = Config<typeof proverConfig>
