import path from 'node:path'
import { createPublicClient, createWalletClient, defineChain, type Hex, type PublicClient } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { createApp } from '../api/index.ts'
import { type NodeConfig, redactUrl } from '../config/index.ts'
import { initCrypto } from '../crypto/poseidon.ts'
import { createLogger, type Logger } from '../log/index.ts'
import { createLocalProver, createRemoteProver, verifiedProver } from '../prover/index.ts'
import { Sequencer } from '../sequencer/index.ts'
import { createRollupClient } from '../settlement/createRollupClient.ts'
import { rpcTransport } from '../settlement/rpcTransport.ts'
import { openNodeStore } from '../state/index.ts'
import { serveHttp } from './serveHttp.ts'

export type RunningNode = { url: string; sequencer: Sequencer; logger: Logger; stop(): Promise<void> }

/**
 * Wires an operator node from its config: the SQLite store in `dataDir`, the L1 clients, the
 * in-process prover or the remote ones (with `proverToken`, the value of the variable
 * `proverTokenEnv` names), the sequencer loop and the HTTP API. `zkpay node` and `zkpay devnet` call it.
 */
export async function runNode(config: NodeConfig, operatorKey: Hex, options: { logger?: Logger; proverToken?: string } = {}): Promise<RunningNode> {
  const logger = options.logger ?? createLogger('node', { level: config.logLevel })
  await initCrypto()
  const store = await openNodeStore({ path: path.join(config.dataDir, 'node.sqlite') })
  // The URL may carry the provider's token: viem, and so every error and log line, sees its origin only.
  const transport = rpcTransport(config.rpcUrl)
  const probe = createPublicClient({ transport })
  const chainId = await probe.getChainId()
  const chain = defineChain({ id: chainId, name: `chain ${chainId}`, nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [redactUrl(config.rpcUrl)] } } })
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 250 }) as PublicClient
  const walletClient = createWalletClient({ account: privateKeyToAccount(operatorKey), chain, transport })
  if (config.proverUrls.length > 0 && options.proverToken === undefined) {
    logger.warn({ variable: config.proverTokenEnv }, 'no prover token set: provers that require one (any not on loopback) will refuse this node')
  }
  const sequencer = await Sequencer.start({
    store,
    l1: createRollupClient({ publicClient, walletClient }, config.rollupAddress),
    // Every batch proof is checked against its batch before it is used: remote provers are not
    // trusted, and a local one with the wrong proving key would otherwise post until refused.
    prover:
      config.proverUrls.length > 0
        ? createRemoteProver(config.proverUrls, { ...(options.proverToken === undefined ? {} : { token: options.proverToken }), logger: logger.child({ module: 'prover' }) })
        : verifiedProver(createLocalProver()),
    logger: logger.child({ module: 'sequencer' }),
    batchSize: config.batchSize,
    batchMaxAgeMs: config.batchMaxAgeMs,
    minFee: config.minFee,
    confirmations: config.confirmations,
    feeBumpAfterMs: config.feeBumpAfterMs,
    fromBlock: config.fromBlock,
  })
  const app = createApp({
    sequencer,
    rateLimit: { submit: config.rateLimitSubmit, read: config.rateLimitRead },
    trustedProxies: config.trustedProxies,
    eventStreams: config.eventStreams,
  })
  const { url, close } = await serveHttp({
    fetch: app.fetch,
    port: config.apiPort,
    hostname: config.apiHost,
    headersTimeoutMs: config.httpHeadersTimeoutMs,
    requestTimeoutMs: config.httpRequestTimeoutMs,
  })
  logger.info({ url, rollup: config.rollupAddress, chainId, operator: walletClient.account.address, batchSize: config.batchSize }, 'node listening')
  return {
    url,
    sequencer,
    logger,
    async stop() {
      await sequencer.stop()
      await close()
      await store.close()
    },
  }
}
