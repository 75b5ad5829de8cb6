import { type Command, CommanderError } from 'commander'
import { BaseError } from '../errors/index.ts'
import { printable } from './printable.ts'

/** What the user is told about a failed command: a stable code and one sentence. */
export type ErrorReport = { code: string; message: string }

/**
 * Any error a command throws, as the one line the user sees (`error CODE: sentence`, exit 2).
 * Expected failures are zkpay's errors (their code and short message) or viem's (its one-line
 * summary); usage mistakes from commander are `USAGE` with the help to read; anything else is a
 * bug, `INTERNAL_ERROR`, still one line, with the way to get the stack. Messages may quote
 * others (a node's reason, a token's revert string), so they are made printable and capped.
 * `undefined` for commander's own clean exits (--help, --version).
 *
 * @example
 * errorReport(new TypeError('x is undefined')) // { code: 'INTERNAL_ERROR', message: 'x is undefined (a bug in zkpay: …)' }
 */
export function errorReport(e: unknown): ErrorReport | undefined {
  const report = (code: string, message: string) => ({ code, message: printable(message, 600) })
  if (e instanceof CommanderError) {
    if (e.exitCode === 0) return undefined
    // The command that failed goes with the error (see main.ts): its help is the one to point at.
    const path: string[] = []
    for (let c: Command | null | undefined = (e as CommanderError & { command?: Command }).command; c; c = c.parent) path.unshift(c.name())
    const problem = e.code === 'commander.help' ? 'a command is missing' : e.message.replace(/^error: /, '')
    return report('USAGE', `${problem}; see \`${path.length > 0 ? path.join(' ') : 'zkpay'} --help\``)
  }
  if (e instanceof BaseError) return report(e.code, e.shortMessage)
  // viem's errors (an RPC that refuses, an account without funds) carry a one-line summary.
  if (e instanceof Error && 'shortMessage' in e) return report('L1_REQUEST_FAILED', String(e.shortMessage))
  const first = e instanceof Error ? e.message.split('\n')[0] : String(e)
  return report('INTERNAL_ERROR', `${first} (a bug in zkpay: run again with ZKPAY_DEBUG=1 for the stack trace and report it)`)
}
