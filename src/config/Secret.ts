import { inspect } from 'node:util'

const REDACTED = '[redacted]'

/**
 * A value that must never reach a log line, an error or a JSON body: an operator key, an API
 * token. The value sits in a private field, so `JSON.stringify`, `util.inspect`, string
 * interpolation and `Object.keys` all see `[redacted]`; only `reveal()` hands it out, which makes
 * every use greppable.
 *
 * @example
 * const key = new Secret(process.env.ZKPAY_OPERATOR_KEY!)
 * log.info({ key }, 'loaded') // {"key":"[redacted]",...}
 * const account = privateKeyToAccount(key.reveal())
 */
export class Secret<T = string> {
  readonly #value: T

  constructor(value: T) {
    this.#value = value
    Object.freeze(this)
  }

  /** The secret itself: call it only where the value is used, never to print it. */
  reveal(): T {
    return this.#value
  }

  toJSON(): string {
    return REDACTED
  }

  toString(): string {
    return REDACTED
  }

  [inspect.custom](): string {
    return `Secret(${REDACTED})`
  }
}
