export { createWallet } from './wallet/createWallet.ts'
export { type OwnedNote, type SyncProgress, type TransactionHandle, type TransactionStage, Wallet, type WalletOptions } from './wallet/Wallet.ts'
export { type HistoryEntry, type HistoryKind, openWalletStore, SqliteWalletStore, type StoredNote, type WalletStore } from './wallet/WalletStore.ts'
export * from './merchant/index.ts'
