import type { Wallet, WalletOptions } from './Wallet.ts'

/**
 * Opens a shielded wallet (see `Wallet`). The wallet's code (viem's actions, SQLite, the note
 * scanner, the prover) loads here, at the first wallet a process opens, not when `zkpay` is
 * imported: a page or a script that only formats amounts or reads a payment URI never loads it.
 *
 * @example
 * import { createWallet, generateMnemonic } from 'zkpay'
 * const wallet = await createWallet({ mnemonic: generateMnemonic(), sequencerUrl, rollupAddress, fromBlock, l1: { publicClient, walletClient }, store: 'wallet.db' })
 * await wallet.sync()
 * console.log(wallet.address, wallet.balance())
 */
export async function createWallet(options: WalletOptions): Promise<Wallet> {
  const { NodeWallet } = await import('./nodeWallet.ts')
  return new NodeWallet(options)
}
