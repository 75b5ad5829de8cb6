import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BatchWitness, buildBatchWitness, type Proof, proveBatch, terminateProver, verifyBatch } from '../../src/circuits/index.ts'
import { runProver } from '../../src/cli/runProver.ts'
import { type HttpServer, serveHttp } from '../../src/cli/serveHttp.ts'
import { DEFAULT_HTTP_TIMEOUTS, loadConfig, proverConfig } from '../../src/config/index.ts'
import { randomFieldElement } from '../../src/crypto/field.ts'
import { MerkleTree } from '../../src/crypto/merkleTree.ts'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import { createLogger } from '../../src/log/index.ts'
import { type BatchProver, createLocalProver, createProverApp, createRemoteProver, toWire, verifiedProver } from '../../src/prover/index.ts'

// Two attackers around the batch prover: a stranger who uses (or clogs) someone's prover
// service, and a prover service that lies to the node. Real proofs, real sockets.

const TOKEN = 'prover-token-0123456789abcdef'
let witness: BatchWitness
/** A valid proof, of another batch: what a lazy or hostile prover might send back. */
let otherBatchProof: Proof
const servers: HttpServer[] = []
const serving = async (app: { fetch: (request: Request) => Response | Promise<Response> }) => {
  const server = await serveHttp({ fetch: app.fetch, port: 0, hostname: '127.0.0.1', ...DEFAULT_HTTP_TIMEOUTS })
  servers.push(server)
  return server.url
}
/** A prover that proves nothing until `open()`: it keeps its queue full. */
function gatedProver(): BatchProver & { open(): void } {
  let open!: () => void
  const gate = new Promise<void>((resolve) => (open = resolve))
  return { name: 'gated', prove: async () => (await gate, otherBatchProof), open: () => open() }
}
const post = (app: ReturnType<typeof createProverApp>, body: unknown, authorization?: string) =>
  app.request('/v1/prove', { method: 'POST', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, body: JSON.stringify(body) })
const answer = async (res: Response) => [res.status, ((await res.json()) as { code?: string }).code]

beforeAll(async () => {
  await initCrypto()
  witness = buildBatchWitness(new MerkleTree(), [randomFieldElement(), randomFieldElement()])
  otherBatchProof = (await proveBatch(buildBatchWitness(new MerkleTree(), [randomFieldElement()]))).proof
})

afterAll(async () => {
  for (const s of servers) await s.close()
  await terminateProver()
})

