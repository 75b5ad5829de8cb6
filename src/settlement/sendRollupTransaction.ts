import { type Abi, type Address, BaseError as ViemBaseError, ContractFunctionRevertedError, type Hash, type TransactionReceipt, WaitForTransactionReceiptTimeoutError } from 'viem'
import { RollupRevertedError, SettlementError, TransactionPendingError } from '../errors/index.ts'
import type { SettlementClients } from './clients.ts'

/**
 * Turns a viem error into {@link RollupRevertedError} when the contract reverted with one of
 * its custom errors, so callers can act on `errorName` and `txIndex`; anything else becomes a
 * {@link SettlementError}.
 *
 * @example
 * const failure = toSettlementError(error, 'Checking the transaction')
 * if (failure instanceof RollupRevertedError) console.log(failure.errorName, failure.txIndex)
 */
export function toSettlementError(error: unknown, action: string): RollupRevertedError | SettlementError {
  if (error instanceof RollupRevertedError || error instanceof SettlementError) return error
  if (error instanceof ViemBaseError) {
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError)
    if (reverted instanceof ContractFunctionRevertedError && reverted.data?.errorName) {
      const inputs = reverted.data.abiItem && 'inputs' in reverted.data.abiItem ? reverted.data.abiItem.inputs : []
      const args: Record<string, bigint | string> = {}
      inputs.forEach((input, i) => {
        const value = (reverted.data?.args ?? [])[i]
        args[input.name ?? `arg${i}`] = typeof value === 'bigint' ? value : String(value)
      })
      return new RollupRevertedError(reverted.data.errorName, args, { cause: error })
    }
    return new SettlementError(`${action} failed: ${error.shortMessage}`, { cause: error })
  }
  return new SettlementError(`${action} failed.`, { cause: error })
}

/**
 * Simulates a contract write (decoding a revert into its custom error before anything is
 * sent), sends it with the given explicit gas limit and waits for a successful receipt.
 */
export async function sendRollupTransaction(
  clients: SettlementClients,
  action: string,
  request: {
    address: Address
    abi: Abi
    functionName: string
    args: readonly unknown[]
    value?: bigint
    gas: bigint
    /** to replace a pending transaction: its nonce and higher fees */
    nonce?: number
    maxFeePerGas?: bigint
    maxPriorityFeePerGas?: bigint
  },
  options: {
    /** called once the simulation passed, just before the transaction is signed and sent: a failure before it sent nothing */
    onSending?: () => void
    /** called once the transaction is sent, before it is mined (to record its hash) */
    onSent?: (hash: Hash) => void | Promise<void>
    /** give up waiting for the receipt after this long with a TransactionPendingError */
    receiptTimeoutMs?: number
  } = {},
): Promise<{ hash: Hash; receipt: TransactionReceipt }> {
  const { publicClient, walletClient } = clients
  let hash: Hash
  try {
    const { request: prepared } = await publicClient.simulateContract({ ...request, account: walletClient.account } as Parameters<typeof publicClient.simulateContract>[0])
    options.onSending?.()
    hash = await walletClient.writeContract(prepared as Parameters<typeof walletClient.writeContract>[0])
  } catch (error) {
    throw toSettlementError(error, action)
  }
  await options.onSent?.(hash)
  let receipt: TransactionReceipt
  try {
    receipt = await publicClient.waitForTransactionReceipt({ hash, ...(options.receiptTimeoutMs ? { timeout: options.receiptTimeoutMs } : {}) })
  } catch (error) {
    if (error instanceof WaitForTransactionReceiptTimeoutError) throw new TransactionPendingError(hash, { cause: error })
    throw toSettlementError(error, action)
  }
  if (receipt.status !== 'success') {
    throw new SettlementError(`${action} reverted on chain in transaction ${hash}.`, { details: `gas used ${receipt.gasUsed} of ${request.gas}` })
  }
  return { hash, receipt }
}
