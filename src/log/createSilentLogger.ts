import { type Logger, pino } from 'pino'

/**
 * A logger that writes nothing, for tests and for library callers that do not log. It has the
 * full `Logger` interface (including `child`), so code under test needs no null checks.
 *
 * @example
 * const store = await openNodeStore({ path: ':memory:', logger: createSilentLogger() })
 */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' })
}
