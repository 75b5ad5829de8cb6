export { artifactPaths, CIRCUITS, type CircuitName, loadVerificationKey, type Manifest, readManifest } from './artifacts.ts'
export { type Proof, type ProofResult, proveBatch, proveTransfer, terminateProver, verifyBatch, verifyTransfer } from './prove.ts'
export { type BatchWitness, buildBatchWitness, buildTransferWitness, type TransferInput, type TransferWitness, type TransferWitnessParameters } from './witness.ts'
export { type ProveTransactionParameters, proveTransaction, type ShieldedTransaction, type TransactionOutput, zeroOutput } from './proveTransaction.ts'
