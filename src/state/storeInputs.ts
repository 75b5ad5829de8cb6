/**
 * What every `NodeStore` checks and converts before it touches its database: the same rules
 * for SQLite and Postgres, so the two accept exactly the same calls and store the same values.
 * Nothing here reads or writes a database.
 */
import type { Hex32 } from '../crypto/field.ts'
import { InvalidParameterError } from '../errors/index.ts'
import type { BatchPatch, NewTransaction, SettledBatch } from './NodeStore.ts'
import { fieldToHex } from './rows.ts'
import type { Hash } from './schema.ts'

const HASH = /^0x[0-9a-fA-F]{64}$/

/** A block number as stored: a non-negative safe integer. */
export function blockNumber(block: bigint, parameter: string): number {
  if (typeof block !== 'bigint' || block < 0n || block > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new InvalidParameterError(parameter, 'expected a non-negative bigint block number')
  }
  return Number(block)
}

/** An optional L1 block hash as stored: lowercase, or null. */
export function blockHash(hash: Hash | null, parameter: string): Hash | null {
  if (hash !== null && !HASH.test(hash)) throw new InvalidParameterError(parameter, 'expected 0x followed by 64 hex digits')
  return hash?.toLowerCase() as Hash | null
}

/** An L1 hash as stored: `0x` and 64 lowercase hex digits. */
export function hashHex(value: Hash, parameter: string): Hash {
  if (typeof value !== 'string' || !HASH.test(value)) throw new InvalidParameterError(parameter, 'expected 0x followed by 64 hex digits')
  return value.toLowerCase() as Hash
}

function bytes(value: Uint8Array, parameter: string): Buffer {
  if (!(value instanceof Uint8Array)) throw new InvalidParameterError(parameter, 'expected a Uint8Array')
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength)
}

export function positiveInteger(value: number, parameter: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new InvalidParameterError(parameter, 'expected a positive integer')
  return value
}

export function nonNegativeInteger(value: number, parameter: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new InvalidParameterError(parameter, 'expected a non-negative integer')
  return value
}

/** The batch columns a state change or a settlement writes, checked. */
export type BatchColumns = {
  proof?: NonNullable<BatchPatch['proof']>
  oldRoot?: Hex32
  newRoot?: Hex32
  startIndex?: number
  l1TxHash?: Hash
  l1Block?: number
  l1BlockHash?: Hash
  error?: string | null
}

export function batchColumns(patch: BatchPatch & { l1BlockHash?: Hash }): BatchColumns {
  const columns: BatchColumns = {}
  if (patch.proof !== undefined) columns.proof = patch.proof
  if (patch.oldRoot !== undefined) columns.oldRoot = fieldToHex(patch.oldRoot, 'oldRoot')
  if (patch.newRoot !== undefined) columns.newRoot = fieldToHex(patch.newRoot, 'newRoot')
  if (patch.startIndex !== undefined) columns.startIndex = nonNegativeInteger(patch.startIndex, 'startIndex')
  if (patch.l1TxHash !== undefined) {
    if (!HASH.test(patch.l1TxHash)) throw new InvalidParameterError('l1TxHash', 'expected 0x followed by 64 hex digits')
    columns.l1TxHash = patch.l1TxHash.toLowerCase() as Hash
  }
  if (patch.l1Block !== undefined) columns.l1Block = nonNegativeInteger(patch.l1Block, 'l1Block')
  if (patch.l1BlockHash !== undefined) columns.l1BlockHash = blockHash(patch.l1BlockHash, 'l1BlockHash')!
  if (patch.error !== undefined) columns.error = patch.error
  return columns
}

/** An admitted transaction's row, checked: what `insertPendingTransaction` writes. */
export function admissionRow(input: NewTransaction, now: () => Date) {
  if (typeof input.id !== 'string' || input.id.length === 0) throw new InvalidParameterError('id', 'expected a non-empty string')
  const nullifiers = input.nullifiers.map((n, i) => fieldToHex(n, `nullifiers[${i}]`))
  if (new Set(nullifiers).size !== nullifiers.length) throw new InvalidParameterError('nullifiers', 'expected distinct nullifiers')
  const row = {
    id: input.id,
    status: 'pending' as const,
    payload: input.payload,
    nullifiers,
    commitments: input.commitments.map((c, i) => fieldToHex(c, `commitments[${i}]`)),
    extDataHash: fieldToHex(input.extDataHash, 'extDataHash'),
    root: fieldToHex(input.root, 'root'),
    createdAt: input.createdAt ?? now(),
    escrowKey: input.escrowKey === undefined ? null : hashHex(input.escrowKey, 'escrowKey'),
    priority: input.priority ?? 0,
  }
  if (!Number.isSafeInteger(row.priority) || row.priority < 0) throw new InvalidParameterError('priority', 'expected a non-negative integer')
  return row
}

/** A settlement's rows, checked: what `recordSettledBatch` writes besides the batch's state. */
export function settlementRows(settled: SettledBatch) {
  const { startIndex, leafCount } = settled
  nonNegativeInteger(startIndex, 'startIndex')
  if (!Number.isSafeInteger(leafCount) || leafCount < startIndex + settled.leaves.length) {
    throw new InvalidParameterError('leafCount', 'expected an integer at least startIndex plus the number of leaves')
  }
  return {
    columns: batchColumns({
      oldRoot: settled.oldRoot,
      newRoot: settled.newRoot,
      startIndex,
      l1TxHash: settled.l1TxHash,
      l1Block: settled.l1Block,
      l1BlockHash: settled.l1BlockHash,
    }),
    leaves: settled.leaves.map((leaf, i) => ({
      leafIndex: leaf.leafIndex ?? startIndex + i,
      commitment: fieldToHex(leaf.commitment, `leaves[${i}].commitment`),
      ciphertext: bytes(leaf.ciphertext, `leaves[${i}].ciphertext`),
      epk: bytes(leaf.epk, `leaves[${i}].epk`),
    })),
    spent: settled.nullifiers.map((n, i) => fieldToHex(n, `nullifiers[${i}]`)),
    newRoot: fieldToHex(settled.newRoot, 'newRoot'),
  }
}

/**
 * The order a batch takes pending transactions in: the forced-inclusion queue's `first` ones
 * (in that order), then those admitted before `agedBefore` (oldest first), then the best payers;
 * each id once, at most `max`.
 */
export function sealOrder(first: readonly string[], firstPending: readonly string[], aged: readonly string[], best: readonly string[], max: number): string[] {
  const forced = [...firstPending].sort((x, y) => first.indexOf(x) - first.indexOf(y)).slice(0, max)
  const chosen = new Set<string>()
  for (const id of [...forced, ...aged, ...best]) if (!chosen.has(id)) chosen.add(id)
  return [...chosen].slice(0, max)
}
