import { BaseError } from './BaseError.ts'

/** A caller passed a value that is out of range or of the wrong shape; `parameter` names it. */
export class InvalidParameterError extends BaseError {
  override name = 'InvalidParameterError' as const
  readonly parameter: string

  constructor(parameter: string, requirement: string, details?: string) {
    super('INVALID_PARAMETER', `Invalid \`${parameter}\`: ${requirement}.`, { details })
    this.parameter = parameter
  }
}

export type InvalidAddressReason = 'BAD_ENCODING' | 'BAD_CHECKSUM' | 'UNKNOWN_PREFIX' | 'BAD_LENGTH' | 'UNKNOWN_VERSION' | 'BAD_KEY'

const addressMessages: Record<InvalidAddressReason, string> = {
  BAD_ENCODING: 'The address is not a bech32m string.',
  BAD_CHECKSUM: 'The address checksum is wrong: it was mistyped or altered.',
  UNKNOWN_PREFIX: 'The address prefix is unknown: expected `zkp1…` (mainnet) or `zkpt1…` (testnet).',
  BAD_LENGTH: 'The address has the wrong length: it may be truncated.',
  UNKNOWN_VERSION: 'The address version is not supported by this software.',
  BAD_KEY: 'The address holds a key that is not valid.',
}

/** A zkpay address (or viewing key string) could not be decoded. */
export class InvalidAddressError extends BaseError {
  override name = 'InvalidAddressError' as const
  readonly reason: InvalidAddressReason

  constructor(reason: InvalidAddressReason, options: { details?: string; cause?: unknown; message?: string } = {}) {
    super(`ADDRESS_${reason}`, options.message ?? addressMessages[reason], options)
    this.reason = reason
  }
}

/** A viewing key string could not be decoded. */
export class InvalidViewingKeyError extends BaseError {
  override name = 'InvalidViewingKeyError' as const

  constructor(shortMessage: string, options: { details?: string; cause?: unknown } = {}) {
    super('VIEWING_KEY_INVALID', shortMessage, options)
  }
}

/** A Merkle tree operation is impossible (full tree, index out of range, bad snapshot). */
export class MerkleTreeError extends BaseError {
  override name = 'MerkleTreeError' as const

  constructor(code: 'TREE_FULL' | 'TREE_INDEX_OUT_OF_RANGE' | 'TREE_BAD_SNAPSHOT', shortMessage: string, details?: string) {
    super(code, shortMessage, { details })
  }
}

