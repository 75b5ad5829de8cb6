/**
 * Counts requests per client in fixed windows: at most `max` per `windowMs`. Windows that have
 * ended are dropped once per window, so the map holds only the clients of the last two windows
 * however many addresses pass by; past `maxClients` (an attacker with that many addresses), a
 * client the map does not know yet is turned away until the next sweep rather than let it grow.
 *
 * @example
 * const reads = new RateLimiter({ max: 1200, windowMs: 60_000 })
 * const verdict = reads.take(clientAddress)
 * if (!verdict.ok) return c.json({ code: 'RATE_LIMITED', … }, 429, { 'Retry-After': String(verdict.retryAfterSeconds) })
 */
export class RateLimiter {
  readonly max: number
  readonly windowMs: number
  readonly #maxClients: number
  readonly #windows = new Map<string, { start: number; count: number }>()
  #sweptAt = 0

  constructor(options: { max: number; windowMs: number; maxClients?: number }) {
    this.max = options.max
    this.windowMs = options.windowMs
    this.#maxClients = options.maxClients ?? 100_000
  }

  /** How many clients have a window open (for tests and metrics). */
  get clients(): number {
    return this.#windows.size
  }

  /** Counts one request of `client`: allowed, or refused with the seconds until its window ends. */
  take(client: string, now = Date.now()): { ok: true } | { ok: false; retryAfterSeconds: number } {
    if (now - this.#sweptAt >= this.windowMs) this.#sweep(now)
    const window = this.#windows.get(client)
    if (!window || now - window.start >= this.windowMs) {
      if (!window && this.#windows.size >= this.#maxClients) return { ok: false, retryAfterSeconds: Math.ceil((this.#sweptAt + this.windowMs - now) / 1000) }
      this.#windows.set(client, { start: now, count: 1 })
      return { ok: true }
    }
    if (++window.count <= this.max) return { ok: true }
    return { ok: false, retryAfterSeconds: Math.ceil((window.start + this.windowMs - now) / 1000) }
  }

  #sweep(now: number): void {
    this.#sweptAt = now
    for (const [client, window] of this.#windows) if (now - window.start >= this.windowMs) this.#windows.delete(client)
  }
}
