import { Command, CommanderError } from 'commander'
import { BaseError as ViemBaseError } from 'viem'
import { describe, expect, it } from 'vitest'
import { errorReport } from '../../src/cli/errorReport.ts'
import { InvalidParameterError } from '../../src/errors/index.ts'

describe('errorReport: every failure is a code and one printable sentence', () => {
  it("default: zkpay's own errors keep their code and short message", () => {
    expect(errorReport(new InvalidParameterError('amount', 'expected a positive decimal number'))).toEqual({
      code: 'INVALID_PARAMETER',
      message: expect.stringMatching(/amount.*expected a positive decimal number/),
    })
  })

  it("behavior: viem's errors are L1_REQUEST_FAILED with viem's one-line summary, not its details", () => {
    const report = errorReport(new ViemBaseError('insufficient funds for gas', { details: 'a long\nmulti-line\nRPC body' }))
    expect(report).toEqual({ code: 'L1_REQUEST_FAILED', message: 'insufficient funds for gas' })
  })

  it('error: an unexpected exception (a bug) is INTERNAL_ERROR on one line, with how to get the stack', () => {
    const report = errorReport(new TypeError("Cannot read properties of undefined (reading 'x')\n    at somewhere (file.js:1:1)"))
    expect(report?.code).toBe('INTERNAL_ERROR')
    expect(report?.message).toBe("Cannot read properties of undefined (reading 'x') (a bug in zkpay: run again with ZKPAY_DEBUG=1 for the stack trace and report it)")
    expect(errorReport('a thrown string')?.message).toMatch(/^a thrown string \(a bug in zkpay/)
  })

  it('error: a message with terminal escapes or a very long quote is made printable and capped', () => {
    const report = errorReport(new InvalidParameterError('memo', `bad \u001b]0;pwned\u0007 ${'x'.repeat(2000)}`))
    expect(report?.message).not.toMatch(/[\u0000-\u001f]/)
    expect(report?.message.length).toBeLessThanOrEqual(600)
  })

  it('behavior: usage mistakes are USAGE naming the help of the command that failed; --help and --version are no error', () => {
    const wallet = new Command('zkpay').command('wallet')
    const send = wallet.command('send')
    const unknown = Object.assign(new CommanderError(1, 'commander.unknownOption', "error: unknown option '--fast'"), { command: send })
    expect(errorReport(unknown)).toEqual({ code: 'USAGE', message: "unknown option '--fast'; see `zkpay wallet send --help`" })
    const missing = Object.assign(new CommanderError(1, 'commander.help', '(outputHelp)'), { command: wallet })
    expect(errorReport(missing)).toEqual({ code: 'USAGE', message: 'a command is missing; see `zkpay wallet --help`' })
    expect(errorReport(new CommanderError(0, 'commander.version', '0.1.0'))).toBeUndefined()
  })
})
