import { isAddress, zeroAddress } from 'viem'
import { type ShieldedTransaction, transferPublicSignals, verifyTransfer } from '../circuits/index.ts'
import { extDataHash } from '../crypto/extData.ts'
import { isFieldElement, toField } from '../crypto/field.ts'
import { AMOUNT_LIMIT, ASSET_LIMIT, TRANSFER_OUTPUTS } from '../crypto/note.ts'
import { NOTE_CIPHERTEXT_SIZE } from '../crypto/noteEncryption.ts'
import { checkFee, type FeePolicy } from './fees.ts'
import { type Rejection, reject } from './rejections.ts'

export type ValidationContext = {
  /** what the node charges (its fee address, key and prices); undefined: no fees */
  fees?: FeePolicy
  knownRoot(root: bigint): Promise<boolean>
  /** which of these nullifiers are spent on L1 or reserved by an admitted transaction */
  takenNullifiers(nullifiers: readonly bigint[]): Promise<readonly { status: 'spent' | 'pending' }[]>
  /** the escrow a deposit transaction would consume and the block from which it may be reclaimed */
  escrow(tx: ShieldedTransaction): Promise<{ unlockBlock: bigint } | undefined>
  /** an admitted transaction on its way to L1 that consumes the same escrow, if one does */
  escrowHolder(tx: ShieldedTransaction): Promise<string | undefined>
  /** the current L1 block, from which the deposit margin is counted */
  l1Block(): Promise<bigint>
  /**
   * Deposits whose escrow unlocks within this many blocks are refused: the depositor could
   * reclaim it in front of the batch and make the whole batch revert.
   */
  depositMarginBlocks: bigint
  /** defaults to verifyTransfer (the contract's encodings and pairing check) */
  verifyProof?(tx: ShieldedTransaction): Promise<boolean>
}

const INT256_LIMIT = 1n << 255n
const UINT256_LIMIT = 1n << 256n
const EPK = /^0x[0-9a-fA-F]{64}$/
const ciphertextOk = (c: string) => typeof c === 'string' && /^0x[0-9a-fA-F]*$/.test(c) && c.length === 2 + 2 * NOTE_CIPHERTEXT_SIZE

/**
 * The admission checks: exactly what Rollup.sol's `_checkTransfer` checks, in the same order
 * (so both name the same first fault), then the proof, read as the EVM reads it. The
 * sequencer's own policies sit where they cost least: the fee note after the arithmetic,
 * a pending nullifier with the spent ones, an escrow another admitted transaction consumes and
 * the deposit margin with the escrow. An admitted
 * transaction therefore cannot make a batch revert, unless L1 changes under it (the store
 * reserves nullifiers atomically at insertion; sealing re-checks the deposit margin).
 *
 * @example
 * const verdict = await validateTransaction(tx, context)
 * if (!verdict.ok) return c.json({ code: verdict.code, message: verdict.message }, 400)
 */
export async function validateTransaction(tx: ShieldedTransaction, ctx: ValidationContext): Promise<{ ok: true; priority: number } | Rejection> {
  const { extAmount, fee, recipient, epk, ciphertexts } = tx.extData
  // What cannot even be encoded for the contract (the HTTP schema refuses it first).
  const inputs = [tx.root, tx.publicAmount, tx.extDataHash, ...tx.nullifiers, ...tx.commitments]
  if (inputs.length !== 3 + 2 + TRANSFER_OUTPUTS || !inputs.every(isFieldElement)) return reject('INVALID_SCHEMA', 'Every public input must be a field element below r.')
  if (typeof extAmount !== 'bigint' || extAmount < -INT256_LIMIT || extAmount >= INT256_LIMIT) return reject('INVALID_SCHEMA', 'extAmount must fit in int256.')
  if (typeof fee !== 'bigint' || fee < 0n || fee >= UINT256_LIMIT) return reject('INVALID_SCHEMA', 'fee must fit in uint256.')
  if (!isAddress(recipient, { strict: false }) || typeof epk !== 'string' || !EPK.test(epk)) return reject('INVALID_SCHEMA', 'recipient must be an address and epk 32 bytes.')
  if (typeof tx.publicAsset !== 'bigint' || tx.publicAsset < 0n || tx.publicAsset >= ASSET_LIMIT) return reject('INVALID_ASSET')
  if (ciphertexts?.length !== TRANSFER_OUTPUTS || !ciphertexts.every(ciphertextOk)) return reject('INVALID_SCHEMA', `Each ciphertext must be ${NOTE_CIPHERTEXT_SIZE} bytes.`)
  if (extDataHash(tx.extData) !== tx.extDataHash) return reject('EXT_DATA_MISMATCH')
  if (fee >= AMOUNT_LIMIT || extAmount <= -AMOUNT_LIMIT || extAmount >= AMOUNT_LIMIT) return reject('AMOUNT_OUT_OF_RANGE')
  const flow = extAmount - fee
  if (tx.publicAmount !== toField(flow)) return reject('PUBLIC_AMOUNT_MISMATCH')
  if (flow === 0n && extAmount !== 0n) return reject('PUBLIC_AMOUNT_MISMATCH')
  if (flow === 0n && tx.publicAsset !== 0n) return reject('INVALID_ASSET')
  if (extAmount < 0n && recipient.toLowerCase() === zeroAddress) return reject('INVALID_RECIPIENT')
  const paid = checkFee(tx, ctx.fees)
  if (!paid.ok) return paid

  if (!(await ctx.knownRoot(tx.root))) return reject('UNKNOWN_ROOT')
  // Spent outranks pending: a spent note can never come back, a pending one might.
  const taken = await ctx.takenNullifiers(tx.nullifiers)
  if (taken.some((n) => n.status === 'spent') || tx.nullifiers[0] === tx.nullifiers[1]) return reject('NULLIFIER_SPENT')
  if (taken.length > 0) return reject('NULLIFIER_PENDING')
  if (extAmount > 0n) {
    const escrow = await ctx.escrow(tx)
    if (!escrow) return reject('DEPOSIT_NOT_ESCROWED')
    // One escrow, one transaction: a second would make its batch revert once the first consumed it.
    if (await ctx.escrowHolder(tx)) return reject('DEPOSIT_PENDING')
    const head = await ctx.l1Block()
    if (head + ctx.depositMarginBlocks >= escrow.unlockBlock) {
      return reject('DEPOSIT_EXPIRING', `It unlocks at block ${escrow.unlockBlock}; L1 is at ${head} and the margin is ${ctx.depositMarginBlocks} blocks.`)
    }
  }
  const verify = ctx.verifyProof ?? ((t: ShieldedTransaction) => verifyTransfer(t.proof, transferPublicSignals(t)))
  if (!(await verify(tx))) return reject('INVALID_PROOF')
  return { ok: true, priority: paid.priority }
}
