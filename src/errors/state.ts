import { BaseError } from './BaseError.ts'

/**
 * A batch was asked to move to a state its state machine does not allow from where it is
 * (`sealed → submitted` skips proving). This is a bug in the caller, never a user error.
 */
export class BatchTransitionError extends BaseError {
  override name = 'BatchTransitionError' as const
  readonly batchNumber: number
  readonly from: string
  readonly to: string

  constructor(batchNumber: number, from: string, to: string, allowed: readonly string[]) {
    const next = allowed.length > 0 ? `it can only move to ${allowed.join(', ')}` : `${from} is a final state`
    super('BATCH_TRANSITION_INVALID', `Batch ${batchNumber} cannot move from ${from} to ${to}: ${next}.`)
    this.batchNumber = batchNumber
    this.from = from
    this.to = to
  }
}

/**
 * The node's note tree and its store disagree: the stored notes do not hash to the stored root.
 * The data directory is damaged; the node stops rather than build on it.
 */
export class StateCorruptError extends BaseError {
  override name = 'StateCorruptError' as const
  constructor(shortMessage: string) {
    super('STATE_CORRUPT', shortMessage)
  }
}

/**
 * A database refused an operation: an unknown record, a state that forbids it, a database that
 * does not open, a browser wallet's database open in another tab (`STORE_LOCKED`),
 * (`STORE_WRITE_FAILED`) a wallet store that could not save a write and so stopped writing, or
 * (`STORE_UNAVAILABLE`) a node's database that does not answer (the outcome of a write in flight unknown).
 */
export class StoreError extends BaseError {
  override name = 'StoreError' as const

  constructor(
    code: 'STORE_NOT_FOUND' | 'STORE_CONFLICT' | 'STORE_OPEN_FAILED' | 'STORE_LOCKED' | 'STORE_WRITE_FAILED' | 'STORE_UNAVAILABLE',
    shortMessage: string,
    options: { details?: string; cause?: unknown } = {},
  ) {
    super(code, shortMessage, options)
  }
}
