import { z } from 'zod'
import { transactionJsonSchema } from '../circuits/codec.ts'
import { DEFAULT_EVENT_STREAMS } from '../config/nodeConfig.ts'
import {
  admittedSchema,
  batchEventSchema,
  batchParamSchema,
  batchSchema,
  errorSchema,
  livenessSchema,
  MEMPOOL_PAGE_LIMIT,
  mempoolPageSchema,
  mempoolQuerySchema,
  NOTES_PAGE_LIMIT,
  notesPageSchema,
  notesQuerySchema,
  readinessSchema,
  statusSchema,
  transactionParamSchema,
  transactionStatusSchema,
} from './schemas.ts'

type Json = Record<string, unknown>

/** A zod schema as an OpenAPI 3.1 schema object (JSON Schema 2020-12, without its `$schema`). */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'output'): Json {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io })
  return rest
}

/** Each field of a zod object as a parameter: required unless the schema accepts it absent. */
function parameters(where: 'path' | 'query', schema: z.ZodObject): Json[] {
  return Object.entries(schema.shape).map(([name, field]) => ({
    name,
    in: where,
    required: where === 'path' || !(field as z.ZodType).safeParse(undefined).success,
    schema: jsonSchema(field as z.ZodType, 'input'),
  }))
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })
const json = (description: string, schema: Json) => ({ description, content: { 'application/json': { schema } } })
const text = (description: string, type: string, about: string) => ({ description, content: { [type]: { schema: { type: 'string', description: about } } } })
const error = (description: string) => json(description, ref('Error'))
/** Every route but liveness counts against a rate-limit bucket; any route may fail inside the node. */
const limited = { 429: error('RATE_LIMITED: this client made too many requests of this kind; see Retry-After'), 500: error('INTERNAL: the node failed to handle the request (logged)') }

/**
 * The node's OpenAPI 3.1 document, generated from the zod schemas the routes validate their
 * input with and type their answers by (src/api/schemas.ts): what it says cannot drift from what
 * the node does. `test/unit/openApi.test.ts` validates it and checks that every route the app
 * serves is in it.
 *
 * @example
 * app.get('/openapi.json', (c) => c.json(openApiDocument()))
 */
export function openApiDocument(): Json {
  const liveness = { 200: json('Alive: the process serves requests. Never rate limited, touches nothing.', jsonSchema(livenessSchema)) }
  return {
    openapi: '3.1.0',
    info: { title: 'zkpay sequencer', version: '1', description: 'Submit shielded transactions and follow them to settlement on L1; probe and scrape the node.' },
    paths: {
      '/v1/transactions': {
        post: {
          operationId: 'submitTransaction',
          summary: 'Submit a proven shielded transaction',
          requestBody: { required: true, content: { 'application/json': { schema: ref('Transaction') } } },
          responses: {
            202: json('Admitted', jsonSchema(admittedSchema)),
            400: error('Refused: INVALID_SCHEMA, INVALID_PROOF, UNKNOWN_ROOT, NULLIFIER_SPENT, FEE_TOO_LOW, DEPOSIT_NOT_ESCROWED, … (the code says which)'),
            409: error('NULLIFIER_PENDING, DEPOSIT_PENDING or TRANSACTION_KNOWN: another admitted transaction holds the note or escrow, or this one was admitted already'),
            413: error('PAYLOAD_TOO_LARGE'),
            ...limited,
          },
        },
      },
      '/v1/transactions/{id}': {
        get: {
          operationId: 'getTransaction',
          summary: 'A transaction’s status: pending, batched, proving, submitted, settled, final or rejected (with code and message)',
          parameters: parameters('path', transactionParamSchema),
          responses: { 200: json('The status', jsonSchema(transactionStatusSchema)), 404: error('NOT_FOUND: no transaction with this id'), ...limited },
        },
      },
      '/v1/notes': {
        get: {
          operationId: 'listNotes',
          summary: `Settled notes from a leaf index, in order: commitment, epk, ciphertext; at most ${NOTES_PAGE_LIMIT} a page`,
          parameters: parameters('query', notesQuerySchema),
          responses: { 200: json('Notes, the leaf count and the root', jsonSchema(notesPageSchema)), 400: error('INVALID_SCHEMA: from or limit out of range'), ...limited },
        },
      },
      '/v1/mempool': {
        get: {
          operationId: 'listMempool',
          summary: `Outputs (commitments, epk, ciphertexts) of admitted transactions not yet settled, oldest first, at most ${MEMPOOL_PAGE_LIMIT} a page; \`next\` is the \`after\` of the next page (null on the last)`,
          parameters: parameters('query', mempoolQuerySchema),
          responses: { 200: json('Transactions', jsonSchema(mempoolPageSchema)), 400: error('INVALID_SCHEMA: after or limit out of range'), ...limited },
        },
      },
      '/v1/batches/{number}': {
        get: {
          operationId: 'getBatch',
          summary: 'A batch, its state and transactions',
          parameters: parameters('path', batchParamSchema),
          responses: { 200: json('The batch', jsonSchema(batchSchema)), 400: error('INVALID_SCHEMA: not a positive integer'), 404: error('NOT_FOUND: no batch with this number'), ...limited },
        },
      },
      '/v1/status': {
        get: {
          operationId: 'getStatus',
          summary: 'Roots, heights, queue sizes, prover and L1 health, and the fees: the fee address and the price per asset. Answered while L1 is down too, with `l1.ok` false and a code and sentence',
          responses: { 200: json('Status', jsonSchema(statusSchema)), ...limited },
        },
      },
      '/v1/events': {
        get: {
          operationId: 'streamEvents',
          summary: `Server-sent events: batch state changes (\`event: batch\`; settled ones list the commitments and nullifiers they made public on L1), never a single transaction’s, times to the second; a client more than 1,000 events behind gets \`event: overflow\` and is disconnected; at most ${DEFAULT_EVENT_STREAMS} streams by default`,
          responses: {
            200: text('The stream', 'text/event-stream', 'Events `batch` (data: a BatchEvent, see components) and, last, `overflow` (data: an Error).'),
            503: error('TOO_MANY_STREAMS'),
            ...limited,
          },
        },
      },
      '/healthz': { get: { operationId: 'liveness', summary: 'Liveness: `{ ok: true }` while the process serves requests', responses: liveness } },
      '/health': { get: { operationId: 'health', summary: 'The same as /healthz (kept for existing probes)', responses: liveness } },
      '/readyz': {
        get: {
          operationId: 'readiness',
          summary: 'Readiness: whether the database, L1 and the prover are usable now (each check bounded to 2 s; answers reused for a second)',
          responses: {
            200: json('Ready: every check passed', jsonSchema(readinessSchema)),
            503: json('Not ready: the failed checks carry a code and one sentence', jsonSchema(readinessSchema)),
            ...limited,
          },
        },
      },
      '/metrics': { get: { operationId: 'metrics', summary: 'Prometheus metrics (text exposition format 0.0.4)', responses: { 200: text('Metrics', 'text/plain', 'Prometheus text exposition'), ...limited } } },
      '/openapi.json': { get: { operationId: 'openApi', summary: 'This document', responses: { 200: json('OpenAPI 3.1', { type: 'object' }), ...limited } } },
    },
    components: {
      schemas: {
        Transaction: jsonSchema(transactionJsonSchema, 'input'),
        Error: jsonSchema(errorSchema),
        BatchEvent: jsonSchema(batchEventSchema),
      },
    },
  }
}
