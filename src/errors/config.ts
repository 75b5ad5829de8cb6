import { BaseError } from './BaseError.ts'

/**
 * A setting is missing or does not parse. `variable` is the environment variable that sets it
 * (`ZKPAY_BATCH_SIZE`), so an operator knows exactly what to fix; `setting` is its config key.
 * A secret's value never appears in the message or details.
 */
export class ConfigError extends BaseError {
  override name = 'ConfigError' as const
  readonly variable: string
  readonly setting: string | undefined

  constructor(variable: string, shortMessage: string, options: { setting?: string; details?: string; cause?: unknown } = {}) {
    super('CONFIG_INVALID', shortMessage, options)
    this.variable = variable
    this.setting = options.setting
  }
}
