import { Command } from 'commander'
import { BATCH_TRANSFERS } from '../crypto/batch.ts'
import { errorReport } from './errorReport.ts'
import { progressLogger } from './progress.ts'

/**
 * The `zkpay` command line: the composition root, where configuration, stores and node parts
 * are wired together. Nothing imports it.
 */
const program = new Command()
  .name('zkpay')
  .description('zkpay: private payments on a zero-knowledge rollup')
  .version('0.1.0')

program
  .command('demo')
  .description('the scripted payment demo on an embedded devnet: deposit, a private payment for an invoice, a withdrawal')
  .action(async () => {
    const { runDemo } = await import('./demo.ts')
    await runDemo()
  })

program
  .command('setup')
  .description('compile the circuits and run the reproducible dev trusted setup (writes circuits/artifacts, contracts/verifiers, the contract bindings)')
  .action(async () => {
    const { setup } = await import('../circuits/setup.ts')
    const started = Date.now()
    const manifest = await setup((stage, detail) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${stage}: ${detail ?? ''}`), progressLogger('setup'))
    for (const c of manifest.circuits) console.log(`${c.name}: ${c.constraints} constraints, zkey ${c.zkeySha256.slice(0, 16)}…`)
    const { buildContracts } = await import('../settlement/buildContracts.ts')
    console.log(`contracts: wrote ${buildContracts()}`)
  })

program
  .command('build-contracts')
  .description('compile contracts/ with solc-js and write the ABIs and bytecode to src/settlement/generated/contracts.ts')
  .action(async () => {
    const { buildContracts } = await import('../settlement/buildContracts.ts')
    console.log(`wrote ${buildContracts()}`)
  })

/** Resolves on SIGINT or SIGTERM: long-running commands await it, then shut down cleanly. */
const untilSignal = () =>
  new Promise<string>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve(signal))
  })

program
  .command('node')
  .description('run an operator node: sequencer, in-process prover, settlement loop and HTTP API (settings: ZKPAY_* or flags); on Postgres, --role api or sequencer runs one part')
  .option('--rpc-url <url>', 'JSON-RPC URL of the settlement chain (ZKPAY_RPC_URL)')
  .option('--rollup <address>', 'Rollup contract address (ZKPAY_ROLLUP_ADDRESS)')
  .option('--from-block <n>', "the rollup's deployment block (ZKPAY_FROM_BLOCK)")
  .option('--operator-key-env <name>', 'NAME of the variable holding the operator key (ZKPAY_OPERATOR_KEY_ENV)')
  .option('--batch-size <n>', `transactions per batch, 1 to ${BATCH_TRANSFERS} (ZKPAY_BATCH_SIZE)`)
  .option('--batch-max-age-ms <ms>', 'seal a smaller batch after this wait (ZKPAY_BATCH_MAX_AGE_MS)')
  .option('--fees <list>', "fee per transaction per asset, e.g. ETH=0.00001,0xToken=0.05 (ZKPAY_FEES)")
  .option('--fee-key-env <name>', "NAME of the variable holding the fee account's incoming viewing key, default ZKPAY_FEE_KEY (ZKPAY_FEE_KEY_ENV)")
  .option('--deposit-margin-blocks <n>', 'refuse deposits whose escrow unlocks within this many blocks (ZKPAY_DEPOSIT_MARGIN_BLOCKS)')
  .option('--confirmations <n>', 'blocks until a batch is final (ZKPAY_CONFIRMATIONS)')
  .option('--port <port>', 'HTTP API port (ZKPAY_API_PORT)')
  .option('--host <address>', 'address the HTTP API listens on, default 127.0.0.1 (ZKPAY_API_HOST)')
  .option('--trusted-proxies <list>', 'comma-separated reverse proxies whose X-Forwarded-For is believed (ZKPAY_TRUSTED_PROXIES)')
  .option('--rate-limit-submit <n>', 'transaction submissions per client per minute (ZKPAY_RATE_LIMIT_SUBMIT)')
  .option('--rate-limit-read <n>', 'reads per client per minute; status has its own bucket (ZKPAY_RATE_LIMIT_READ)')
  .option('--data-dir <dir>', 'where the SQLite database lives (ZKPAY_DATA_DIR)')
  .option('--database-url <url>', 'postgres:// URL: keep the state in Postgres, shared by several processes (ZKPAY_DATABASE_URL)')
  .option('--role <role>', 'all (default), api (admission and reads only, no operator key) or sequencer (the batch loop, leader or standby); api and sequencer need --database-url (ZKPAY_NODE_ROLE)')
  .option('--prover-job-queue', 'prove through the job queue in that database, for `zkpay prover --database-url` workers (ZKPAY_PROVER_JOB_QUEUE=1)')
  .option('--replica-id <id>', "this process's name in its metrics, default <hostname>-<pid> (ZKPAY_REPLICA_ID)")
  .option('--prover-urls <urls>', 'comma-separated zkpay prover URLs; default proves in process (ZKPAY_PROVER_URLS)')
  .option('--prover-token-env <name>', 'NAME of the variable holding the provers\' token, default ZKPAY_PROVER_TOKEN (ZKPAY_PROVER_TOKEN_ENV)')
  .option('--deployment <file>', 'deployment file from `zkpay deploy --write`: rollup address, first block, chain id (ZKPAY_DEPLOYMENT)')
  .option('--insecure-dev-keys', 'run with the forgeable dev keys on a chain other than the local devnet: throwaway test chains only (ZKPAY_INSECURE_DEV_KEYS=1)')
  .action(async (opts: Record<string, string | boolean | undefined>) => {
    const { loadNodeSettings, runNode } = await import('./runNode.ts')
    const { readOperatorKey } = await import('./l1.ts')
    const overrides = Object.fromEntries(
      Object.entries({
        rpcUrl: opts.rpcUrl,
        rollupAddress: opts.rollup,
        fromBlock: opts.fromBlock,
        operatorKeyEnv: opts.operatorKeyEnv,
        batchSize: opts.batchSize,
        batchMaxAgeMs: opts.batchMaxAgeMs,
        fees: opts.fees,
        feeKeyEnv: opts.feeKeyEnv,
        depositMarginBlocks: opts.depositMarginBlocks,
        confirmations: opts.confirmations,
        apiPort: opts.port,
        apiHost: opts.host,
        trustedProxies: opts.trustedProxies,
        rateLimitSubmit: opts.rateLimitSubmit,
        rateLimitRead: opts.rateLimitRead,
        dataDir: opts.dataDir,
        databaseUrl: opts.databaseUrl,
        role: opts.role,
        proverJobQueue: opts.proverJobQueue,
        replicaId: opts.replicaId,
        proverUrls: opts.proverUrls,
        proverTokenEnv: opts.proverTokenEnv,
        deployment: opts.deployment,
        insecureDevKeys: opts.insecureDevKeys,
      }).filter(([, v]) => v !== undefined),
    )
    const { config, deployment } = loadNodeSettings(overrides)
    const feeKey = process.env[config.feeKeyEnv]?.trim() || undefined
    if (config.role === 'api') {
      // An api replica admits and reads: it never holds the operator's key.
      const { runApiReplica } = await import('./runNode.ts')
      const replica = await runApiReplica(config, { deployment, ...(feeKey === undefined ? {} : { feeKey }) })
      const signal = await untilSignal()
      replica.logger.info({ signal }, 'stopping')
      await replica.stop()
      return
    }
    const { key } = readOperatorKey(config.operatorKeyEnv, 'sign batch submissions')
    const proverToken = process.env[config.proverTokenEnv]?.trim() || undefined
    const node = await runNode(config, key, { deployment, ...(proverToken === undefined ? {} : { proverToken }), ...(feeKey === undefined ? {} : { feeKey }) })
    // A leader that lost its lease stops at once, mid-step: a standby may already be acting,
    // and everything done so far is in the database for it (fail-stop; restart to stand by).
    node.leadershipLost?.then((reason) => {
      node.logger.fatal({ err: reason }, 'lost the sequencer leader lease: exiting')
      process.exit(75)
    })
    const signal = await untilSignal()
    node.logger.info({ signal }, 'stopping')
    await node.stop()
  })

program
  .command('deploy')
  .description('deploy contracts/Rollup.sol with the installed verifying keys; prints its address and block, --write records them for `zkpay node --deployment`')
  .option('--rpc-url <url>', 'JSON-RPC URL of the settlement chain (ZKPAY_RPC_URL)')
  .option('--operator-key-env <name>', 'NAME of the variable holding the deploying key (ZKPAY_OPERATOR_KEY_ENV, default ZKPAY_OPERATOR_KEY)')
  .option('--sequencer <address>', 'the account allowed to submit batches; default the deploying account (ZKPAY_SEQUENCER_ADDRESS)')
  .option('--escape-delay <blocks>', 'blocks of sequencer silence before anyone may submit a batch; default 7200 (ZKPAY_ESCAPE_DELAY)')
  .option('--deposit-timeout <blocks>', 'blocks before an unconsumed deposit can be reclaimed; default 7200 (ZKPAY_DEPOSIT_TIMEOUT)')
  .option('--insecure-dev-keys', 'deploy the forgeable dev keys on a chain other than the local devnet: throwaway test chains only (ZKPAY_INSECURE_DEV_KEYS=1)')
  .option('--write <file>', 'write the deployment file that `zkpay node --deployment` reads (never overwrites)')
  .option('--json', 'print the deployment as JSON')
  .action(async (opts: import('./deploy.ts').DeployFlags) => {
    const { runDeploy } = await import('./deploy.ts')
    await runDeploy(opts)
  })

program
  .command('prover')
  .description('prove batches: an HTTP service (POST /v1/prove; nodes use it through ZKPAY_PROVER_URLS), or with --database-url a worker on the node\'s job queue')
  .option('--listen <port>', 'TCP port to listen on (ZKPAY_PROVER_PORT)')
  .option('--host <host>', 'interface to bind, default 127.0.0.1; any other needs a token (ZKPAY_PROVER_HOST)')
  .option('--token-env <name>', 'NAME of the variable holding the token clients must send, default ZKPAY_PROVER_TOKEN (ZKPAY_PROVER_TOKEN_ENV)')
  .option('--queue <n>', 'witnesses held at once, the one being proven included (ZKPAY_PROVER_QUEUE)')
  .option('--database-url <url>', 'postgres:// URL of the node\'s database: take batches from its job queue instead of serving HTTP (ZKPAY_DATABASE_URL)')
  .option('--concurrency <n>', 'batches a queue worker proves at once, default 1 (ZKPAY_PROVER_CONCURRENCY)')
  .action(async (opts: Record<string, string | undefined>) => {
    const { loadConfig, proverConfig } = await import('../config/index.ts')
    const { runProver, runQueueProver } = await import('./runProver.ts')
    const overrides = Object.fromEntries(
      Object.entries({ port: opts.listen, host: opts.host, tokenEnv: opts.tokenEnv, queue: opts.queue, databaseUrl: opts.databaseUrl, concurrency: opts.concurrency }).filter(([, v]) => v !== undefined),
    )
    const config = loadConfig(proverConfig, { overrides })
    if (config.databaseUrl !== undefined) {
      const { createLogger } = await import('../log/index.ts')
      const logger = createLogger('prover')
      const stop = await runQueueProver({ ...config, databaseUrl: config.databaseUrl }, logger)
      logger.info({ concurrency: config.concurrency }, 'prover worker taking jobs from the queue')
      await untilSignal()
      await stop()
      return
    }
    const token = process.env[config.tokenEnv]?.trim() || undefined
    const server = await runProver(config, token)
    console.error(`prover listening on ${server.url}${token ? ` (clients must send the token in ${config.tokenEnv})` : ' (no token: loopback only)'}`)
    await untilSignal()
    await server.close()
  })

program
  .command('devnet')
  .description('start anvil, deploy the rollup and a test token, run a node on loopback; writes .zkpay/devnet.json')
  .option('--dir <dir>', 'where devnet.json and the node data go', '.zkpay')
  .option('--batch-size <n>', `transactions per batch, 1 to ${BATCH_TRANSFERS}`, String(BATCH_TRANSFERS))
  .option('--no-fees', 'charge no fees (then anyone can make the node post batches for free)')
  .option('--web-port <port>', 'port of the web wallet on loopback (0: any free one)', '5173')
  .action(async (opts: { dir: string; batchSize: string; fees: boolean; webPort: string }) => {
    const [{ startDevnet }, { serveWebWallet }] = await Promise.all([import('./devnet.ts'), import('./web.ts')])
    const devnet = await startDevnet({ dir: opts.dir, batchSize: Number(opts.batchSize), ...(opts.fees ? {} : { fees: null }) })
    const { fees, rpcUrl, sequencerUrl, rollupAddress, deployBlock, chainId } = devnet.info
    console.error(`devnet up: RPC ${rpcUrl}, sequencer ${sequencerUrl}, rollup ${rollupAddress}; details in ${opts.dir}/devnet.json. Ctrl-C stops it.`)
    if (fees) console.error(`fees: ${fees.prices.eth} ETH or ${fees.prices.token} TUSD per transaction, paid as shielded notes to ${fees.address.slice(0, 24)}… (its mnemonic is in devnet.json)`)
    // The devnet runs without its web wallet when that cannot start (its port taken, say): said, not fatal.
    const web = await serveWebWallet({ config: { sequencerUrl, rpcUrl, rollupAddress, fromBlock: deployBlock, chainId, network: 'testnet' }, port: Number(opts.webPort), hostname: '127.0.0.1' }).catch((error: unknown) => {
      console.error(`warning: the web wallet is not served (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); choose another --web-port`)
      return undefined
    })
    if (web) console.error(`web wallet: ${web.url}/`)
    await untilSignal()
    await web?.close()
    await devnet.stop()
  })

program
  .command('web')
  .description("serve the web wallet for a network: the page, its prover worker and the transfer circuit (the RPC URL is given to every visitor's browser)")
  .option('--port <port>', 'TCP port to listen on', '5173')
  .option('--host <host>', 'interface to bind', '127.0.0.1')
  .option('--sequencer-url <url>', 'the node the wallet pays through (ZKPAY_SEQUENCER_URL)')
  .option('--rpc-url <url>', 'a public JSON-RPC URL of the settlement chain, for browsers (ZKPAY_RPC_URL)')
  .option('--rollup <address>', 'Rollup contract address (ZKPAY_ROLLUP_ADDRESS)')
  .option('--from-block <n>', "the rollup's deployment block (ZKPAY_FROM_BLOCK)")
  .option('--devnet <file>', 'read network defaults from this devnet file', '.zkpay/devnet.json')
  .action(async (opts: Record<string, string | undefined>) => {
    const [{ loadClientConfig }, { networkConfig }, { serveWebWallet }, { createPublicClient, http }, { ConfigError }] = await Promise.all([
      import('./clientConfig.ts'),
      import('../config/index.ts'),
      import('./web.ts'),
      import('viem'),
      import('../errors/index.ts'),
    ])
    const { config } = loadClientConfig(networkConfig, opts, opts.devnet ? { devnetFile: opts.devnet } : {})
    const chainId = await createPublicClient({ transport: http(config.rpcUrl, { retryCount: 0 }) })
      .getChainId()
      .catch((cause: unknown) => {
        throw new ConfigError('ZKPAY_RPC_URL', `The RPC at ${new URL(config.rpcUrl).origin} does not answer: the web wallet needs its chain id.`, { cause })
      })
    const web = await serveWebWallet({ config: { sequencerUrl: config.sequencerUrl, rpcUrl: config.rpcUrl, rollupAddress: config.rollupAddress, fromBlock: String(config.fromBlock), chainId, network: 'testnet' }, port: Number(opts.port), hostname: opts.host ?? '127.0.0.1' })
    console.error(`web wallet: ${web.url}/ (node ${config.sequencerUrl}, rollup ${config.rollupAddress})`)
    await untilSignal()
    await web.close()
  })

const [{ walletCommand }, { merchantCommand }] = await Promise.all([import('./wallet.ts'), import('./merchant.ts')])
program.addCommand(walletCommand())
program.addCommand(merchantCommand())

const ceremony = program
  .command('ceremony')
  .description('a multi-party phase-2 trusted setup that replaces the dev keys (init → contribute… → beacon → verify → install)')

/** The phase-1 file's hashes, for the operator to compare with the ones its ceremony published. */
function printPtau(p: import('../circuits/ptau.ts').PtauReport): void {
  const participants = p.contributions.filter((c) => c.kind === 'contribution').length
  console.log(`phase-1 file ${p.file}: 2^${p.power}, ${participants} participant contribution(s), ${p.contributions.length - participants} beacon(s); it verifies`)
  console.log(`  SHA-256      ${p.sha256}`)
  console.log(`  BLAKE2b-512  ${p.blake2b512}`)
  console.log('  compare these with the hashes the phase-1 ceremony published: a file with other hashes is not that ceremony')
}

// No default phase-1 file: without --ptau the ceremony functions throw PTAU_REQUIRED (exit 2).
const PTAU_FLAG = 'phase-1 (powers of tau) file of a public ceremony, required; it must verify and hold a participant contribution'

ceremony
  .command('init <circuit> <out>')
  .description('the first proving key of a circuit (transfer or batch) from its r1cs and the phase-1 file')
  .option('--ptau <file>', PTAU_FLAG)
  .action(async (circuit: string, out: string, opts: { ptau?: string }) => {
    const { ceremonyInit } = await import('../circuits/ceremony.ts')
    const logger = progressLogger('init')
    const { ptau } = await ceremonyInit(circuit, out, { ptau: opts.ptau as string, logger })
    logger.done()
    printPtau(ptau)
    console.log(`wrote ${out}`)
  })

ceremony
  .command('contribute <in> <out>')
  .description('add your contribution (fresh random entropy unless --entropy is given)')
  .option('--name <name>', 'your name or handle, recorded in the key')
  .option('--entropy <text>', 'extra entropy (random by default)')
  .action(async (input: string, out: string, opts: { name?: string; entropy?: string }) => {
    const { ceremonyContribute } = await import('../circuits/ceremony.ts')
    const logger = progressLogger('contribute')
    const hash = await ceremonyContribute(input, out, { name: opts.name, entropy: opts.entropy, logger })
    logger.done()
    console.log(`contribution hash (publish it): ${hash}`)
  })

ceremony
  .command('beacon <in> <out> <beaconHex>')
  .description('close the ceremony with a public random beacon (iterations: 10 to 63)')
  .option('--iterations <exp>', 'hash iterations as a power of two', '10')
  .action(async (input: string, out: string, beacon: string, opts: { iterations: string }) => {
    const { ceremonyBeacon } = await import('../circuits/ceremony.ts')
    const logger = progressLogger('beacon')
    await ceremonyBeacon(input, out, beacon, { iterationsExp: Number(opts.iterations), logger })
    logger.done()
    console.log(`wrote ${out}`)
  })

ceremony
  .command('verify <circuit> <zkey>')
  .description('check a proving key against the circuit and phase-1 file, and every contribution in it')
  .option('--ptau <file>', PTAU_FLAG)
  .action(async (circuit: string, zkey: string, opts: { ptau?: string }) => {
    const { ceremonyVerify } = await import('../circuits/ceremony.ts')
    const logger = progressLogger('verify')
    const { valid: ok, ptau } = await ceremonyVerify(circuit, zkey, { ptau: opts.ptau as string, logger })
    logger.done()
    printPtau(ptau)
    console.log(ok ? 'valid: the key matches the circuit and every contribution checks' : 'INVALID: do not use this key')
    process.exitCode = ok ? 0 : 1
  })

ceremony
  .command('install <circuit> <zkey>')
  .description('verify, then install a ceremony key as the circuit proving key (updates circuits/manifest.json)')
  .option('--ptau <file>', PTAU_FLAG)
  .action(async (circuit: string, zkey: string, opts: { ptau?: string }) => {
    const { ceremonyInstall } = await import('../circuits/ceremony.ts')
    const logger = progressLogger('install')
    const { ptau } = await ceremonyInstall(circuit, zkey, { ptau: opts.ptau as string, logger })
    logger.done()
    printPtau(ptau)
    console.log(`installed ${zkey} as the ${circuit} proving key`)
  })

/**
 * Usage mistakes (an unknown option, a missing argument) are errors like any other: one line
 * with a code, exit 2. Commander prints help and version itself and exits 0 for them.
 */
function overrideExits(command: Command): void {
  // The command that failed goes with the error: its help is the one to point at.
  command.exitOverride((error) => {
    throw Object.assign(error, { command })
  })
  command.configureOutput({ outputError: () => {} })
  for (const sub of command.commands) overrideExits(sub)
}
overrideExits(program)

try {
  await program.parseAsync(process.argv)
} catch (e) {
  // One line, `error CODE: sentence` on stderr, or `{"error":{code,message}}` on stdout under
  // --json; exit 2. A bug's stack only with ZKPAY_DEBUG.
  const report = errorReport(e)
  if (report) {
    if (process.argv.slice(2).includes('--json')) console.log(JSON.stringify({ error: report }))
    else console.error(`error ${report.code}: ${report.message}`)
    process.exitCode = 2
    if (report.code === 'INTERNAL_ERROR' && process.env.ZKPAY_DEBUG) console.error(e)
  }
}
// Commands that start long-lived workers (servers, devnets) never reach this line; for the
// rest, leftover snarkjs/ffjavascript threads must not keep a finished command alive. Exiting
// ends them, so the prover (and snarkjs) need not load just to be stopped: `zkpay --help` stays quick.
process.exit()
