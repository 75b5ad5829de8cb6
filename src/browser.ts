/**
 * `zkpay` in a browser (the package's `browser` export condition): everything `zkpay` exports,
 * with a `createWallet` whose wallet keeps its notes in IndexedDB, decrypts with WebCrypto and
 * proves in a Web Worker; and the sealed seed, for a passphrase-protected wallet at rest.
 *
 * @example
 * import { createWallet, openSealedSeed } from 'zkpay'
 * const seed = await openSealedSeed(sealed, passphrase)
 * const wallet = await createWallet({ seed, sequencerUrl, rollupAddress, fromBlock, l1: { publicClient, walletClient } })
 */
export * from './client.ts'
export { type BrowserWalletOptions, createWallet } from './browser/createWallet.ts'
export { createWorkerProver, type WorkerProver } from './browser/workerProver.ts'
export { MIN_PASSPHRASE_LENGTH, openSealedSeed, sealSeed } from './crypto/sealedSeed.ts'
export { IndexedDbWalletStore } from './sdk/wallet/IndexedDbWalletStore.ts'
