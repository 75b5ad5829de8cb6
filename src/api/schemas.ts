import { z } from 'zod'
import { hex32Schema } from '../circuits/codec.ts'
import { REJECTIONS, type RejectionCode } from '../sequencer/rejections.ts'
import { BATCH_STATES, TX_STATUSES } from '../state/schema.ts'

/**
 * The most notes one `/v1/notes` page holds (about 640 KB of JSON): a larger page costs the node
 * hundreds of milliseconds of synchronous work per request, which any client could ask for.
 */
export const NOTES_PAGE_LIMIT = 1_000

export const notesQuerySchema = z.object({
  from: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(NOTES_PAGE_LIMIT).default(NOTES_PAGE_LIMIT),
})

/** The most transactions one `/v1/mempool` page holds (about 1.5 MB of JSON). */
export const MEMPOOL_PAGE_LIMIT = 1_000

/** GET /v1/mempool?after=&limit=: `after` is the `next` of the previous page (0 or absent: from the start). */
export const mempoolQuerySchema = z.object({
  after: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
  limit: z.coerce.number().int().min(1).max(MEMPOOL_PAGE_LIMIT).default(MEMPOOL_PAGE_LIMIT),
})

export const batchParamSchema = z.object({ number: z.coerce.number().int().min(1) })

// ---------------------------------------------------------------- answers
// What each route answers, as zod schemas: the handlers type their answers with them (so the
// typed client's types come from here) and /openapi.json is generated from them, so neither the
// client nor the document can drift from what the node sends.

const hex = z.templateLiteral(['0x', z.string().regex(/^([0-9a-fA-F]{2})*$/)])
const hash = z.templateLiteral(['0x', z.string().regex(/^[0-9a-fA-F]{64}$/)])
const address = z.templateLiteral(['0x', z.string().regex(/^[0-9a-fA-F]{40}$/)])
/** A number that may pass 2^53 (a block number, an amount in wei), in decimal. */
const decimal = z.string().regex(/^-?[0-9]+$/)
const count = z.number().int().min(0)
const time = z.iso.datetime()

/** Every 4xx and 503 of the client API: a stable code (src/sequencer/rejections.ts) and one sentence. */
export const errorSchema = z
  .object({ code: z.enum([...(Object.keys(REJECTIONS) as RejectionCode[]), 'INTERNAL']), message: z.string() })
  .meta({ description: 'A stable code clients may branch on, and one sentence for a person.' })

export const transactionParamSchema = z.object({ id: z.string().meta({ description: 'The id `POST /v1/transactions` answered: 0x and 64 hex digits.' }) })

export const admittedSchema = z.object({ id: z.string(), status: z.literal('pending') })

export const transactionStatusSchema = z.object({
  id: z.string(),
  status: z.enum(TX_STATUSES),
  code: z.string().optional().meta({ description: 'rejected: why' }),
  message: z.string().nullable().optional().meta({ description: 'rejected: why, in a sentence' }),
  batchNumber: z.number().int().nullable(),
  position: z.number().int().nullable(),
  l1TxHash: hash.nullable().meta({ description: 'once its batch was posted: the L1 transaction that carries it' }),
})

export const notesPageSchema = z.object({
  notes: z.array(z.object({ leafIndex: count, commitment: hex32Schema, epk: hex, ciphertext: hex, batchNumber: z.number().int() })),
  leafCount: count,
  root: hex32Schema.nullable(),
})

export const mempoolPageSchema = z.object({
  transactions: z.array(z.object({ id: z.string(), status: z.enum(TX_STATUSES), commitments: z.array(hex32Schema), epk: hex32Schema, ciphertexts: z.array(hex) })),
  next: count.nullable().meta({ description: 'the `after` of the next page; null on the last' }),
})

export const batchSchema = z.object({
  number: z.number().int().min(1),
  state: z.enum(BATCH_STATES),
  attempts: count,
  oldRoot: hex32Schema.nullable(),
  newRoot: hex32Schema.nullable(),
  startIndex: count.nullable(),
  l1TxHash: hash.nullable(),
  l1Block: count.nullable(),
  error: z.string().nullable(),
  transactions: z.array(z.object({ id: z.string(), status: z.enum(TX_STATUSES) })),
})

/** A part of the node that failed: a stable code and one sentence, never a stack or an RPC's dump. */
const failure = { code: z.string(), message: z.string() }

export const statusSchema = z.object({
  root: hex32Schema,
  leafCount: count,
  l1: z.object({
    ok: z.boolean().meta({ description: 'whether the last L1 sync succeeded; when false, `code` and `message` say why (L1_UNREACHABLE, L1_REQUEST_FAILED, REORG_TOO_DEEP…)' }),
    code: failure.code.optional(),
    message: failure.message.optional(),
    block: decimal.optional().meta({ description: 'the L1 head at the last successful sync' }),
    checkedAt: time.optional(),
    lastReorg: z.object({ at: time, fromBlock: count, toBlock: count, reverted: z.array(z.number().int()), removed: z.array(z.number().int()) }).optional(),
    rollup: address,
    syncedToBlock: decimal,
  }),
  operator: z.object({
    address,
    balance: decimal.nullable().meta({ description: 'in wei; null while L1 does not answer' }),
    lastError: z.object({ ...failure, at: time }).optional().meta({ description: 'the last failure to post a batch that was not the contract’s verdict' }),
  }),
  queue: z.object({ pending: count, oldestPendingAt: time.nullable(), batchesInFlight: count, inclusionRequests: count }),
  prover: z.object({ name: z.string(), stage: z.enum(['idle', 'proving', 'submitting']), batchesProving: z.number().int().min(0) }),
  batchSize: z.number().int().min(1),
  fees: z.object({ address: z.string(), prices: z.array(z.object({ asset: address, amount: decimal, decimals: z.number().int() })) }).nullable(),
  sequencerReportedAt: time.optional().meta({ description: 'on an api replica: when the sequencer leader last reported the l1, operator and prover parts (the rest is read from the database at the time of the request)' }),
})

export const livenessSchema = z.object({ ok: z.literal(true) })

export const readinessSchema = z.object({
  ready: z.boolean(),
  checks: z.record(
    z.string(),
    z.union([z.object({ ok: z.literal(true) }), z.object({ ok: z.literal(false), ...failure })]),
  ).meta({ description: 'one entry per check (database, l1, prover, …): ok, or a stable code and one sentence' }),
})

export const batchEventSchema = z.object({
  type: z.literal('batch'),
  number: z.number().int(),
  state: z.string().meta({ description: 'sealed, proving, proven, submitted, settled, final, failed (its transactions requeued) or orphaned (by an L1 reorg)' }),
  at: time.meta({ description: 'when the node recorded the change, to the second' }),
  l1TxHash: z.string().optional().meta({ description: 'submitted (once sent) and settled: the L1 transaction' }),
  l1Block: z.number().int().optional().meta({ description: 'settled: the L1 block' }),
  commitments: z.array(z.string()).optional().meta({ description: 'settled: the output commitments the batch made public on L1, as 0x hex' }),
  nullifiers: z.array(z.string()).optional().meta({ description: 'settled: the nullifiers the batch made public on L1, as 0x hex' }),
  error: z.string().optional().meta({ description: 'failed, orphaned: why' }),
})
