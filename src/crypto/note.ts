import { InvalidParameterError } from '../errors/index.ts'
import { assertFieldElement } from './field.ts'
import { poseidon } from './poseidon.ts'

/**
 * Amounts are below 2^128 (the circuit range-checks them) so that no sum of a few wraps the field.
 *
 * @example
 * if (amount >= AMOUNT_LIMIT) throw new InvalidParameterError('amount', 'expected an amount below 2^128')
 */
export const AMOUNT_LIMIT = 1n << 128n
/**
 * Assets are ERC-20 addresses as integers (0 = ETH): below 2^160.
 *
 * @example
 * const isToken = asset > 0n && asset < ASSET_LIMIT // ASSET_LIMIT = 2^160
 */
export const ASSET_LIMIT = 1n << 160n
/**
 * Leaf indexes of the 16-level 4-ary note tree are below 4^16 = 2^32.
 *
 * @example
 * if (BigInt(leafIndex) >= LEAF_INDEX_LIMIT) throw new InvalidParameterError('leafIndex', 'expected an index below 2^32')
 */
export const LEAF_INDEX_LIMIT = 1n << 32n

/**
 * Output notes of every transaction, in this order: the payment (or the wallet's own note for a
 * deposit or merge), the change, and the fee note to the operator. A fee paid as a note stays
 * inside the pool, so a transfer that pays one reveals no more than one that does not.
 *
 * @example
 * if (extData.ciphertexts.length !== TRANSFER_OUTPUTS) throw new Error('expected 3 ciphertexts')
 */
export const TRANSFER_OUTPUTS = 3
/** One value per output of a transaction. */
export type Outputs<T> = [T, T, T]

/** A shielded note: `amount` of `asset` spendable by whoever knows the keys behind `ownerPk`. */
export type Note = {
  /** ERC-20 address as an integer, 0 for ETH */
  asset: bigint
  /** base units, < 2^128 */
  amount: bigint
  /** `H(ak, nk)` of the owner */
  ownerPk: bigint
  /** random field element that hides the note inside its commitment */
  blinding: bigint
}

/**
 * Throws an error naming `parameter` unless `amount` is a bigint in [0, 2^128).
 *
 * @example
 * assertAmount(p.amount) // narrows `p.amount` to bigint, or throws InvalidParameterError
 */
export function assertAmount(amount: unknown, parameter = 'amount'): asserts amount is bigint {
  if (typeof amount !== 'bigint' || amount < 0n || amount >= AMOUNT_LIMIT) {
    throw new InvalidParameterError(parameter, 'expected a bigint amount in [0, 2^128)')
  }
}

/**
 * Throws an error naming `parameter` unless `asset` is a token address as a bigint below 2^160 (0 for ETH).
 *
 * @example
 * assertAsset(note.asset, 'note.asset') // narrows to bigint, or throws InvalidParameterError
 */
export function assertAsset(asset: unknown, parameter = 'asset'): asserts asset is bigint {
  if (typeof asset !== 'bigint' || asset < 0n || asset >= ASSET_LIMIT) {
    throw new InvalidParameterError(parameter, 'expected a 160-bit token address as a bigint (0 for ETH)')
  }
}

/**
 * `cm = H(asset, amount, ownerPk, blinding)`: the leaf that goes into the note tree. It hides
 * the note (blinding) and binds it (Poseidon is collision resistant), so the owner can later
 * prove in zero knowledge that a leaf is theirs.
 *
 * @example
 * const cm = noteCommitment({ asset: 0n, amount: 10n ** 18n, ownerPk: keys.ownerPk, blinding: randomFieldElement() })
 */
export function noteCommitment(note: Note): bigint {
  assertAsset(note.asset, 'note.asset')
  assertAmount(note.amount, 'note.amount')
  assertFieldElement(note.ownerPk, 'note.ownerPk')
  assertFieldElement(note.blinding, 'note.blinding')
  return poseidon([note.asset, note.amount, note.ownerPk, note.blinding])
}

/**
 * `nf = H(nk, cm, leafIndex)`: published when the note is spent. Only the holder of `nk` can
 * compute it, so the chain cannot link a spend to its note; the index makes two notes with
 * equal contents (same commitment) spendable once each.
 *
 * @example
 * const nf = noteNullifier(keys.nk, cm, 42)
 */
export function noteNullifier(nk: bigint, commitment: bigint, leafIndex: number | bigint): bigint {
  assertFieldElement(nk, 'nk')
  assertFieldElement(commitment, 'commitment')
  const index = typeof leafIndex === 'number' && Number.isSafeInteger(leafIndex) ? BigInt(leafIndex) : leafIndex
  if (typeof index !== 'bigint' || index < 0n || index >= LEAF_INDEX_LIMIT) {
    throw new InvalidParameterError('leafIndex', 'expected an integer in [0, 2^32)')
  }
  return poseidon([nk, commitment, index])
}