describe('a stranger and the prover service', () => {
  it('error: a request without the token, or with a wrong one, is 401 UNAUTHORIZED, status included', async () => {
    const app = createProverApp(gatedProver(), { token: TOKEN })
    for (const authorization of [undefined, 'Bearer wrong', `Bearer ${TOKEN}x`, `Basic ${btoa(`x:${TOKEN}`)}`, TOKEN]) {
      const res = await post(app, { witness: toWire(witness) }, authorization)
      expect([...(await answer(res)), res.headers.get('www-authenticate')], String(authorization)).toEqual([401, 'UNAUTHORIZED', 'Bearer'])
    }
    expect(await answer(await app.request('/v1/status'))).toEqual([401, 'UNAUTHORIZED'])
    expect((await app.request('/v1/status', { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200)
    expect(await answer(await post(app, { witness: 1 }, `Bearer ${TOKEN}`))).toEqual([400, 'INVALID_SCHEMA'])
  })

  it('error: a witness past the queue bound is 503 PROVER_BUSY, and the slot frees when a job ends', async () => {
    const prover = gatedProver()
    const app = createProverApp(prover, { maxQueue: 2 })
    const held = [post(app, { witness: toWire(witness) }), post(app, { witness: toWire(witness) })]
    await new Promise((resolve) => setTimeout(resolve, 50))
    const busy = await post(app, { witness: toWire(witness) })
    expect([...(await answer(busy)), busy.headers.get('retry-after')]).toEqual([503, 'PROVER_BUSY', '5'])
    prover.open()
    // The gated prover returns another batch's proof: the service's own check refuses to send it.
    expect(await Promise.all(held.map(async (r) => answer(await r)))).toEqual([
      [422, 'PROOF_GENERATION_FAILED'],
      [422, 'PROOF_GENERATION_FAILED'],
    ])
    expect(await answer(await post(app, { witness: 1 }))).toEqual([400, 'INVALID_SCHEMA']) // past the queue check again
  })

  it('error: a prover on a non-loopback address without a token, or with a short one, refuses to start', async () => {
    const config = (host: string) => loadConfig(proverConfig, { env: {}, overrides: { port: 0, host } })
    await expect(runProver(config('0.0.0.0'), undefined)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      variable: 'ZKPAY_PROVER_TOKEN',
      shortMessage: expect.stringMatching(/^ZKPAY_PROVER_TOKEN is not set, and a prover listening on 0\.0\.0\.0 would prove for anyone who reaches it/),
    })
    await expect(runProver(config('127.0.0.1'), 'short')).rejects.toMatchObject({ code: 'CONFIG_INVALID', variable: 'ZKPAY_PROVER_TOKEN' })
    const local = await runProver(config('127.0.0.1'), undefined) // loopback may stay open
    await local.close()
  })
})

describe('a prover service that lies to the node', () => {
  it('behavior: the node moves past a busy prover, a wrong token, a reply without a proof and a proof of another batch, and uses only a proof that verifies', async () => {
    const busyProver = gatedProver()
    const busyApp = createProverApp(busyProver, { token: TOKEN, maxQueue: 1 })
    const busy = await serving(busyApp)
    const stuck = fetch(`${busy}/v1/prove`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ witness: toWire(witness) }) })
    await new Promise((resolve) => setTimeout(resolve, 50))
    const otherToken = await serving(createProverApp(createLocalProver(), { token: 'another-prover-token-0123456789' }))
    const empty = await serving(new Hono().post('/v1/prove', (c) => c.json({})))
    const wrong = await serving(new Hono().post('/v1/prove', (c) => c.json(toWire({ proof: otherBatchProof, ms: 1 }) as object)))
    const good = await serving(createProverApp(createLocalProver(), { token: TOKEN }))

    const lines: string[] = []
    const logger = createLogger('node', { destination: { write: (line: string) => void lines.push(line) } })
    const proof = await createRemoteProver([busy, otherToken, empty, wrong, good], { token: TOKEN, logger }).prove(witness)
    expect(await verifyBatch(proof, witness.publicSignals)).toBe(true)
    expect(lines.map((l) => JSON.parse(l) as { prover: string; reason: string }).map((l) => [l.prover, l.reason])).toEqual([
      [busy, expect.stringMatching(/^HTTP 503 PROVER_BUSY/)],
      [otherToken, expect.stringMatching(/^HTTP 401 UNAUTHORIZED/)],
      [empty, 'The prover answered without a batch proof.'],
      [wrong, "The prover's proof does not verify against the batch."],
    ])
    busyProver.open()
    await stuck
  })

  it('error: with only lying provers the node gets PROVER_UNAVAILABLE, never their proof', async () => {
    const empty = await serving(new Hono().post('/v1/prove', (c) => c.json({})))
    const wrong = await serving(new Hono().post('/v1/prove', (c) => c.json(toWire({ proof: otherBatchProof, ms: 1 }) as object)))
    const huge = await serving(new Hono().post('/v1/prove', (c) => c.text(`{"proof":"${'0'.repeat(1 << 20)}"}`)))
    const error = await createRemoteProver([empty, wrong, huge]).prove(witness).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'PROVER_UNAVAILABLE', shortMessage: 'No prover could prove the batch.' })
    expect((error as { details: string }).details.split('\n')).toEqual([
      `${empty}: The prover answered without a batch proof.`,
      `${wrong}: The prover's proof does not verify against the batch.`,
      `${huge}: the reply is larger than 65536 bytes`,
    ])
  })

  it('error: any batch prover wrapped by verifiedProver throws BATCH_PROOF_INVALID instead of returning a bad proof', async () => {
    await expect(verifiedProver({ name: 'wrong', prove: async () => otherBatchProof }).prove(witness)).rejects.toMatchObject({
      code: 'BATCH_PROOF_INVALID',
      shortMessage: "The prover's proof does not verify against the batch.",
    })
    await expect(verifiedProver({ name: 'empty', prove: async () => ({}) as Proof }).prove(witness)).rejects.toMatchObject({ code: 'BATCH_PROOF_INVALID' })
  })
})
