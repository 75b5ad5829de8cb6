import { TRANSFER_OUTPUTS } from './note.ts'

/**
 * A batch's place in the note tree, defined once: each batch appends one aligned subtree of
 * height 3 (4^3 = 64 leaves) and holds as many transfers as fit, three outputs each: 21 (the
 * 64th leaf stays zero). The batch circuit, the contract's constants, the sequencer and every
 * reader of L1 derive their sizes from these.
 *
 * @example
 * const leafCount = batchNumber * BATCH_LEAVES
 */
export const BATCH_SUBTREE_HEIGHT = 3
/**
 * Leaves each batch appends to the note tree: 4^3 = 64.
 *
 * @example
 * const leaves = new Array<bigint>(batches.length * BATCH_LEAVES).fill(0n)
 */
export const BATCH_LEAVES = 4 ** BATCH_SUBTREE_HEIGHT
/**
 * Transfers one batch holds: 21, three outputs each (the 64th leaf stays zero).
 *
 * @example
 * if (transactions.length > BATCH_TRANSFERS) throw new Error(`at most ${BATCH_TRANSFERS} transactions per batch`) // 21
 */
export const BATCH_TRANSFERS = Math.floor(BATCH_LEAVES / TRANSFER_OUTPUTS)
