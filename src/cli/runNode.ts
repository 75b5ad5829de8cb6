import path from 'node:path'
import type { Hex, PublicClient } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { createApp } from '../api/index.ts'
import { BATCH_EVENTS_CHANNEL, createApiReplica } from '../api/apiReplica.ts'
import { nodeReadinessChecks } from '../api/nodeReadinessChecks.ts'
import { sequencerNode } from '../api/nodeService.ts'
import { publishToReplicas } from '../api/publishToReplicas.ts'
import { assertKeysAllowed, DEVNET_CHAIN_ID, keysInUse } from '../circuits/devKeys.ts'
import { type ConfigOverrides, loadConfig, type NodeConfig, nodeConfig } from '../config/index.ts'
import { ConfigError, WrongNetworkError } from '../errors/index.ts'
import { initCrypto } from '../crypto/poseidon.ts'
import { createLogger, type Logger } from '../log/index.ts'
import { createLocalProver, createRemoteProver, verifiedProver } from '../prover/index.ts'
import { createQueueProver, openJobQueue } from '../prover/jobQueue.ts'
import { Admission, createNodeMetrics, type FeePolicy, publicFees, Sequencer } from '../sequencer/index.ts'
import { MerkleTree } from '../crypto/merkleTree.ts'
import { createRollupClient, createRollupReader } from '../settlement/createRollupClient.ts'
import { type NodeStore, openNodeStore } from '../state/index.ts'
import { acquireLeadership, type LeaderLease } from '../state/postgres/leaderLease.ts'
import { type Listener, listen } from '../state/postgres/listen.ts'
import { openPgNodeStore } from '../state/postgres/openPgNodeStore.ts'
import type { PgNodeStore } from '../state/postgres/PgNodeStore.ts'
import { type Deployment, readDeploymentFile } from './deploymentFile.ts'
import { resolveFeePolicy } from './feePolicy.ts'
import { connectL1, connectL1Reader } from './l1.ts'
import { serveHttp } from './serveHttp.ts'

export type RunningNode = {
  url: string
  role: 'all' | 'sequencer'
  sequencer: Sequencer
  logger: Logger
  /** On Postgres: resolves when this process stops being sure it leads; it must then stop at once. */
  leadershipLost: Promise<Error> | undefined
  stop(): Promise<void>
}

/**
 * The node's settings: flags (`overrides`), then ZKPAY_* variables, then the deployment file
 * (`--deployment`, ZKPAY_DEPLOYMENT) for the rollup address and first block, then defaults.
 */
export function loadNodeSettings(overrides: ConfigOverrides<typeof nodeConfig>, env: Record<string, string | undefined> = process.env): { config: NodeConfig; deployment: Deployment | undefined } {
  const { deployment: file } = loadConfig({ deployment: nodeConfig.deployment }, { env, overrides: { deployment: overrides.deployment } })
  const deployment = file === undefined ? undefined : readDeploymentFile(file)
  const fallbacks = deployment && { rollupAddress: deployment.rollupAddress, fromBlock: deployment.deployBlock }
  return { config: loadConfig(nodeConfig, { env, overrides, fallbacks }), deployment }
}

/**
 * Wires an operator node from its config: the SQLite store in `dataDir` (or the Postgres one at
 * `databaseUrl`, once this process holds the sequencer's leader lease), the L1 clients, the
 * in-process prover or the remote ones (with `proverToken`, the value of the variable
 * `proverTokenEnv` names), the sequencer loop and the HTTP API. `zkpay node` and `zkpay devnet` call it.
 * Before any of that it checks the chain: the deployment file's chain id (WRONG_NETWORK), and
 * forgeable dev keys off the devnet (DEV_KEYS_REFUSED unless `insecureDevKeys`).
 */
