import { type Address, erc20Abi, type Hash, zeroAddress } from 'viem'
import { assertAmount, type Outputs, TRANSFER_OUTPUTS } from '../crypto/note.ts'
import { assertFieldElement } from '../crypto/field.ts'
import { InvalidParameterError } from '../errors/index.ts'
import type { SettlementClients } from './clients.ts'
import { rollupAbi } from './generated/contracts.ts'
import { sendRollupTransaction } from './sendRollupTransaction.ts'

export type DepositParameters = {
  rollup: Address
  /** the zero address for ETH, else the ERC-20's address */
  asset: Address
  /** base units, 0 < amount < 2^128 */
  amount: bigint
  /** the ext-data hash of the shielded deposit transaction this escrow pays for */
  extDataHash: bigint
  /**
   * that transaction's output commitments: the escrow is bound to them, so only the
   * transaction that creates these notes can consume it
   */
  commitments: Readonly<Outputs<bigint>>
}

const DEPOSIT_GAS = 150_000n
const APPROVE_GAS = 80_000n

/**
 * Escrows funds on L1 for one shielded deposit transaction (step one of a deposit; the
 * transaction itself goes to the sequencer). For a token it first approves the rollup when the
 * allowance is short. Refundable with `reclaimDeposit` after the contract's deposit timeout.
 *
 * @example
 * await deposit(clients, { rollup, asset: zeroAddress, amount: 10n ** 18n, extDataHash: tx.extDataHash, commitments: tx.commitments })
 */
export async function deposit(clients: SettlementClients, p: DepositParameters, options: { onSending?: () => void } = {}): Promise<{ hash: Hash; key: Hash }> {
  assertAmount(p.amount, 'amount')
  if (p.amount === 0n) throw new InvalidParameterError('amount', 'a deposit must be above 0')
  assertFieldElement(p.extDataHash, 'extDataHash')
  if (!Array.isArray(p.commitments) || p.commitments.length !== TRANSFER_OUTPUTS) {
    throw new InvalidParameterError('commitments', `expected the ${TRANSFER_OUTPUTS} output commitments`)
  }
  p.commitments.forEach((c, i) => assertFieldElement(c, `commitments[${i}]`))
  const { publicClient, walletClient } = clients
  const isEth = p.asset.toLowerCase() === zeroAddress
  if (!isEth) {
    const allowance = await publicClient.readContract({ address: p.asset, abi: erc20Abi, functionName: 'allowance', args: [walletClient.account.address, p.rollup] })
    if (allowance < p.amount) {
      await sendRollupTransaction(clients, 'Approving the token', { address: p.asset, abi: erc20Abi, functionName: 'approve', args: [p.rollup, p.amount], gas: APPROVE_GAS })
    }
  }
  const { hash, receipt } = await sendRollupTransaction(clients, 'The deposit', {
    address: p.rollup,
    abi: rollupAbi,
    functionName: 'deposit',
    args: [p.asset, p.amount, p.extDataHash, p.commitments],
    value: isEth ? p.amount : 0n,
    gas: DEPOSIT_GAS,
  }, options)
  // The escrow key is the first topic of the Deposited event.
  const key = receipt.logs.find((l) => l.address.toLowerCase() === p.rollup.toLowerCase())?.topics[1] as Hash
  return { hash, key }
}
