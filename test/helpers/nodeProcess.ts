// `zkpay node` as a child process, for tests that kill it (-9) and start it again.
import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { type ShieldedTransaction, toTransactionJson } from '../../src/circuits/index.ts'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/**
 * Polls `probe` until it returns a value; `context` adds to the timeout message (e.g. a node's
 * log). A probe that throws counts as "not yet", unless `rethrow`: then its error is final.
 */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, options: { timeoutMs?: number; context?: () => string; rethrow?: boolean } = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000)
  for (;;) {
    const value = await probe().catch((error: unknown) => {
      if (options.rethrow && !(error instanceof TypeError)) throw error
      return undefined
    })
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${options.context ? `:\n${options.context()}` : ''}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** A `zkpay` child process: its log so far, and two ways to end it. */
export type ZkpayProcess = { child: ChildProcess; output: () => string; kill9(): Promise<void>; stop(): Promise<void> }
export type NodeProcess = ZkpayProcess & { url: string }

/** Starts `zkpay <args>` with `env` added to this process's (undefined unsets a variable). */
function spawnZkpay(args: string[], env: Record<string, string | undefined>): ZkpayProcess {
  const child = spawn(process.execPath, ['bin/zkpay.js', ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout!.on('data', (d) => (output += d))
  child.stderr!.on('data', (d) => (output += d))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return {
    child,
    output: () => output,
    async kill9() {
      child.kill('SIGKILL')
      await exited
    },
    async stop() {
      child.kill('SIGTERM')
      await exited
    },
  }
}

/**
 * Starts `zkpay node` with `env` (ZKPAY_* settings; undefined unsets one) and resolves once its
 * API answers, or once its log matches `options.logged` (a standby serves nothing until it leads).
 */
export async function spawnNode(env: Record<string, string | undefined>, timeoutMs = 60_000, options: { logged?: RegExp } = {}): Promise<NodeProcess> {
  const port = env.ZKPAY_API_PORT ?? String(await freePort())
  const node = { ...spawnZkpay(['node'], { ZKPAY_LOG_LEVEL: 'info', ...env, ZKPAY_API_PORT: port }), url: `http://127.0.0.1:${port}` }
  await until(
    options.logged ? `zkpay node to log ${options.logged}` : 'zkpay node to answer',
    async () => {
      if (node.child.exitCode !== null) throw new Error(`zkpay node exited with ${node.child.exitCode}:\n${node.output()}`)
      if (options.logged) return options.logged.test(node.output()) ? true : undefined
      return (await fetch(`${node.url}/v1/status`)).ok ? true : undefined
    },
    { timeoutMs, context: node.output, rethrow: true },
  )
  return node
}

/** Starts `zkpay prover` on the job queue at `databaseUrl` (a worker) and resolves once it takes jobs. */
export async function spawnProverWorker(databaseUrl: string, env: Record<string, string | undefined> = {}, timeoutMs = 60_000): Promise<ZkpayProcess> {
  // The URL in the environment, as operators should pass it: a command line is public on the machine.
  const worker = spawnZkpay(['prover'], { ...env, ZKPAY_DATABASE_URL: databaseUrl })
  await until(
    'the prover worker to start',
    async () => {
      if (worker.child.exitCode !== null) throw new Error(`zkpay prover exited with ${worker.child.exitCode}:\n${worker.output()}`)
      return /taking jobs from the queue/.test(worker.output()) ? true : undefined
    },
    { timeoutMs, context: worker.output, rethrow: true },
  )
  return worker
}

/** GET `path` from a node and read its JSON. */
export const getJson = async <T>(url: string, path: string): Promise<T> => (await (await fetch(`${url}${path}`)).json()) as T

/** POST a transaction to a node's API: its HTTP status and body. */
export async function postTransaction(url: string, tx: ShieldedTransaction): Promise<{ status: number; body: { id?: string; code?: string } }> {
  const res = await fetch(`${url}/v1/transactions`, { method: 'POST', body: JSON.stringify(toTransactionJson(tx)), headers: { 'content-type': 'application/json' } })
  return { status: res.status, body: (await res.json()) as { id?: string; code?: string } }
}

/** Waits (2 min at most) until the transaction `id` is settled or final on `node`; `context` is shown if it never is. */
export function untilSettled(node: { url: string }, id: string, context: () => string): Promise<string> {
  return until(
    `transaction ${id} to settle`,
    async () => {
      const t = await getJson<{ status: string }>(node.url, `/v1/transactions/${id}`)
      return ['settled', 'final'].includes(t.status) ? t.status : undefined
    },
    { context, timeoutMs: 120_000 },
  )
}
