import { type DestinationStream, type LevelWithSilent, type Logger, pino } from 'pino'
import { hexBigints, LOG_CENSOR, REDACT_PATHS } from './redaction.ts'

export type { Logger } from 'pino'

export type CreateLoggerOptions = {
  /** The lowest level written; `info` by default (from `nodeConfig.logLevel` in the node). */
  level?: LevelWithSilent
  /** Where JSON lines go: stdout by default; tests pass an in-memory stream. */
  destination?: DestinationStream
}

// One synchronous stdout stream per process, shared by every logger: a line written before a
// crash is on stdout, not in a buffer, which matters for a node that must explain a kill -9.
let stdout: DestinationStream | undefined

/**
 * A JSON logger (pino) for one module, named like `sequencer:validator`. Each line carries
 * `level` (as a word), `time` (ms), `pid`, `module` and `msg`; secret fields (keys, mnemonic,
 * privateKey…, see `SECRET_FIELDS`) print as `[redacted]`, bigints as 0x hex. Add context with
 * `log.child({ batch: 7 })`, and log errors under `err` to keep their code and details.
 *
 * @example
 * const log = createLogger('sequencer:validator', { level: config.logLevel })
 * log.info({ txId, nullifiers }, 'admitted')
 * log.warn({ err }, 'proof rejected')
 */
export function createLogger(module: string, options: CreateLoggerOptions = {}): Logger {
  const destination = options.destination ?? (stdout ??= pino.destination({ fd: 1, sync: true }))
  return pino(
    {
      level: options.level ?? 'info',
      base: { pid: process.pid, module },
      redact: { paths: REDACT_PATHS, censor: LOG_CENSOR },
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => hexBigints(object) as Record<string, unknown>,
      },
    },
    destination,
  )
}