export async function runNode(
  config: NodeConfig,
  operatorKey: Hex,
  options: { logger?: Logger; deployment?: Deployment; proverToken?: string; feeKey?: string } = {},
): Promise<RunningNode> {
  const logger = options.logger ?? createLogger('node', { level: config.logLevel })
  if (config.role === 'api') throw new ConfigError('ZKPAY_NODE_ROLE', 'An api replica runs through runApiReplica: it holds no operator key.')
  assertRoleConfig(config)
  if (config.proverJobQueue && config.databaseUrl === undefined) {
    throw new ConfigError('ZKPAY_PROVER_JOB_QUEUE', 'The prover job queue lives in the Postgres database: set ZKPAY_DATABASE_URL (--database-url) too.')
  }
  const { chainId, publicClient, walletClient } = await connectL1(config.rpcUrl, privateKeyToAccount(operatorKey))
  const fees = await checkChainKeysAndFees(config, { chainId, publicClient, logger, provingKeys: true, ...options })
  const { store, lease, shared } = await openStore(config, logger)
  const jobs =
    config.proverJobQueue && config.databaseUrl !== undefined
      ? await openJobQueue(config.databaseUrl, { applicationName: 'zkpay-node' })
      : undefined
  if (config.proverUrls.length > 0 && options.proverToken === undefined) {
    logger.warn({ variable: config.proverTokenEnv }, 'no prover token set: provers that require one (any not on loopback) will refuse this node')
  }
  const l1 = createRollupClient({ publicClient, walletClient }, config.rollupAddress)
  const sequencer = await Sequencer.start({
    store,
    l1,
    metrics: createNodeMetrics({ store, l1, fromBlock: config.fromBlock, role: config.role, ...(config.replicaId === undefined ? {} : { replica: config.replicaId }), logger }),
    // Every batch proof is checked against its batch before it is used: remote provers are not
    // trusted, and a local one with the wrong proving key would otherwise post until refused.
    prover: jobs
      ? createQueueProver(jobs, { jobTimeoutMs: config.proverJobTimeoutMs, attempts: config.proverJobAttempts, logger: logger.child({ module: 'prover' }) })
      : config.proverUrls.length > 0
        ? createRemoteProver(config.proverUrls, { ...(options.proverToken === undefined ? {} : { token: options.proverToken }), logger: logger.child({ module: 'prover' }) })
        : verifiedProver(createLocalProver()),
    logger: logger.child({ module: 'sequencer' }),
    batchSize: config.batchSize,
    // Several batches at once only where several provers can take them.
    maxBatchesInFlight: jobs || config.proverUrls.length > 0 ? config.maxBatchesInFlight : 1,
    batchMaxAgeMs: config.batchMaxAgeMs,
    ...(fees ? { fees } : {}),
    depositMarginBlocks: config.depositMarginBlocks,
    confirmations: config.confirmations,
    feeBumpAfterMs: config.feeBumpAfterMs,
    fromBlock: config.fromBlock,
  })
  // On Postgres, api replicas answer /v1/status and /v1/events from what the leader publishes.
  const stopPublishing = shared && publishToReplicas(sequencerNode(sequencer), shared, { logger })
  const app = createApp({
    sequencer,
    clientApi: config.role === 'all',
    rateLimit: { submit: config.rateLimitSubmit, read: config.rateLimitRead },
    trustedProxies: config.trustedProxies,
    eventStreams: config.eventStreams,
  })
  const { url, close } = await serve(config, app)
  logger.info({ url, role: config.role, rollup: config.rollupAddress, chainId, operator: walletClient.account.address, batchSize: config.batchSize }, 'node listening')
  return {
    url,
    role: config.role,
    sequencer,
    logger,
    leadershipLost: lease?.lost,
    async stop() {
      await sequencer.stop()
      await stopPublishing?.()
      await close()
      await jobs?.stop({ graceful: false, wait: true })
      await lease?.release()
      await store.close()
    },
  }
}

/**
 * The node's store. On Postgres several processes share it, and only the one holding the leader
 * lease may run the sequencer: this waits, as a standby, until it does.
 */
async function openStore(config: NodeConfig, logger: Logger): Promise<{ store: NodeStore; lease?: LeaderLease; shared?: PgNodeStore }> {
  if (config.databaseUrl === undefined) return { store: await openNodeStore({ path: path.join(config.dataDir, 'node.sqlite') }) }
  const store = await openPgNodeStore({ url: config.databaseUrl, applicationName: 'zkpay-node' })
  try {
    const lease = await acquireLeadership(config.databaseUrl, { onStandby: () => logger.info('standby: another process leads the sequencer; taking over when it stops') })
    logger.info('leader: this process runs the sequencer')
    return { store, lease, shared: store }
  } catch (error) {
    await store.close()
    throw error
  }
}

/** A process of role `api`: what `runApiReplica` gives. */
export type RunningApiReplica = { url: string; role: 'api'; logger: Logger; stop(): Promise<void> }

/**
 * Wires an api replica (role `api`): admission and the client API on the shared Postgres
 * database, with the fee policy (and fee key) of the operator, but no operator key, no loop and
 * no prover. `/v1/status` and `/v1/events` come from what the sequencer leader publishes there.
 * It checks the chain and the verifying keys as `runNode` does.
 */
