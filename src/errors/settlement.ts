import { BaseError } from './BaseError.ts'

/** The embedded devnet (anvil) could not be started or stopped. */
export class DevnetError extends BaseError {
  override name = 'DevnetError' as const
  constructor(shortMessage: string, options: { details?: string; cause?: unknown } = {}) {
    super('DEVNET_FAILED', shortMessage, options)
  }
}

/** The Solidity sources did not compile. */
export class ContractCompileError extends BaseError {
  override name = 'ContractCompileError' as const
  constructor(shortMessage: string, options: { details?: string; cause?: unknown } = {}) {
    super('CONTRACT_COMPILE_FAILED', shortMessage, options)
  }
}
