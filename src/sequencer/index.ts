export { CONTRACT_REJECTIONS, type Rejection, type RejectionCode, REJECTIONS } from './rejections.ts'
export { Sequencer, type SequencerEvent, type SequencerOptions, transactionId } from './Sequencer.ts'
export { type ValidationContext, validateTransaction } from './validateTransaction.ts'
export { ProofBatcher, type VerifyMany } from './ProofBatcher.ts'
