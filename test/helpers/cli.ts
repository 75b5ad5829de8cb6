// `zkpay …` as an operator runs it: a child process, its exit code and both outputs.
import { execFile, spawn } from 'node:child_process'
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

/**
 * Runs `node <args>` on a terminal of its own (a pseudo-terminal from util-linux's `script`), as
 * a user at a shell does: stdin, stdout and stderr are TTYs. When the output matches `prompt`,
 * types `answer` and Enter. Resolves with the exit code and everything the terminal showed
 * (stdout and stderr together, as a screen shows them, line ends as `\n`).
 */
export function runOnTerminal(args: readonly string[], options: { env?: Record<string, string>; prompt: RegExp; answer: string; timeoutMs?: number }): Promise<{ code: number; screen: string }> {
  const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`
  const command = [process.execPath, ...args].map(quote).join(' ')
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['--quiet', '--return', '--command', command, '/dev/null'], { cwd: root, env: { ...process.env, ...options.env } })
    let screen = ''
    let answered = false
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000)
    child.stdout.on('data', (d: Buffer) => {
      screen += d.toString()
      if (!answered && options.prompt.test(screen)) {
        answered = true
        child.stdin.write(`${options.answer}\r`)
      }
    })
    child.on('error', reject)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ code: code ?? 1, screen: screen.replaceAll('\r\n', '\n') })
    })
  })
}
