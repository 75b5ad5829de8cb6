/**
 * Where the sequencer's parts read the time: every rule that depends on it (a batch's age, the
 * deposit head's cache, a stuck L1 transaction's fee bump) asks this, so a test can move time on
 * by hand.
 *
 * @example
 * const clock = manualClock(Date.parse('2026-01-01T00:00:00Z'))
 * clock.advance(60_000)
 */
export type Clock = { now(): number }

/** The machine's clock. */
export const systemClock: Clock = { now: () => Date.now() }

/** A clock that moves only when told: for tests of the time rules. */
export function manualClock(start = 0): Clock & { advance(ms: number): void; set(ms: number): void } {
  let now = start
  return {
    now: () => now,
    advance(ms) {
      now += ms
    },
    set(ms) {
      now = ms
    },
  }
}
