// `zkpay …` as an operator runs it: a child process, its exit code and both outputs.
import { execFile } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

export type CliResult = { code: number; stdout: string; stderr: string }

/**
 * Runs `zkpay <args>` as installed (`bin/zkpay.js`, the compiled CLI in dist/) with `env` added to
 * this process's (a variable set to undefined is removed).
 */
export function runZkpay(args: readonly string[], options: { env?: Record<string, string | undefined>; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/zkpay.js', ...args],
      { cwd: root, env: Object.fromEntries(Object.entries({ ...process.env, ...options.env }).filter(([, v]) => v !== undefined)), timeout: options.timeoutMs ?? 120_000 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    )
  })
}
