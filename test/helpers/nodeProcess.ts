// `zkpay node` as a child process, for tests that kill it (-9) and start it again.
import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** Polls `probe` until it returns a value; `context` adds to the timeout message (e.g. a node's log). */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, options: { timeoutMs?: number; context?: () => string } = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000)
  for (;;) {
    const value = await probe().catch(() => undefined)
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${options.context ? `:\n${options.context()}` : ''}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

export type NodeProcess = { url: string; child: ChildProcess; output: () => string; kill9(): Promise<void>; stop(): Promise<void> }

/**
 * Starts `zkpay node` with `env` (ZKPAY_* settings; undefined unsets one) and resolves once its
 * API answers, or once its log matches `options.logged` (a standby serves nothing until it leads).
 */
export async function spawnNode(env: Record<string, string | undefined>, timeoutMs = 60_000, options: { logged?: RegExp } = {}): Promise<NodeProcess> {
  const port = env.ZKPAY_API_PORT ?? String(await freePort())
  const child = spawn(process.execPath, ['bin/zkpay.js', 'node'], {
    cwd: root,
    env: { ...process.env, ZKPAY_LOG_LEVEL: 'info', ...env, ZKPAY_API_PORT: port },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout!.on('data', (d) => (output += d))
  child.stderr!.on('data', (d) => (output += d))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (child.exitCode !== null) throw new Error(`zkpay node exited with ${child.exitCode}:\n${output}`)
    if (options.logged?.test(output)) break
    if (options.logged) {
      if (Date.now() > deadline) throw new Error(`zkpay node did not log ${options.logged}:\n${output}`)
      await new Promise((r) => setTimeout(r, 100))
      continue
    }
    try {
      if ((await fetch(`${url}/v1/status`)).ok) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`zkpay node did not answer:\n${output}`)
    await new Promise((r) => setTimeout(r, 200))
  }
  return {
    url,
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
