export { createWallet, type OwnedNote, type TransactionHandle, type TransactionStage, Wallet, type WalletOptions } from './wallet/Wallet.ts'
