import { z } from 'zod'
import { NOTE_CIPHERTEXT_SIZE } from '../crypto/noteEncryption.ts'

const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n
const HEX32 = /^0x[0-9a-fA-F]{64}$/
const hex32 = z.string().regex(HEX32, 'expected 0x followed by 64 hex digits')
/** A field element: fixed-width hex below r (CONVENTIONS, Code 7). zod runs refinements after a failed regex too. */
const field = hex32.refine((h) => HEX32.test(h) && BigInt(h) < R, 'expected a field element below r')
const pair = <T extends z.ZodTypeAny>(t: T) => z.tuple([t, t])
const integer = z.string().regex(/^-?[0-9]{1,78}$/, 'expected a decimal integer')
const ciphertext = z
  .string()
  .regex(new RegExp(`^0x[0-9a-fA-F]{${2 * NOTE_CIPHERTEXT_SIZE}}$`), `expected ${NOTE_CIPHERTEXT_SIZE} bytes of hex`)

/** POST /v1/transactions: a proven shielded transaction (see `toTransactionJson`). */
export const transactionSchema = z
  .object({
    proof: z.object({ a: pair(hex32), b: pair(pair(hex32)), c: pair(hex32) }).strict(),
    root: field,
    publicAmount: field,
    // Not bounded by r here: the contract reads it as an address and answers INVALID_ASSET for
    // anything above 2^160, and admission must say the same.
    publicAsset: hex32,
    extDataHash: field,
    nullifiers: pair(field),
    commitments: z.tuple([field, field, field]),
    extData: z
      .object({
        recipient: z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'expected a 20-byte address'),
        extAmount: integer,
        fee: integer.refine((f) => !f.startsWith('-'), 'expected a non-negative integer'),
        epk: hex32,
        ciphertexts: z.tuple([ciphertext, ciphertext, ciphertext]),
      })
      .strict(),
  })
  .strict()

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

export const errorSchema = z.object({ code: z.string(), message: z.string() })
