/**
 * `zkpay`: what a wallet developer needs. A shielded wallet (keys from a mnemonic, sync from L1,
 * deposit, private transfer, withdraw, history), zkpay addresses, amounts, payment URIs and the
 * errors these throw. Importing it loads none of the wallet's heavy parts: viem's actions, SQLite,
 * the note scanner's threads and the prover load with the first `createWallet`, proving keys and
 * Poseidon's engine with the first proof.
 *
 * Other audiences have their own entry points: `zkpay/merchant` (invoices, payment matching,
 * webhooks), `zkpay/node` (the operator's sequencer, store, API and provers), `zkpay/settlement`
 * (the contracts' ABIs and the L1 actions), `zkpay/circuits` (witnesses, proving, setup).
 *
 * @example
 * import { createWallet, generateMnemonic } from 'zkpay'
 * const wallet = await createWallet({ mnemonic: generateMnemonic(), sequencerUrl, rollupAddress, fromBlock, l1: { publicClient, walletClient }, store: 'wallet.db' })
 * await wallet.sync()
 * await (await wallet.transfer({ to: 'zkpt1…', amount: 10n ** 17n })).wait('settled')
 */
export { createWallet } from './sdk/wallet/createWallet.ts'
export * from './client.ts'
