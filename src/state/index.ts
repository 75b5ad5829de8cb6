export type {
  BatchCheckpoint,
  BatchPatch,
  InsertTransactionResult,
  NewLeaf,
  NewTransaction,
  NodeStore,
  RollbackResult,
  SealBatchOptions,
  SettledBatch,
  StoreRejectionCode,
  StoredBatch,
  StoredLeaf,
  StoredRoot,
  StoredTransaction,
  SyncCursor,
} from './NodeStore.ts'
export { STORE_REJECTIONS } from './NodeStore.ts'
export { MIGRATIONS_FOLDER, type OpenNodeStoreOptions, openNodeStore } from './openNodeStore.ts'
export {
  BATCH_STATES,
  type BatchState,
  type Hash,
  type Json,
  NULLIFIER_STATUSES,
  type NullifierStatus,
  TX_STATUSES,
  type TxStatus,
} from './schema.ts'
export { SqliteNodeStore } from './SqliteNodeStore.ts'
export { BATCH_TRANSITIONS, canTransition, TX_STATUS_OF_BATCH } from './transitions.ts'
