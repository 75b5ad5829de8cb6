import { encodeAbiParameters, getAbiItem, type Hash, type Hex, keccak256 } from 'viem'
import type { ShieldedTransaction } from '../circuits/index.ts'
import type { Outputs } from '../crypto/index.ts'
import { rollupAbi } from './generated/contracts.ts'

/** The ABI of Rollup.sol's `Transfer` struct, taken from the generated bindings. */
const TRANSFER_PARAMETERS = getAbiItem({ abi: rollupAbi, name: 'checkTransfer' }).inputs

/** Rollup.sol's `Transfer` struct, as viem encodes and decodes it. */
export type RollupTransfer = ReturnType<typeof toRollupTransfer>

/**
 * The `Transfer` struct of Rollup.sol for one transaction.
 *
 * @example
 * await publicClient.readContract({ address: rollup, abi: rollupAbi, functionName: 'checkTransfer', args: [toRollupTransfer(tx)] })
 */
export function toRollupTransfer(t: ShieldedTransaction) {
  return {
    proof: t.proof,
    root: t.root,
    publicAmount: t.publicAmount,
    publicAsset: t.publicAsset,
    extDataHash: t.extDataHash,
    nullifiers: t.nullifiers,
    commitments: t.commitments,
    extData: {
      recipient: t.extData.recipient,
      extAmount: t.extData.extAmount,
      fee: t.extData.fee,
      epk: t.extData.epk,
      ciphertext0: t.extData.ciphertexts[0],
      ciphertext1: t.extData.ciphertexts[1],
      ciphertext2: t.extData.ciphertexts[2],
    },
  }
}

type DecodedTransfer = {
  proof: { a: readonly [bigint, bigint]; b: readonly [readonly [bigint, bigint], readonly [bigint, bigint]]; c: readonly [bigint, bigint] }
  root: bigint
  publicAmount: bigint
  publicAsset: bigint
  extDataHash: bigint
  nullifiers: readonly [bigint, bigint]
  commitments: readonly [bigint, bigint, bigint]
  extData: { recipient: `0x${string}`; extAmount: bigint; fee: bigint; epk: Hex; ciphertext0: Hex; ciphertext1: Hex; ciphertext2: Hex }
}

/**
 * The inverse of {@link toRollupTransfer}: a `Transfer` as viem decodes it from calldata or an event.
 *
 * @example
 * const { args } = decodeEventLog({ abi: rollupAbi, eventName: 'InclusionRequested', data: log.data, topics: log.topics })
 * const transaction = fromRollupTransfer(args.transfer) // a ShieldedTransaction
 */
export function fromRollupTransfer(t: DecodedTransfer): ShieldedTransaction {
  const pair = (p: readonly [bigint, bigint]): [bigint, bigint] => [p[0], p[1]]
  return {
    proof: { a: pair(t.proof.a), b: [pair(t.proof.b[0]), pair(t.proof.b[1])], c: pair(t.proof.c) },
    root: t.root,
    publicAmount: t.publicAmount,
    publicAsset: t.publicAsset,
    extDataHash: t.extDataHash,
    nullifiers: pair(t.nullifiers),
    commitments: [...t.commitments] as Outputs<bigint>,
    extData: {
      recipient: t.extData.recipient,
      extAmount: t.extData.extAmount,
      fee: t.extData.fee,
      epk: t.extData.epk,
      ciphertexts: [t.extData.ciphertext0, t.extData.ciphertext1, t.extData.ciphertext2],
    },
  }
}

/**
 * `keccak256(abi.encode(transfer))`: how the rollup names a transfer in its inclusion queue (it
 * keeps the first 24 bytes). The proof is part of it, so a queued request is served only by
 * that exact transaction.
 *
 * @example
 * const hash = transferHash(tx)
 */
export function transferHash(t: ShieldedTransaction): Hash {
  return keccak256(encodeAbiParameters(TRANSFER_PARAMETERS, [toRollupTransfer(t)]))
}
