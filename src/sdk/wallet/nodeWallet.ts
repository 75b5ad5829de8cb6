import { nodePlatform } from './nodePlatform.ts'
import { Wallet, type WalletOptions } from './Wallet.ts'

/**
 * A `Wallet` on Node's platform (SQLite store files, libsodium, the in-process prover): what
 * `createWallet` makes in Node, constructed synchronously.
 *
 * @example
 * const wallet = new NodeWallet({ mnemonic, sequencerUrl, rollupAddress, fromBlock, l1, store: 'wallet.db' })
 */
export class NodeWallet extends Wallet {
  constructor(options: WalletOptions) {
    super(options, nodePlatform)
  }
}
