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

/**
 * The rollup contract rejected a call with one of its custom errors (`Rollup__UnknownRoot`…).
 * `txIndex`, when the error has one, names the offending transaction of a batch.
 */
export class RollupRevertedError extends BaseError {
  override name = 'RollupRevertedError' as const
  readonly errorName: string
  readonly args: Record<string, bigint | string>
  readonly txIndex: number | undefined
  constructor(errorName: string, args: Record<string, bigint | string>, options: { cause?: unknown } = {}) {
    const shown = Object.entries(args).map(([k, v]) => `${k} ${v}`).join(', ')
    super('ROLLUP_REVERTED', `The rollup contract rejected the call: ${errorName}${shown ? ` (${shown})` : ''}.`, options)
    this.errorName = errorName
    this.args = args
    this.txIndex = typeof args.txIndex === 'bigint' ? Number(args.txIndex) : undefined
  }
}

/** An L1 transaction failed for a reason other than a rollup error (RPC down, out of gas, reverted receipt). */
export class SettlementError extends BaseError {
  override name = 'SettlementError' as const
  constructor(shortMessage: string, options: { details?: string; cause?: unknown } = {}) {
    super('SETTLEMENT_FAILED', shortMessage, options)
  }
}

/** An L1 transaction was sent but not mined in the time allowed: it may still be; replace it with higher fees or wait. */
export class TransactionPendingError extends BaseError {
  override name = 'TransactionPendingError' as const
  readonly hash: `0x${string}`
  constructor(hash: `0x${string}`, options: { cause?: unknown } = {}) {
    super('L1_TRANSACTION_PENDING', `Transaction ${hash} was sent but is not mined yet.`, options)
    this.hash = hash
  }
}

/**
 * An L1 reorg took back a block holding something this follower already called final (a batch
 * `confirmations` deep, an invoice paid `final`): it stops rather than rewrite what it promised
 * would not change. `block` is the orphaned block.
 */
export class ReorgTooDeepError extends BaseError {
  override name = 'ReorgTooDeepError' as const
  readonly block: bigint
  constructor(shortMessage: string, block: bigint, options: { details?: string; cause?: unknown } = {}) {
    super('REORG_TOO_DEEP', shortMessage, options)
    this.block = block
  }
}
