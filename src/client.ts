// What `zkpay` exports in Node and in a browser alike: each build adds its own `createWallet`
// (src/index.ts: SQLite and the in-process prover; src/browser.ts: IndexedDB and a Web Worker).
export type { OwnedNote, PaymentStep, SyncProgress, TransactionHandle, TransactionProgress, TransactionStage, Wallet, WalletOptions } from './sdk/wallet/Wallet.ts'
export type { HistoryEntry, HistoryKind, StoredNote, WalletStore } from './sdk/wallet/storeTypes.ts'
export type { FeeQuote } from './sdk/wallet/feeQuote.ts'
export type { SettlementClients } from './settlement/clients.ts'
export type { TokenInfo } from './settlement/readTokenInfo.ts'
export { ADDRESS_PREFIX, decodeAddress, encodeAddress, type Network, type PaymentAddress } from './crypto/address.ts'
export { generateMnemonic, mnemonicFromSeed, seedFromMnemonic } from './crypto/keys.ts'
export { exportViewingKey, importViewingKey, type ViewingKey } from './crypto/viewingKeys.ts'
export { MEMO_SIZE } from './crypto/noteEncryption.ts'
export { formatAmount, parseAmount } from './sdk/merchant/amount.ts'
export { buildPaymentUri, PAYMENT_URI_SCHEME, type PaymentRequest, parsePaymentUri } from './sdk/merchant/paymentUri.ts'
export * from './errors/index.ts'
