import { z } from 'zod'

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
