// An operator node on a real anvil for e2e tests: the store, the sequencer with the in-process
// prover, and the HTTP API on a real socket.
import { createPublicClient, createWalletClient, type PublicClient } from 'viem'
import { afterAll, beforeAll } from 'vitest'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { createApp } from '../../src/api/index.ts'
import type { TransactionJson } from '../../src/circuits/index.ts'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import { serveHttp } from '../../src/cli/serveHttp.ts'
import { DEFAULT_HTTP_TIMEOUTS } from '../../src/config/index.ts'
import { createSilentLogger, type Logger } from '../../src/log/index.ts'
import { createLocalProver } from '../../src/prover/index.ts'
import { createNodeClient, type NodeClient } from '../../src/sdk/nodeClient.ts'
import { Sequencer, type SequencerOptions } from '../../src/sequencer/index.ts'
import { createRollupClient } from '../../src/settlement/createRollupClient.ts'
import { rpcTransport } from '../../src/settlement/rpcTransport.ts'
import { type NodeStore, openNodeStore } from '../../src/state/index.ts'
import { freePort } from './nodeProcess.ts'
import type { Devnet } from './rollup.ts'

export type TestNode = {
  store: NodeStore
  sequencer: Sequencer
  app: ReturnType<typeof createApp>
  url: string
  /** the typed client the wallet and the merchant use (`hc<NodeApi>`) */
  client: NodeClient
  post(json: TransactionJson | unknown): Promise<{ status: number; body: { id?: string; code?: string; message?: string } }>
  get<T = Record<string, unknown>>(path: string): Promise<T>
  /** polls a transaction until its status is one of `statuses` */
  waitFor(id: string, statuses: string[], timeoutMs?: number): Promise<{ status: string; code?: string }>
  stop(): Promise<void>
}

export async function startTestNode(devnet: Devnet, options: Partial<SequencerOptions> = {}): Promise<TestNode> {
  const store = await openNodeStore({ path: ':memory:' })
  const sequencer = await Sequencer.start({
    store,
    l1: createRollupClient(devnet.accounts[0]!, devnet.rollup),
    prover: createLocalProver(),
    logger: createSilentLogger(),
    batchSize: 4,
    batchMaxAgeMs: 300,
    depositMarginBlocks: 5n,
    confirmations: 1,
    fromBlock: devnet.deployBlock,
    pollMs: 100,
    ...options,
  })
  const app = createApp({ sequencer })
  const { url, close } = await serveHttp({ fetch: app.fetch, port: 0, hostname: '127.0.0.1', ...DEFAULT_HTTP_TIMEOUTS })
  const client = createNodeClient(url)
  const node: TestNode = {
    store,
    sequencer,
    app,
    url,
    client,
    async post(json) {
      // Attack tests send what the schema refuses: typed as the API's input all the same.
      const res = await client.v1.transactions.$post({ json: json as TransactionJson })
      return { status: res.status, body: (await res.json()) as { id?: string; code?: string; message?: string } }
    },
    async get<T>(path: string) {
      return (await (await fetch(`${url}${path}`)).json()) as T
    },
    async waitFor(id, statuses, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        // Not found yet (a request queued on L1 that the node has not read yet) counts as no status.
        const res = await client.v1.transactions[':id'].$get({ param: { id } })
        const tx = res.status === 200 ? await res.json() : undefined
        if (tx && statuses.includes(tx.status)) return { status: tx.status, ...(tx.code ? { code: tx.code } : {}) }
        if (Date.now() > deadline) throw new Error(`transaction ${id} stayed ${tx?.status ?? `unknown (HTTP ${res.status})`}`)
        await new Promise((r) => setTimeout(r, 100))
      }
    },
    async stop() {
      await sequencer.stop()
      await close()
      await store.close()
    },
  }
  return node
}

/**
 * A real sequencer and store whose L1 cannot be reached (a closed port, or `rpcUrl`): no anvil and
 * no proofs, for tests of the API's own behaviour (limits, streams, status, what leaks). Every
 * read works, and admission up to the first L1 check.
 */
export async function startOfflineSequencer(options: { rpcUrl?: string; logger?: Logger } = {}): Promise<{ store: NodeStore; sequencer: Sequencer; publicClient: PublicClient; stop(): Promise<void> }> {
  const store = await openNodeStore({ path: ':memory:' })
  const transport = rpcTransport(options.rpcUrl ?? `http://127.0.0.1:${await freePort()}`, { retryCount: 0 })
  const publicClient = createPublicClient({ chain: foundry, transport }) as PublicClient
  const walletClient = createWalletClient({ account: privateKeyToAccount(`0x${'11'.repeat(32)}`), chain: foundry, transport })
  const sequencer = await Sequencer.start({
    store,
    l1: createRollupClient({ publicClient, walletClient }, `0x${'00'.repeat(19)}01`),
    prover: createLocalProver(),
    logger: options.logger ?? createSilentLogger(),
    batchSize: 4,
    batchMaxAgeMs: 300,
    depositMarginBlocks: 5n,
    confirmations: 1,
    fromBlock: 0n,
    pollMs: 100,
  })
  return {
    store,
    sequencer,
    publicClient,
    async stop() {
      await sequencer.stop()
      await store.close()
    },
  }
}

export type OfflineSequencer = Awaited<ReturnType<typeof startOfflineSequencer>>

/**
 * One offline sequencer for a whole test file: started (after Poseidon's engine) before its
 * tests with the options `options` returns, stopped after them. Returns its getter.
 *
 * @example
 * const offline = useOfflineSequencer()
 * it('…', async () => createApp({ sequencer: offline().sequencer }))
 */
export function useOfflineSequencer(options: () => Promise<Parameters<typeof startOfflineSequencer>[0]> | Parameters<typeof startOfflineSequencer>[0] = () => ({})): () => OfflineSequencer {
  let offline: OfflineSequencer | undefined
  beforeAll(async () => {
    await initCrypto()
    offline = await startOfflineSequencer(await options())
  })
  afterAll(async () => {
    await offline?.stop()
  })
  return () => {
    if (!offline) throw new Error('The offline sequencer starts in beforeAll: use it inside tests.')
    return offline
  }
}
