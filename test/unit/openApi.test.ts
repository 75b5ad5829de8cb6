import { compileErrors, validate } from '@readme/openapi-parser'
import { beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/api/index.ts'
import { useOfflineSequencer } from '../helpers/node.ts'

// /openapi.json as an operator's tooling reads it: a valid OpenAPI 3.1 document (checked by
// @readme/openapi-parser, a maintained validator) that lists every route the node serves, each
// parameter and answer with its schema. The node here is real (SQLite store, sequencer) with an
// unreachable L1: the document does not depend on it.

type Doc = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } }
type Operation = { parameters?: { name: string; in: string; schema?: unknown }[]; responses: Record<string, { content?: Record<string, { schema?: unknown }> }> }

const offline = useOfflineSequencer()
let app: ReturnType<typeof createApp>
let doc: Doc

beforeAll(async () => {
  app = createApp({ sequencer: offline().sequencer })
  doc = (await (await app.request('/openapi.json')).json()) as Doc
})

/** The validator's errors' first lines (each error carries a code frame after it). */
async function problems(document: unknown): Promise<string[]> {
  const result = await validate(structuredClone(document) as Parameters<typeof validate>[0])
  return result.valid ? [] : result.errors.map((e) => e.message.split('\n')[0]!)
}

describe('/openapi.json', () => {
  it('default: is a valid OpenAPI 3.1 document, without warnings', async () => {
    expect(doc.openapi).toBe('3.1.0')
    const result = await validate(structuredClone(doc) as unknown as Parameters<typeof validate>[0])
    expect(result.valid ? [] : compileErrors(result)).toEqual([])
    expect(result.warnings).toEqual([])
  })

  it('default: lists every route the app serves, with its method', () => {
    const served = app.routes
      .filter((r) => r.method !== 'ALL') // middleware (CORS, rate limits)
      .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, '{$1}')}`)
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method} ${path}`))
    expect([...new Set(served)].filter((r) => !documented.includes(r))).toEqual([])
    // …and nothing the app does not serve.
    expect(documented.filter((r) => !served.includes(r))).toEqual([])
    expect(served).toEqual(expect.arrayContaining(['get /healthz', 'get /readyz', 'get /v1/transactions/{id}', 'get /v1/batches/{number}']))
  })

  it('default: every parameter and every answer has a schema', () => {
    const missing: string[] = []
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        for (const p of op.parameters ?? []) if (!p.schema) missing.push(`${method} ${path} parameter ${p.name}`)
        for (const [status, answer] of Object.entries(op.responses)) {
          const contents = Object.values(answer.content ?? {})
          if (contents.length === 0 || contents.some((c) => !c.schema)) missing.push(`${method} ${path} ${status}`)
        }
      }
    }
    expect(missing).toEqual([])
    // The schemas are the routes' own: the limits of the query schemas, the codes of the rejection table.
    const notes = doc.paths['/v1/notes']!.get!.parameters!
    expect(notes.find((p) => p.name === 'limit')).toMatchObject({ in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000 } })
    expect(doc.paths['/v1/batches/{number}']!.get!.parameters).toEqual([{ name: 'number', in: 'path', required: true, schema: expect.objectContaining({ type: 'integer', minimum: 1 }) }])
    expect(JSON.stringify(doc.components.schemas.Error)).toContain('NULLIFIER_SPENT')
  })

  it('error: the validator refuses what the old document had: undeclared path parameters, query parameters without a schema', async () => {
    const undeclared = structuredClone(doc)
    delete undeclared.paths['/v1/transactions/{id}']!.get!.parameters
    delete undeclared.paths['/v1/batches/{number}']!.get!.parameters
    const found = await problems(undeclared)
    expect(found.join('\n')).toMatch(/\{id\}/)
    expect(found.join('\n')).toMatch(/\{number\}/)

    const schemaless = structuredClone(doc)
    for (const p of schemaless.paths['/v1/mempool']!.get!.parameters!) delete p.schema
    expect(await problems(schemaless)).toEqual([expect.stringMatching(/must have required property 'schema'/), expect.stringMatching(/must have required property 'schema'/)])
  })
})
