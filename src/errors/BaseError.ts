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
}
