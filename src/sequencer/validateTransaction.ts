import { zeroAddress } from 'viem'
import { type ShieldedTransaction, transferPublicSignals, verifyTransfer } from '../circuits/index.ts'
import { extDataHash } from '../crypto/extData.ts'
import { toField } from '../crypto/field.ts'
import { AMOUNT_LIMIT, ASSET_LIMIT } from '../crypto/note.ts'
import { type Rejection, reject } from './rejections.ts'

export type ValidationContext = {
  /** the sequencer's minimum fee (in the transaction's asset's base units) */
  minFee: bigint
  knownRoot(root: bigint): Promise<boolean>
  /** whether the rollup holds the escrow for this deposit */
  isEscrowed(asset: bigint, amount: bigint, extDataHash: bigint): Promise<boolean>
  /** defaults to snarkjs verification of the transfer proof */
  verifyProof?(tx: ShieldedTransaction): Promise<boolean>
}

/**
 * The admission checks, cheapest first and the proof last: everything Rollup.sol will check,
 * so that an admitted transaction does not make a batch revert. Nullifiers are checked (and
 * reserved) by the store when the transaction is inserted.
 *
 * @example
 * const verdict = await validateTransaction(tx, { minFee: 0n, knownRoot, isEscrowed })
 * if (!verdict.ok) return c.json({ code: verdict.code, message: verdict.message }, 400)
 */
export async function validateTransaction(tx: ShieldedTransaction, ctx: ValidationContext): Promise<{ ok: true } | Rejection> {
  const { extAmount, fee, recipient } = tx.extData
  if (fee < 0n || fee >= AMOUNT_LIMIT || extAmount <= -AMOUNT_LIMIT || extAmount >= AMOUNT_LIMIT) return reject('AMOUNT_OUT_OF_RANGE')
  if (tx.publicAsset >= ASSET_LIMIT) return reject('INVALID_ASSET')
  if (extDataHash(tx.extData) !== tx.extDataHash) return reject('EXT_DATA_MISMATCH')
  const flow = extAmount - fee
  if (tx.publicAmount !== toField(flow)) return reject('PUBLIC_AMOUNT_MISMATCH')
  if (flow === 0n && (extAmount !== 0n || tx.publicAsset !== 0n)) {
    return extAmount !== 0n ? reject('PUBLIC_AMOUNT_MISMATCH') : reject('INVALID_ASSET')
  }
  if (extAmount < 0n && recipient.toLowerCase() === zeroAddress) return reject('INVALID_RECIPIENT')
  if (fee < ctx.minFee) return reject('FEE_TOO_LOW', `The minimum is ${ctx.minFee}.`)
  if (!(await ctx.knownRoot(tx.root))) return reject('UNKNOWN_ROOT')
  if (extAmount > 0n && !(await ctx.isEscrowed(tx.publicAsset, extAmount, tx.extDataHash))) return reject('DEPOSIT_NOT_ESCROWED')
  const verify = ctx.verifyProof ?? ((t: ShieldedTransaction) => verifyTransfer(t.proof, transferPublicSignals(t)))
  if (!(await verify(tx))) return reject('INVALID_PROOF')
  return { ok: true }
}
