import { databaseUrl } from './databaseConfig.ts'
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
 * witnesses it holds at once, and the HTTP timeouts; or, with `databaseUrl`, the job queue it
 * works from instead, and how many batches at once.
 *
 * @example
 * const config = loadConfig(proverConfig, { overrides: { port: 8090 } })
 */
export const proverConfig = {
  port: setting({
    env: 'ZKPAY_PROVER_PORT',
    description: 'The TCP port the prover service listens on (`zkpay prover --listen`); 0 picks a free port.',
    parser: integer(0, 65_535, 'expected a port number from 0 to 65535').optional(),
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
  databaseUrl,
  concurrency: setting({
    env: 'ZKPAY_PROVER_CONCURRENCY',
    description: 'Batches a queue worker (`--database-url`) proves at once; one uses every core it is given.',
    parser: integer(1, 64, 'expected an integer from 1 to 64'),
    default: 1,
  }),
  benchDelayMs: setting({
    env: 'ZKPAY_PROVER_BENCH_DELAY_MS',
    description: 'Benchmarks only: a queue worker waits this long after each proof, so that a benchmark measures the pipeline rather than the cores.',
    parser: integer(0, 600_000, 'expected milliseconds from 0 to 600000'),
    default: 0,
  }),
} satisfies ConfigSchema

export type ProverConfig = Config<typeof proverConfig>
