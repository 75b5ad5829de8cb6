export { BaseError, type BaseErrorParameters } from './BaseError.ts'
export {
  InvalidAddressError,
  type InvalidAddressReason,
  InvalidParameterError,
  InvalidViewingKeyError,
  MerkleTreeError,
} from './crypto.ts'
export { CircuitArtifactError, CircuitCompileError, DevKeysRefusedError, ProofGenerationError, PtauError, type PtauErrorCode } from './circuits.ts'
export { ContractCompileError, DevnetError, ReorgTooDeepError, RollupRevertedError, SettlementError, TransactionPendingError } from './settlement.ts'
export { ConfigError } from './config.ts'
export { ProverError } from './prover.ts'
export { BatchTransitionError, StateCorruptError, StoreError } from './state.ts'
export { DepositNotSubmittedError, DepositUnconfirmedError, FeeAssetUnsupportedError, FeeTooHighError, InsufficientBalanceError, L1RequestFailedError, L1UnreachableError, NodeUnreachableError, TransactionRejectedError, WaitTimeoutError, WrongNetworkError } from './sdk.ts'
export { InvoiceNotFoundError, MerchantClosedError, MerchantStoreError, PaymentUriError, type PaymentUriReason } from './merchant.ts'
export { KeyFileDamagedError, WeakPassphraseError, WrongPassphraseError } from './keyFile.ts'
export { ApiKeyNotFoundError, ApiKeyRequiredError, InvoiceLimitError } from './merchant.ts'
