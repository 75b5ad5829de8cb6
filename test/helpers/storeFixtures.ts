// Fixtures for the NodeStore tests, free of vitest so worker threads can load them too.
import type { ProofJson } from '../../src/circuits/codec.ts'
import type { NewTransaction, StoredTransaction } from '../../src/state/index.ts'

/** Distinct, deterministic field elements. */
export const field = (i: number): bigint => BigInt(i) * 1_000_003n

/** A 32-byte hash such as an L1 transaction hash. */
export const hash = (i: number) => `0x${i.toString(16).padStart(64, '0')}` as const

/** A batch proof's shape as the store keeps it (not a proof of anything). */
export const proofJson = (n: number) => ({ a: [hash(n), hash(n + 1)], b: [[hash(n + 2), hash(n + 3)], [hash(n + 4), hash(n + 5)]], c: [hash(n + 6), hash(n + 7)] }) satisfies ProofJson

/** A transaction spending `nullifiers` (two fresh ones by default), as the sequencer would admit it. */
export function makeTransaction(n: number, overrides: Partial<NewTransaction> = {}): NewTransaction {
  return {
    id: `tx-${n}`,
    payload: {
      proof: proofJson(n),
      root: hash(7),
      publicAmount: hash(0),
      publicAsset: hash(0),
      extDataHash: hash(9000 + n),
      nullifiers: [hash(1000 + 2 * n), hash(1001 + 2 * n)],
      commitments: [hash(5000 + 3 * n), hash(5001 + 3 * n), hash(5002 + 3 * n)],
      extData: { recipient: `0x${'ab'.repeat(20)}`, extAmount: '0', fee: '10', epk: hash(n), ciphertexts: [`0x${'00'.repeat(214)}`, `0x${'00'.repeat(214)}`, `0x${'00'.repeat(214)}`] },
    },
    nullifiers: [field(1000 + 2 * n), field(1001 + 2 * n)],
    // Payment, change and fee note: every transaction has three outputs.
    commitments: [field(5000 + 3 * n), field(5001 + 3 * n), field(5002 + 3 * n)],
    extDataHash: field(9000 + n),
    root: field(7),
    createdAt: new Date(1_700_000_000_000 + n),
    ...overrides,
  }
}

/** The leaves a settled batch of these transactions adds, three per transaction. */
export function leavesOf(txs: readonly StoredTransaction[]) {
  return txs.flatMap((tx) =>
    tx.commitments.map((commitment, i) => ({
      commitment,
      ciphertext: new Uint8Array(214).fill((Number(commitment % 251n) + i) % 256),
      epk: new Uint8Array(32).fill(Number(commitment % 256n)),
    })),
  )
}
