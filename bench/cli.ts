import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { terminateProver } from '../src/circuits/index.ts'
import { initCrypto } from '../src/crypto/poseidon.ts'
import { startDevnet } from '../src/cli/devnet.ts'
import { createSilentLogger } from '../src/log/index.ts'
import type { Row } from './crypto.ts'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const bin = path.join(root, 'bin', 'zkpay.js')

/** Milliseconds from spawning `zkpay args` to its first byte on stdout, and to its exit. */
function timeCommand(args: string[], env: Record<string, string>): Promise<{ firstLine: number; total: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    let firstLine: number | undefined
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let err = ''
    child.stdout.once('data', () => (firstLine = performance.now() - started))
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.on('exit', (code) => (code === 0 ? resolve({ firstLine: firstLine ?? Number.NaN, total: performance.now() - started }) : reject(new Error(`zkpay ${args.join(' ')} exited ${code}: ${err}`))))
  })
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/**
 * Command start-up as a user meets it: the compiled CLI (`npm run build` first), a devnet, a
 * wallet with a settled deposit, then `zkpay wallet balance` on that synced wallet, timed from
 * the spawn to its first line of output (median of 5), and `zkpay --help`.
 */
export async function benchCli(log: (line: string) => void): Promise<Row[]> {
  execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { stdio: 'ignore' })
  await initCrypto()
  const dir = mkdtempSync(path.join(tmpdir(), 'zkpay-bench-cli-'))
  const devnet = await startDevnet({ dir, batchSize: 1, batchMaxAgeMs: 200, logger: createSilentLogger(), fees: null })
  try {
    const env = { ZKPAY_WALLET_PASSPHRASE: 'bench passphrase' }
    const wallet = ['wallet', '--dir', path.join(dir, 'w'), '--devnet', path.join(dir, 'devnet.json')]
    await timeCommand([...wallet, 'new'], env)
    await timeCommand([...wallet, 'deposit', '0.1'], env)
    await timeCommand([...wallet, 'balance'], env) // the first sync after the deposit
    const balance: { firstLine: number; total: number }[] = []
    for (let i = 0; i < 5; i++) balance.push(await timeCommand([...wallet, 'balance'], env))
    const help: number[] = []
    for (let i = 0; i < 5; i++) help.push((await timeCommand(['--help'], env)).total)
    const first = median(balance.map((b) => b.firstLine)) / 1000
    log(`balance: first line after ${first.toFixed(2)} s (median of 5; runs ${balance.map((b) => (b.firstLine / 1000).toFixed(2)).join(', ')} s)`)
    return [
      { key: 'balanceFirstLine', label: '`zkpay wallet balance` on a synced wallet: command to first line, median of 5', value: first, unit: 's', target: '≤ 1' },
      { key: 'balanceTotal', label: '`zkpay wallet balance`: command to exit, median of 5', value: median(balance.map((b) => b.total)) / 1000, unit: 's' },
      { key: 'help', label: '`zkpay --help`: command to exit, median of 5', value: median(help) / 1000, unit: 's' },
    ]
  } finally {
    await devnet.stop()
    await terminateProver() // the devnet's proof checks started snarkjs's worker threads
    rmSync(dir, { recursive: true, force: true })
  }
}
