/**
 * Where the sequencer's parts read the time: every rule that depends on it (a batch's age, the
 * deposit head's cache, a stuck L1 transaction's fee bump) asks this, so a test can move time on
 * by hand.
 *
 * @example
 * const now = (clock: Clock) => new Date(clock.now()).toISOString()
 */
export type Clock = { now(): number }

/**
 * The machine's clock.
 *
 * @example
 * const sequencer = await Sequencer.start({ ...options, clock: systemClock })
 */
export const systemClock: Clock = { now: () => Date.now() }

/**
 * A clock that moves only when told: for tests of the time rules.
 *
 * @example
 * const clock = manualClock(Date.now())
 * clock.advance(batchMaxAgeMs) // the pending transaction is now old enough to seal
 */
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
