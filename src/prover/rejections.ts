/**
 * Every reason `zkpay prover` turns a request away, with the sentence it answers
 * (`{ code, message }`). The node's own table is src/sequencer/rejections.ts; the prover
 * cannot import it (the sequencer depends on the prover, not the reverse).
 *
 * @example
 * return c.json({ code: 'PROVER_BUSY', message: PROVER_REJECTIONS.PROVER_BUSY }, 503)
 */
export const PROVER_REJECTIONS = {
  UNAUTHORIZED: 'This prover requires its token: send `Authorization: Bearer <token>` (the variable ZKPAY_PROVER_TOKEN_ENV names).',
  PROVER_BUSY: "The prover's queue is full: try another prover, or retry later.",
  INVALID_SCHEMA: 'Expected { witness: { input, publicSignals, … } } with bigints as 0x hex.',
  PAYLOAD_TOO_LARGE: 'The witness is larger than 4 MB.',
  PROOF_GENERATION_FAILED: 'The witness does not satisfy the batch circuit.',
} as const

export type ProverRejectionCode = keyof typeof PROVER_REJECTIONS
