import { isIP } from 'node:net'
import { z } from 'zod'
import { BATCH_TRANSFERS } from '../crypto/batch.ts'
import { databaseUrl, jobTimeoutMs } from './databaseConfig.ts'
import { redactUrl } from './display.ts'
import { httpServerConfig } from './httpServerConfig.ts'
import type { Config } from './loadConfig.ts'
import { proverTokenEnv } from './proverConfig.ts'
import { type ConfigSchema, flag, integer, listenAddress, setting, variableName } from './setting.ts'

/** What a node process can be (the `role` setting): every part, the client API only, or the batch loop only. */
export const NODE_ROLES = ['all', 'api', 'sequencer'] as const
export type NodeRole = (typeof NODE_ROLES)[number]

/**
 * pino's levels, plus `silent`.
 *
 * @example
 * const level = z.enum(LOG_LEVELS).parse(process.env.ZKPAY_LOG_LEVEL ?? 'info')
 */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

/** The contract's bound for its delays: a request's due block must not overflow. */
const UINT32_MAX = (1n << 32n) - 1n
const blockCountError = 'expected a whole number of blocks from 1 to 2^32 - 1'
const blockCount = z.coerce.bigint({ error: blockCountError }).min(1n, { error: blockCountError }).max(UINT32_MAX, { error: blockCountError }).optional()

// One message per parser: zod reports it for any failing check, so the operator reads the rule.
const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, { error: 'expected 0x followed by 40 hex digits' })
  .transform((s) => s as `0x${string}`)

/**
 * The one switch that lets forgeable keys secure a real chain. `zkpay node` and `zkpay deploy`
 * both read it; its name says what it does, so that nobody sets it without reading it.
 */
export const insecureDevKeys = setting({
  env: 'ZKPAY_INSECURE_DEV_KEYS',
  description:
    "Allows the dev verifying keys on a chain other than the local devnet (31337). They come from zkpay's public dev setup: anyone can forge proofs for them and take every deposit. Only for throwaway test chains; 1 or true to allow.",
  parser: flag,
  default: false,
})
/** One price of ZKPAY_FEES: `ETH=0.001` or `0x…=12.5`, the amount in the asset's units. */
const feeEntry = z
  .string()
  .regex(/^(ETH|0x[0-9a-fA-F]{40})=(\d+(\.\d+)?)$/, { error: 'expected ASSET=AMOUNT pairs such as ETH=0.00001,0x5FbDB2315678afecb367f032d93F642f64180aa3=0.05' })
  .transform((s) => {
    const [asset = '', amount = ''] = s.split('=')
    return { asset: (asset === 'ETH' ? '0x0000000000000000000000000000000000000000' : asset) as `0x${string}`, amount }
  })

/** A list given as an array (an override) or as one comma-separated string (a variable, a flag). */
const commaList = <T extends z.ZodType<unknown, string>>(item: T) => {
  const list = z.array(item)
  return z.union([list, z.string().transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean)).pipe(list)])
}
/** An IPv4 or IPv6 address, or a CIDR range of either (`10.0.0.0/8`). */
const isAddressOrRange = (s: string) => {
  const [address = '', bits, ...rest] = s.split('/')
  const family = isIP(address)
  if (family === 0 || rest.length > 0) return false
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128))
}
/**
 * Requests per client per minute, by bucket: also the API's defaults when none are given.
 *
 * @example
 * const readLimit = options.rateLimit?.read ?? DEFAULT_RATE_LIMITS.read // 1200 per minute (submit: 600)
 */
export const DEFAULT_RATE_LIMITS = { submit: 600, read: 1_200 } as const
/**
 * Open `/v1/events` connections, by default: each holds a socket and up to a buffer of events.
 *
 * @example
 * const eventStreams = options.eventStreams ?? DEFAULT_EVENT_STREAMS // 100
 */
export const DEFAULT_EVENT_STREAMS = 100
/** The most requests a client may make per minute in one bucket. */
const perMinute = integer(1, 1_000_000, 'expected an integer number of requests per minute from 1 to 1000000')

/**
 * The operator node's settings (`zkpay node`). Values come from flags, then `ZKPAY_*` variables,
 * then these defaults. The operator key is not here: only the NAME of the variable that holds
 * it, so the key never passes through flags, config files or this object.
 *
 * @example
 * const config = loadConfig(nodeConfig, { overrides: { rollupAddress } })
 * const store = await openNodeStore({ path: join(config.dataDir, 'node.sqlite') })
 */
