export type BaseErrorParameters = {
  /** Extra lines for a human: what was wrong and what to do. */
  details?: string | undefined
  /** The error this one wraps. */
  cause?: unknown
}

/**
 * The one error type zkpay throws. Each subclass has a literal `name` and a stable `code`
 * (SCREAMING_SNAKE_CASE, never renamed once published) that APIs return as-is, and a
 * `shortMessage`: one sentence a user can act on.
 */
export class BaseError extends Error {
  override name = 'ZkpayError'
  readonly code: string
  readonly shortMessage: string
  readonly details: string | undefined

  constructor(code: string, shortMessage: string, parameters: BaseErrorParameters = {}) {
    const message = parameters.details ? `${shortMessage}\n\nDetails: ${parameters.details}` : shortMessage
    super(message, parameters.cause === undefined ? undefined : { cause: parameters.cause })
    this.code = code
    this.shortMessage = shortMessage
    this.details = parameters.details
  }

  /**
   * Follows the chain of causes from this error: the first error (this one included) for which
   * `predicate` holds, or, without one, the deepest cause. As viem's `BaseError.walk`.
   *
   * @example
   * const rpc = error.walk((e) => e instanceof HttpRequestError)
   */
  walk(predicate?: (error: unknown) => boolean): unknown {
    let current: unknown = this
    const seen = new Set<unknown>()
    while (current !== undefined && current !== null && !seen.has(current)) {
      if (predicate?.(current)) return current
      seen.add(current)
      const next = (current as { cause?: unknown }).cause
      if (next === undefined || next === null) return predicate ? null : current
      current = next
    }
    return predicate ? null : current
  }
}
