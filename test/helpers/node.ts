// An operator node on a real anvil for e2e tests: the store, the sequencer with the in-process
// prover, and the HTTP API on a real socket.
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { createApp } from '../../src/api/index.ts'
import type { TransactionJson } from '../../src/circuits/index.ts'
import { createSilentLogger } from '../../src/log/index.ts'
import { createLocalProver } from '../../src/prover/index.ts'
import { Sequencer, type SequencerOptions } from '../../src/sequencer/index.ts'
import { createRollupClient } from '../../src/settlement/createRollupClient.ts'
import { type NodeStore, openNodeStore } from '../../src/state/index.ts'
import type { Devnet } from './rollup.ts'

export type TestNode = {
  store: NodeStore
  sequencer: Sequencer
  app: ReturnType<typeof createApp>
  url: string
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
    minFee: 0n,
    depositMarginBlocks: 5n,
    confirmations: 1,
    fromBlock: devnet.deployBlock,
    pollMs: 100,
    ...options,
  })
  const app = createApp({ sequencer })
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' })
  await new Promise<void>((resolve) => server.once('listening', () => resolve()))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const node: TestNode = {
    store,
    sequencer,
    app,
    url,
    async post(json) {
      const res = await fetch(`${url}/v1/transactions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) })
      return { status: res.status, body: (await res.json()) as { id?: string; code?: string; message?: string } }
    },
    async get<T>(path: string) {
      return (await (await fetch(`${url}${path}`)).json()) as T
    },
    async waitFor(id, statuses, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const tx = await node.get<{ status: string; code?: string }>(`/v1/transactions/${id}`)
        if (statuses.includes(tx.status)) return tx
        if (Date.now() > deadline) throw new Error(`transaction ${id} stayed ${tx.status}`)
        await new Promise((r) => setTimeout(r, 100))
      }
    },
    async stop() {
      await sequencer.stop()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await store.close()
    },
  }
  return node
}
