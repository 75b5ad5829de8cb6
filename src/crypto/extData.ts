import { type Address, encodeAbiParameters, type Hex, isAddress, keccak256 } from 'viem'
import { InvalidParameterError } from '../errors/index.ts'
import { FIELD_SIZE } from './field.ts'
import { type Outputs, TRANSFER_OUTPUTS } from './note.ts'

/**
 * Everything about a transaction that the contract acts on but the circuit does not compute.
 * The proof binds `extDataHash = keccak256(abi.encode(extData)) mod r` as a public input, and
 * Rollup.sol recomputes it, so nobody (sequencer included) can redirect a withdrawal, raise
 * the fee or swap the ciphertexts of a proven transaction. (Tornado Nova's design.)
 *
 * Solidity's `struct ExtData` in contracts/ must list the same fields in the same order.
 */
export type ExtData = {
  /** L1 recipient of a withdrawal (zero address otherwise) */
  recipient: Address
  /** > 0 deposit, < 0 withdrawal, 0 private transfer (base units of the transaction's asset) */
  extAmount: bigint
  /**
   * a public tip to whoever posts the batch, in the transaction's asset (`publicAmount = extAmount − fee (mod r)`).
   * The operator's price is paid by the fee note (the third output) instead, which reveals nothing;
   * wallets leave this 0. It pays whoever posts a batch through the escape hatch.
   */
  fee: bigint
  /** the transaction's ephemeral x25519 public key, shared by its outputs */
  epk: Hex
  /** one fixed-size ciphertext per output note */
  ciphertexts: Readonly<Outputs<Hex>>
}

/**
 * The ABI type of `ExtData`, shared by the SDK, the sequencer and the contract bindings.
 *
 * @example
 * const [extData] = decodeAbiParameters(extDataAbiParameters, encoded) // { recipient, extAmount, fee, epk, ciphertext0, … }
 */
export const extDataAbiParameters = [
  {
    type: 'tuple',
    name: 'extData',
    components: [
      { name: 'recipient', type: 'address' },
      { name: 'extAmount', type: 'int256' },
      { name: 'fee', type: 'uint256' },
      { name: 'epk', type: 'bytes32' },
      { name: 'ciphertext0', type: 'bytes' },
      { name: 'ciphertext1', type: 'bytes' },
      { name: 'ciphertext2', type: 'bytes' },
    ],
  },
] as const

const INT256_LIMIT = 1n << 255n

/**
 * `abi.encode(extData)` exactly as Solidity encodes the struct.
 *
 * @example
 * const encoded = encodeExtData({ recipient: zeroAddress, extAmount: 0n, fee: 0n, epk, ciphertexts }) // '0x…'
 */
export function encodeExtData(extData: ExtData): Hex {
  if (!isAddress(extData.recipient, { strict: false })) throw new InvalidParameterError('extData.recipient', 'expected a 20-byte hex address')
  if (typeof extData.extAmount !== 'bigint' || extData.extAmount < -INT256_LIMIT || extData.extAmount >= INT256_LIMIT) {
    throw new InvalidParameterError('extData.extAmount', 'expected a bigint in the int256 range')
  }
  if (typeof extData.fee !== 'bigint' || extData.fee < 0n || extData.fee >= 1n << 256n) {
    throw new InvalidParameterError('extData.fee', 'expected a non-negative bigint below 2^256')
  }
  if (!/^0x[0-9a-fA-F]{64}$/.test(extData.epk)) throw new InvalidParameterError('extData.epk', 'expected 32 bytes of hex')
  if (extData.ciphertexts?.length !== TRANSFER_OUTPUTS) throw new InvalidParameterError('extData.ciphertexts', `expected exactly ${TRANSFER_OUTPUTS} ciphertexts`)
  const [ciphertext0, ciphertext1, ciphertext2] = extData.ciphertexts
  return encodeAbiParameters(extDataAbiParameters, [
    { recipient: extData.recipient, extAmount: extData.extAmount, fee: extData.fee, epk: extData.epk, ciphertext0, ciphertext1, ciphertext2 },
  ])
}

/**
 * `keccak256(abi.encode(extData)) mod r`: the ext-data public input of the transfer proof.
 *
 * @example
 * const h = extDataHash({ recipient: zeroAddress, extAmount: 0n, fee: 0n, epk, ciphertexts })
 */
export function extDataHash(extData: ExtData): bigint {
  return BigInt(keccak256(encodeExtData(extData))) % FIELD_SIZE
}
