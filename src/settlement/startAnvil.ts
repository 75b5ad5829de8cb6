import { type ChildProcess, spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import path from 'node:path'
import { DevnetError } from '../errors/index.ts'

export type Anvil = {
  rpcUrl: string
  port: number
  /** stops anvil (SIGTERM, then SIGKILL after 2 s) and resolves when it has exited */
  stop(): Promise<void>
}

export type StartAnvilParameters = {
  /** 0 (default) lets the OS choose a free port */
  port?: number
  chainId?: number
  /** seconds between blocks; default: a block per transaction */
  blockTime?: number
  /** load and periodically dump chain state to this file (anvil --state) */
  state?: string
  stateInterval?: number
  /** how long to wait for anvil to listen */
  timeoutMs?: number
}

const PLATFORM_PACKAGES: Record<string, string> = {
  'linux-x64': '@foundry-rs/anvil-linux-amd64',
  'linux-arm64': '@foundry-rs/anvil-linux-arm64',
  'darwin-x64': '@foundry-rs/anvil-darwin-amd64',
  'darwin-arm64': '@foundry-rs/anvil-darwin-arm64',
  'win32-x64': '@foundry-rs/anvil-win32-amd64',
}

/**
 * Path of the anvil binary for this platform. package.json lists only the linux-x64 build as
 * an optional dependency: npm here records other platforms' optional packages in neither the
 * lockfile nor `npm ci`'s view of it, so listing them all breaks `npm ci`. On another
 * platform, `npm i --no-save <package>` from the table below adds its build.
 */
export function anvilBinary(): string {
  const pkg = PLATFORM_PACKAGES[`${process.platform}-${process.arch}`]
  if (!pkg) throw new DevnetError(`No anvil build for ${process.platform}-${process.arch}: pass an RPC URL instead of the embedded devnet.`)
  try {
    const require = createRequire(import.meta.url)
    return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), 'bin', process.platform === 'win32' ? 'anvil.exe' : 'anvil')
  } catch (cause) {
    throw new DevnetError(`The anvil binary for this platform is not installed: run \`npm i --no-save ${pkg}@1.7.1\`, or pass an RPC URL.`, { cause })
  }
}

/**
 * Starts a local anvil devnet: the platform binary spawned directly (the npm wrapper script
 * would leave anvil running when killed), on a free port read from its "Listening on" line.
 *
 * @example
 * const anvil = await startAnvil()
 * const client = createPublicClient({ transport: http(anvil.rpcUrl) })
 * await anvil.stop()
 */
export async function startAnvil(parameters: StartAnvilParameters = {}): Promise<Anvil> {
  const args = ['--host', '127.0.0.1', '--port', String(parameters.port ?? 0)]
  if (parameters.chainId !== undefined) args.push('--chain-id', String(parameters.chainId))
  if (parameters.blockTime !== undefined) args.push('--block-time', String(parameters.blockTime))
  if (parameters.state !== undefined) args.push('--state', parameters.state, '--state-interval', String(parameters.stateInterval ?? 1))
  const child = spawn(anvilBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] })
  const port = await new Promise<number>((resolve, reject) => {
    let output = ''
    const timer = setTimeout(() => fail(new DevnetError('anvil did not start listening in time.', { details: output.slice(-2000) })), parameters.timeoutMs ?? 15_000)
    const fail = (e: Error) => {
      clearTimeout(timer)
      child.kill('SIGKILL')
      reject(e)
    }
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /Listening on [^\s:]+:(\d+)/.exec(output)
      if (match) {
        clearTimeout(timer)
        child.stdout!.off('data', onData)
        child.stdout!.resume() // keep draining anvil's log so it never blocks on a full pipe
        resolve(Number(match[1]))
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.once('error', (cause) => fail(new DevnetError('anvil could not be started.', { cause })))
    child.once('exit', (code) => fail(new DevnetError(`anvil exited before listening (code ${code}).`, { details: output.slice(-2000) })))
  })
  return { rpcUrl: `http://127.0.0.1:${port}`, port, stop: () => stopChild(child) }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 2000)
    child.once('exit', () => {
      clearTimeout(kill)
      resolve()
    })
    child.kill('SIGTERM')
  })
}
