import { assertFieldElement, fromHex32, type Hex32, toHex32 } from '../crypto/field.ts'
import type { StoredBatch, StoredLeaf, StoredTransaction } from './NodeStore.ts'
import type { batches, leaves, transactions } from './schema.ts'

/** A field element as it is stored; throws naming `parameter` if it is not one. */
export function fieldToHex(x: bigint, parameter: string): Hex32 {
  assertFieldElement(x, parameter)
  return toHex32(x)
}

export function hexToField(s: Hex32): bigint {
  return fromHex32(s)
}

const optionalField = (s: Hex32 | null) => (s === null ? null : fromHex32(s))

export function toStoredTransaction(row: typeof transactions.$inferSelect): StoredTransaction {
  return {
    id: row.id,
    status: row.status,
    rejectCode: row.rejectCode,
    rejectMessage: row.rejectMessage,
    payload: row.payload,
    nullifiers: row.nullifiers.map(hexToField),
    commitments: row.commitments.map(hexToField),
    extDataHash: fromHex32(row.extDataHash),
    root: fromHex32(row.root),
    createdAt: row.createdAt,
    batchNumber: row.batchNumber,
    position: row.position,
    escrowKey: row.escrowKey,
    seq: row.seq,
    priority: row.priority,
  }
}

export function toStoredBatch(row: typeof batches.$inferSelect): StoredBatch {
  return { ...row, oldRoot: optionalField(row.oldRoot), newRoot: optionalField(row.newRoot) }
}

export function toStoredLeaf(row: typeof leaves.$inferSelect): StoredLeaf {
  return {
    leafIndex: row.leafIndex,
    commitment: fromHex32(row.commitment),
    // A copy in a plain Uint8Array: callers compare and transfer it like any other bytes.
    ciphertext: new Uint8Array(row.ciphertext),
    epk: new Uint8Array(row.epk),
    batchNumber: row.batchNumber,
  }
}
