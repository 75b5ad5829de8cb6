import { STORE_REJECTIONS } from '../state/index.ts'

/**
 * Every reason the node turns a transaction away, with the sentence the API returns as-is
 * (`{ code, message }`). Codes are stable: clients may branch on them.
 *
 * @example
 * const rejection = { ok: false, code: 'NULLIFIER_SPENT', message: REJECTIONS.NULLIFIER_SPENT } // 'The note was already spent.'
 */
export const REJECTIONS = {
  INVALID_SCHEMA: 'The transaction is malformed.',
  INVALID_PROOF: 'The proof does not verify against the public inputs.',
  UNKNOWN_ROOT: 'The transaction proves against a root the rollup never had: sync and prove again.',
  ...STORE_REJECTIONS,
  EXT_DATA_MISMATCH: 'extDataHash is not the hash of the ext data.',
  PUBLIC_AMOUNT_MISMATCH: 'publicAmount is not extAmount − fee (mod r).',
  AMOUNT_OUT_OF_RANGE: 'extAmount and fee must be below 2^128 in absolute value.',
  INVALID_ASSET: 'publicAsset must be an address, and 0 for a transaction without public flow.',
  INVALID_RECIPIENT: 'A withdrawal needs a recipient other than the zero address.',
  FEE_TOO_LOW: 'The transaction does not pay this node’s fee.',
  FEE_ASSET_UNSUPPORTED: 'This node takes no fees in the transaction’s asset.',
  DEPOSIT_NOT_ESCROWED: 'The deposit’s funds are not escrowed on L1 for this transaction and its outputs: call deposit() on the rollup first.',
  DEPOSIT_EXPIRING: 'The deposit’s escrow can be reclaimed too soon for a batch to include it safely: reclaim it once it unlocks and deposit again.',
  PAYLOAD_TOO_LARGE: 'The request body is larger than 1 MB.',
  RATE_LIMITED: 'Too many requests from this client: slow down and retry.',
  TOO_MANY_STREAMS: 'The node has as many event streams open as it allows: retry later, or poll /v1/status and /v1/batches/:number.',
  EVENT_STREAM_OVERFLOW: 'This client fell too far behind the event stream and was disconnected: reconnect, and read what it missed from /v1/status and /v1/batches/:number.',
  NOT_FOUND: 'No such resource.',
  SEQUENCER_SILENT: 'No sequencer has reported on this database yet: transactions are admitted, but no batch is made until one runs.',
} as const

export type RejectionCode = keyof typeof REJECTIONS

/** A rejection is a value, not an exception (CONVENTIONS, Code 3). */
export type Rejection = { ok: false; code: RejectionCode; message: string }

export const reject = (code: RejectionCode, detail?: string): Rejection => ({
  ok: false,
  code,
  message: detail ? `${REJECTIONS[code]} ${detail}` : REJECTIONS[code],
})

/**
 * The contract's custom errors that concern one transaction, and the code each one means.
 *
 * @example
 * const code = CONTRACT_REJECTIONS[failure.errorName] ?? 'INVALID_PROOF' // 'Rollup__UnknownRoot' → 'UNKNOWN_ROOT'
 */
export const CONTRACT_REJECTIONS: Readonly<Record<string, RejectionCode>> = {
  Rollup__FieldOverflow: 'INVALID_SCHEMA',
  Rollup__UnknownRoot: 'UNKNOWN_ROOT',
  Rollup__NullifierSpent: 'NULLIFIER_SPENT',
  Rollup__ExtDataMismatch: 'EXT_DATA_MISMATCH',
  Rollup__PublicAmountMismatch: 'PUBLIC_AMOUNT_MISMATCH',
  Rollup__AmountOutOfRange: 'AMOUNT_OUT_OF_RANGE',
  Rollup__InvalidAsset: 'INVALID_ASSET',
  Rollup__InvalidRecipient: 'INVALID_RECIPIENT',
  Rollup__DepositNotEscrowed: 'DEPOSIT_NOT_ESCROWED',
  Rollup__InvalidCiphertext: 'INVALID_SCHEMA',
  Rollup__InvalidProof: 'INVALID_PROOF',
}