export async function runApiReplica(config: NodeConfig, options: { logger?: Logger; deployment?: Deployment; feeKey?: string } = {}): Promise<RunningApiReplica> {
  const logger = options.logger ?? createLogger('node', { level: config.logLevel }).child({ role: 'api' })
  assertRoleConfig(config)
  const databaseUrl = config.databaseUrl!
  const { chainId, publicClient } = await connectL1Reader(config.rpcUrl)
  const fees = await checkChainKeysAndFees(config, { chainId, publicClient, logger, provingKeys: false, ...options })
  const store = await openPgNodeStore({ url: databaseUrl, applicationName: 'zkpay-api' })
  let listener: Listener | undefined
  try {
    const l1 = createRollupReader(publicClient, config.rollupAddress)
    const metrics = createNodeMetrics({ store, l1, fromBlock: config.fromBlock, role: 'api', ...(config.replicaId === undefined ? {} : { replica: config.replicaId }), logger })
    // The empty tree's root is the rollup's first: a replica that starts before any leader
    // admits transactions proven against it (the leader records it too, once).
    await store.recordGenesisRoot(new MerkleTree().root)
    const admission = new Admission({ store, l1, ...(fees ? { fees } : {}), depositMarginBlocks: config.depositMarginBlocks, metrics })
    const replica = createApiReplica({ store, admission, logger, metrics, fees: publicFees(fees), rollup: config.rollupAddress })
    listener = listen(databaseUrl, BATCH_EVENTS_CHANNEL, (payload) => replica.deliver(payload), { applicationName: 'zkpay-api-events', logger, onReconnect: () => replica.gap() })
    const app = createApp({
      node: replica,
      readiness: [...nodeReadinessChecks({ store, l1 }), replica.agreesWithLeader],
      rateLimit: { submit: config.rateLimitSubmit, read: config.rateLimitRead },
      trustedProxies: config.trustedProxies,
      eventStreams: config.eventStreams,
    })
    const { url, close } = await serve(config, app)
    logger.info({ url, role: 'api', rollup: config.rollupAddress, chainId }, 'api replica listening')
    return {
      url,
      role: 'api',
      logger,
      async stop() {
        await close()
        await listener?.close()
        await store.close()
      },
    }
  } catch (error) {
    await listener?.close()
    await store.close()
    throw error
  }
}

/** Roles other than `all` share a Postgres database: refused before anything connects. */
function assertRoleConfig(config: NodeConfig): void {
  if (config.role !== 'all' && config.databaseUrl === undefined) {
    throw new ConfigError('ZKPAY_NODE_ROLE', `Role ${config.role} shares its state with the other roles through Postgres: set ZKPAY_DATABASE_URL (--database-url), or run role all.`)
  }
  if (config.role === 'api' && config.proverJobQueue) throw new ConfigError('ZKPAY_PROVER_JOB_QUEUE', 'An api replica proves nothing: give the job queue setting to the sequencer.')
}

/**
 * What every role checks before it serves: the deployment file's chain (WRONG_NETWORK), the
 * verifying keys (DEV_KEYS_REFUSED off the devnet unless `insecureDevKeys`; `provingKeys` too
 * where it proves), and the fee policy it admits by.
 */
async function checkChainKeysAndFees(
  config: NodeConfig,
  p: { chainId: number; publicClient: PublicClient; logger: Logger; provingKeys: boolean; deployment?: Deployment; feeKey?: string },
): Promise<FeePolicy | undefined> {
  const { chainId, logger, deployment } = p
  if (deployment && deployment.chainId !== chainId) {
    throw new WrongNetworkError(`The deployment file is for chain ${deployment.chainId}, but the RPC serves chain ${chainId}: check --rpc-url and --deployment.`)
  }
  // The keys it verifies transfers with and proves batches with: forgeable ones would let anyone
  // through admission, and a contract deployed with them accepts anything.
  const keys = await keysInUse({ provingKeys: p.provingKeys })
  assertKeysAllowed({ action: 'run the node', chainId, keys, allowInsecureDevKeys: config.insecureDevKeys })
  const vkeys = { transferVkeySha256: keys.circuits.transfer.vkeySha256, batchVkeySha256: keys.circuits.batch.vkeySha256 }
  if (!keys.dev) logger.info({ verifyingKeys: 'ceremony', ...vkeys }, 'verifying keys: ceremony keys')
  else if (chainId === DEVNET_CHAIN_ID) logger.info({ verifyingKeys: 'dev', ...vkeys }, "verifying keys: the dev setup's (forgeable, for the local devnet only)")
  else logger.warn({ verifyingKeys: 'dev', chainId, ...vkeys }, `INSECURE: running with the DEV verifying keys on chain ${chainId} (insecureDevKeys): anyone can forge proofs and take every deposit; never let this rollup hold real funds`)
  const deployed = deployment?.verifyingKeys.circuits
  if (deployed && (deployed.transfer.vkeySha256 !== vkeys.transferVkeySha256 || deployed.batch.vkeySha256 !== vkeys.batchVkeySha256)) {
    logger.warn({ deployed, ...vkeys }, 'the deployment file records other verifying keys than this node has: the contract will refuse its batches')
  }
  await initCrypto()
  const fees = await resolveFeePolicy(config.fees, { variable: config.feeKeyEnv, value: p.feeKey }, p.publicClient)
  if (fees) logger.info({ feeAddress: fees.address, prices: Object.fromEntries([...fees.prices].map(([a, price]) => [`0x${a.toString(16).padStart(40, '0')}`, price.amount.toString()])) }, 'fees: paid as shielded notes to the fee address')
  else logger.warn('no fees (ZKPAY_FEES is empty): anyone can make this node post batches at its expense')
  return fees
}

function serve(config: NodeConfig, app: { fetch: (request: Request, env?: unknown) => Response | Promise<Response> }) {
  return serveHttp({
    fetch: app.fetch,
    port: config.apiPort,
    hostname: config.apiHost,
    headersTimeoutMs: config.httpHeadersTimeoutMs,
    requestTimeoutMs: config.httpRequestTimeoutMs,
  })
}