export const nodeConfig = {
  rpcUrl: setting({
    env: 'ZKPAY_RPC_URL',
    description: 'The JSON-RPC URL of the settlement chain; it may carry a provider token, so it prints as its origin only.',
    parser: z.url({ protocol: /^(https?|wss?)$/, error: 'expected an http(s) or ws(s) URL' }),
    default: 'http://127.0.0.1:8545',
    redact: redactUrl,
  }),
  rollupAddress: setting({
    env: 'ZKPAY_ROLLUP_ADDRESS',
    description: 'The address of the Rollup contract on the settlement chain.',
    parser: address,
  }),
  fromBlock: setting({
    env: 'ZKPAY_FROM_BLOCK',
    description: "The rollup's deployment block: where a node's empty data directory, a new wallet or a new merchant store starts reading L1.",
    parser: z.coerce.bigint({ error: 'expected a block number' }).min(0n),
    default: 0n,
  }),
  operatorKeyEnv: setting({
    env: 'ZKPAY_OPERATOR_KEY_ENV',
    description: "The NAME of the environment variable that holds the operator's private key, not the key itself.",
    parser: variableName('the key'),
    default: 'ZKPAY_OPERATOR_KEY',
    // Someone will paste the key here by mistake: never echo a rejected value into the error.
    echoInvalid: false,
  }),
  batchSize: setting({
    env: 'ZKPAY_BATCH_SIZE',
    description: `The number of pending transactions that seals a batch (the batch circuit holds ${BATCH_TRANSFERS}).`,
    parser: integer(1, BATCH_TRANSFERS, `expected an integer from 1 to ${BATCH_TRANSFERS}`),
    default: BATCH_TRANSFERS,
  }),
  batchMaxAgeMs: setting({
    env: 'ZKPAY_BATCH_MAX_AGE_MS',
    description: 'The age in milliseconds at which the oldest pending transaction seals a batch that is not full.',
    parser: integer(1, 3_600_000, 'expected an integer number of milliseconds from 1 to 3600000'),
    default: 2_000,
  }),
  fees: setting({
    env: 'ZKPAY_FEES',
    description:
      "The fee per transaction in each asset the node serves, comma-separated ASSET=AMOUNT in the asset's own units (ETH=0.00001,0xToken…=0.05; the token's decimals are read from L1). Transactions pay it as a shielded note to the address of ZKPAY_FEE_KEY, and a transaction of an asset not listed is refused. Empty: no fees, and anyone can make the node post batches at its expense.",
    parser: commaList(feeEntry),
    default: [],
  }),
  feeKeyEnv: setting({
    env: 'ZKPAY_FEE_KEY_ENV',
    description:
      "The NAME of the environment variable that holds the incoming viewing key (zkpivk1…/zkptivk1…) of the operator's fee account, not the key itself: the node decrypts each transaction's fee note with it and publishes its address. Spend the fees with that account's wallet.",
    parser: variableName('the fee key'),
    default: 'ZKPAY_FEE_KEY',
    echoInvalid: false,
  }),
  depositMarginBlocks: setting({
    env: 'ZKPAY_DEPOSIT_MARGIN_BLOCKS',
    description:
      "Deposits whose escrow can be reclaimed within this many blocks are refused at admission and dropped when a batch is sealed: the depositor could reclaim in front of the batch and make it revert. Keep it above the blocks a batch takes from sealing to inclusion, and below the rollup's depositTimeout.",
    parser: z.coerce.bigint({ error: 'expected a number of blocks' }).min(0n).max(1_000_000n),
    default: 20n,
  }),
  confirmations: setting({
    env: 'ZKPAY_CONFIRMATIONS',
    description: 'The number of blocks, the including one counted, after which a settled batch is trusted.',
    parser: integer(1, 10_000, 'expected an integer from 1 to 10000'),
    default: 1,
  }),
  feeBumpAfterMs: setting({
    env: 'ZKPAY_FEE_BUMP_AFTER_MS',
    description: 'How long a posted batch may wait to be mined before it is sent again with the same nonce and fees raised by a quarter.',
    parser: integer(1_000, 3_600_000, 'expected an integer number of milliseconds from 1000 to 3600000'),
    default: 60_000,
  }),
  apiPort: setting({
    env: 'ZKPAY_API_PORT',
    description: 'The TCP port of the HTTP API; 0 picks a free port.',
    parser: integer(0, 65_535, 'expected a port number from 0 to 65535'),
    default: 8080,
  }),
  apiHost: setting({
    env: 'ZKPAY_API_HOST',
    description: 'The address the HTTP API listens on: 127.0.0.1 serves this machine only, 0.0.0.0 or :: every interface.',
    parser: listenAddress,
    default: '127.0.0.1',
  }),
  trustedProxies: setting({
    env: 'ZKPAY_TRUSTED_PROXIES',
    description:
      'Comma-separated addresses or CIDR ranges of reverse proxies whose X-Forwarded-For is believed: a request from one of them counts against the right-most forwarded address that is not a proxy. From any other peer the header is ignored.',
    parser: commaList(z.string().refine(isAddressOrRange, { error: 'expected IP addresses or CIDR ranges separated by commas' })),
    default: [],
  }),
  rateLimitSubmit: setting({
    env: 'ZKPAY_RATE_LIMIT_SUBMIT',
    description: 'Transaction submissions (POST /v1/transactions) one client may make per minute; over it the API answers 429 RATE_LIMITED.',
    parser: perMinute,
    default: DEFAULT_RATE_LIMITS.submit,
  }),
  rateLimitRead: setting({
    env: 'ZKPAY_RATE_LIMIT_READ',
    description:
      'Reads one client may make per minute, counted apart from its submissions; /v1/status, /readyz and /metrics have a bucket of their own with the same limit, so no flood of other requests makes them answer 429, and /healthz is never limited.',
    parser: perMinute,
    default: DEFAULT_RATE_LIMITS.read,
  }),
  replicaId: setting({
    env: 'ZKPAY_REPLICA_ID',
    description:
      "This process's name in its metrics (the `replica` label of every series), so that replicas sharing a database can be told apart; default <hostname>-<pid>. Letters, digits and . _ : - (at most 64). /metrics may be public: a hostname you would not publish should not be the name.",
    parser: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, { error: 'expected 1 to 64 letters, digits, dots, underscores, colons or dashes, starting with a letter or digit' })
      .optional(),
  }),
  eventStreams: setting({
    env: 'ZKPAY_EVENT_STREAMS',
    description: 'The most /v1/events connections the API keeps open at once; one more is answered 503 TOO_MANY_STREAMS.',
    parser: integer(0, 100_000, 'expected an integer from 0 to 100000'),
    default: DEFAULT_EVENT_STREAMS,
  }),
  ...httpServerConfig,
  dataDir: setting({
    env: 'ZKPAY_DATA_DIR',
    description: "The directory that holds the node's SQLite database.",
    parser: z.string().min(1, { error: 'expected a directory path' }),
    default: '.zkpay/node',
  }),
  databaseUrl,
  role: setting({
    env: 'ZKPAY_NODE_ROLE',
    description:
      'What this process does: `all` (default) admits, sequences and serves the API; on Postgres, `api` only admits transactions and answers reads (any number, behind a load balancer; no operator key), and `sequencer` only runs the batch loop as the leader or a standby, serving its probes and /metrics.',
    parser: z.enum(NODE_ROLES, { error: `expected one of ${NODE_ROLES.join(', ')}` }),
    default: 'all',
  }),
  proverJobQueue: setting({
    env: 'ZKPAY_PROVER_JOB_QUEUE',
    description: 'Prove batches through the job queue in the Postgres database (needs databaseUrl): `zkpay prover --database-url` workers on any machine take them. 1 or true to use it.',
    parser: flag,
    default: false,
  }),
  proverJobTimeoutMs: jobTimeoutMs,
  proverJobAttempts: setting({
    env: 'ZKPAY_PROVER_JOB_ATTEMPTS',
    description: 'Tries per batch on the job queue; after the last one fails, the batch fails and its transactions are sealed again.',
    parser: integer(1, 100, 'expected an integer from 1 to 100'),
    default: 3,
  }),
  maxBatchesInFlight: setting({
    env: 'ZKPAY_MAX_BATCHES_IN_FLIGHT',
    description: 'With the job queue or remote provers: how many batches may be sealed and proven at the same time (posted in order). The in-process prover takes one at a time.',
    parser: integer(1, 64, 'expected an integer from 1 to 64'),
    default: 4,
  }),
  proverUrls: setting({
    env: 'ZKPAY_PROVER_URLS',
    description: 'Comma-separated URLs of `zkpay prover` services to prove batches; empty proves in this process.',
    parser: commaList(z.url({ protocol: /^https?$/, error: 'expected http(s) URLs separated by commas' })),
    default: [],
  }),
  deployment: setting({
    env: 'ZKPAY_DEPLOYMENT',
    description: 'A deployment file written by `zkpay deploy --write`: the rollup address and deployment block come from it unless set otherwise, and its chain id must be the one the RPC serves.',
    parser: z.string().min(1, { error: 'expected a file path' }).optional(),
  }),
  insecureDevKeys,
  proverTokenEnv,
  logLevel: setting({
    env: 'ZKPAY_LOG_LEVEL',
    description: `The lowest level written to the JSON log: one of ${LOG_LEVELS.join(', ')}.`,
    parser: z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` }),
    default: 'info',
  }),
} satisfies ConfigSchema

export type NodeConfig = Config<typeof nodeConfig>

/**
 * `zkpay deploy`'s settings: the chain and the operator key as the node takes them, and the
 * contract's constructor parameters. Unset parameters take `deployRollup`'s defaults.
 *
 * @example
 * const config = loadConfig(deployConfig, { env: process.env, overrides: { escapeDelay: flags.escapeDelay } })
 */
export const deployConfig = {
  rpcUrl: nodeConfig.rpcUrl,
  operatorKeyEnv: nodeConfig.operatorKeyEnv,
  sequencer: setting({
    env: 'ZKPAY_SEQUENCER_ADDRESS',
    description: 'The L1 account allowed to submit batches while it is active; default: the deploying account.',
    parser: address.optional(),
  }),
  escapeDelay: setting({
    env: 'ZKPAY_ESCAPE_DELAY',
    description: 'Blocks of sequencer silence after which anyone may submit a batch (default 7200, a day of 12-second blocks).',
    parser: blockCount,
  }),
  depositTimeout: setting({
    env: 'ZKPAY_DEPOSIT_TIMEOUT',
    description: 'Blocks after which a deposit that no batch consumed may be reclaimed by its depositor (default 7200).',
    parser: blockCount,
  }),
  insecureDevKeys,
} satisfies ConfigSchema

export type DeployConfig = Config<typeof deployConfig>
