import { BaseError } from './BaseError.ts'

/** The wallet's unspent notes of the asset do not cover the amount (and fee). */
export class InsufficientBalanceError extends BaseError {
  override name = 'InsufficientBalanceError' as const
  constructor(shortMessage: string, options: { details?: string } = {}) {
    super('INSUFFICIENT_BALANCE', shortMessage, options)
  }
}

/** The sequencer turned the transaction away; `reason` is its rejection code (e.g. NULLIFIER_SPENT). */
export class TransactionRejectedError extends BaseError {
  override name = 'TransactionRejectedError' as const
  readonly reason: string
  constructor(reason: string, message: string) {
    super('TRANSACTION_REJECTED', `The sequencer rejected the transaction (${reason}): ${message}`)
    this.reason = reason
  }
}

const origin = (url: string) => {
  try {
    return new URL(url).origin
  } catch {
    return 'the configured URL'
  }
}

/**
 * `wait()` gave up before its transaction reached the stage asked for. The node answered all
 * along: the transaction may still settle, so wait again rather than pay again.
 */
export class WaitTimeoutError extends BaseError {
  override name = 'WaitTimeoutError' as const
  readonly status: string
  constructor(id: string, stage: string, status: string, timeoutMs: number) {
    super('WAIT_TIMEOUT', `Transaction ${id} is still ${status} after ${Math.round(timeoutMs / 1000)} s, not yet ${stage}: it may still get there; wait again rather than pay again.`)
    this.status = status
  }
}

/** The sequencer could not be reached or answered something that is not its API. */
export class NodeUnreachableError extends BaseError {
  override name = 'NodeUnreachableError' as const
  constructor(url: string, options: { cause?: unknown } = {}) {
    // Its origin only: a URL may carry a token in its path, query or user info.
    super('NODE_UNREACHABLE', `The sequencer at ${origin(url)} cannot be reached: check the URL and that the node runs.`, options)
  }
}

/**
 * The wallet and what it talks to disagree about the network: a wallet database made for another
 * rollup or chain, or an address of the other network (mainnet `zkp1…` against testnet `zkpt1…`).
 */
export class WrongNetworkError extends BaseError {
  override name = 'WrongNetworkError' as const
  constructor(shortMessage: string) {
    super('WRONG_NETWORK', shortMessage)
  }
}

/**
 * The L1 JSON-RPC endpoint could not be reached: no connection, no answer in time, or an HTTP
 * error from it or a proxy in front of it (`reason`, e.g. `HTTP 502`). Named by its origin only:
 * an RPC URL may carry a provider's token in its path, query or user info.
 */
export class L1UnreachableError extends BaseError {
  override name = 'L1UnreachableError' as const
  constructor(url: string | undefined, options: { cause?: unknown; reason?: string } = {}) {
    const at = url === undefined ? 'The L1 RPC' : `The L1 RPC at ${origin(url)}`
    super('L1_UNREACHABLE', `${at} cannot be reached${options.reason ? ` (${options.reason})` : ''}: check the URL and that the chain runs.`, { cause: options.cause })
  }
}

/** The L1 JSON-RPC endpoint answered a request with an error of its own (`reason`: viem's one-line summary). */
export class L1RequestFailedError extends BaseError {
  override name = 'L1RequestFailedError' as const
  constructor(url: string | undefined, reason: string, options: { cause?: unknown } = {}) {
    const at = url === undefined ? 'The L1 RPC' : `The L1 RPC at ${origin(url)}`
    super('L1_REQUEST_FAILED', `${at} answered a request with an error: ${reason.replace(/\.$/, '')}.`, options)
  }
}

/** The node takes fees in a list of assets, and this one is not in it: no fee it could pay would be accepted. */
export class FeeAssetUnsupportedError extends BaseError {
  override name = 'FeeAssetUnsupportedError' as const
  constructor(asset: string, accepted: readonly string[]) {
    super('FEE_ASSET_UNSUPPORTED', `This node takes no fees in ${asset}, so it admits no transaction of that asset (it takes ${accepted.join(', ') || 'none'}); use another node or forced inclusion.`)
  }
}

/** The node asks more than the caller agreed to pay (`maxFee`, or by default 1% of the amount). */
export class FeeTooHighError extends BaseError {
  override name = 'FeeTooHighError' as const
  constructor(shortMessage: string) {
    super('FEE_TOO_HIGH', shortMessage)
  }
}

/**
 * A deposit's funds are escrowed on L1 but the sequencer did not take the shielded deposit. The
 * wallet recorded the escrow before it sent anything: its next sync submits it again, and
 * `reclaimDeposits` (`zkpay wallet reclaim`) returns it once it unlocks.
 */
export class DepositNotSubmittedError extends BaseError {
  override name = 'DepositNotSubmittedError' as const
  readonly key: string
  constructor(key: string, reason: string, options: { cause?: unknown } = {}) {
    super(
      'DEPOSIT_NOT_SUBMITTED',
      `The deposit is escrowed on L1 (escrow ${key.slice(0, 18)}…) but the sequencer did not take it (${reason}): the next sync submits it again, and a reclaim (\`zkpay wallet reclaim\`, or Reclaim on the web wallet's Deposit screen) returns it to the L1 account once it unlocks.`,
      options,
    )
    this.key = key
  }
}

/**
 * The L1 call that escrows a deposit failed without the rollup refusing it (a timeout, a lost
 * RPC): the escrow may still land. The wallet recorded it before sending, so nothing is lost.
 */
export class DepositUnconfirmedError extends BaseError {
  override name = 'DepositUnconfirmedError' as const
  readonly key: string
  constructor(key: string, reason: string, options: { cause?: unknown } = {}) {
    super(
      'DEPOSIT_UNCONFIRMED',
      `The escrow transaction did not confirm (${reason}) and may still land on L1; it is recorded as escrow ${key.slice(0, 18)}…, so do not deposit again: the next sync looks for it and submits it if it landed.`,
      options,
    )
    this.key = key
  }
}
