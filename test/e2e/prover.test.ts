import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildBatchWitness, terminateProver, verifyBatch } from '../../src/circuits/index.ts'
import { randomFieldElement } from '../../src/crypto/field.ts'
import { MerkleTree } from '../../src/crypto/merkleTree.ts'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import { createLocalProver, createProverApp, createRemoteProver, toWire } from '../../src/prover/index.ts'
import { freePort } from '../helpers/nodeProcess.ts'

// The batch prover as a service (`zkpay prover`): a real socket, a real proof, failover.

let server: ReturnType<typeof serve>
let url: string
const app = () => createProverApp(createLocalProver())

beforeAll(async () => {
  await initCrypto()
  server = serve({ fetch: app().fetch, port: 0, hostname: '127.0.0.1' })
  await new Promise<void>((resolve) => server.once('listening', () => resolve()))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve))
  await terminateProver()
})

describe('remote batch prover', () => {
  it('default: a node proves through the service, moving past a prover that is down', async () => {
    const witness = buildBatchWitness(new MerkleTree(), [randomFieldElement(), randomFieldElement()])
    const dead = `http://127.0.0.1:${await freePort()}`
    const prover = createRemoteProver([dead, url])
    const proof = await prover.prove(witness)
    expect(await verifyBatch(proof, witness.publicSignals)).toBe(true)
    expect(await (await fetch(`${url}/v1/status`)).json()).toMatchObject({ busy: false, proved: 1 })
  })

  it('error: a malformed request is 400, a witness the circuit rejects is 422, and no live prover is PROVER_UNAVAILABLE', async () => {
    const bad = await app().request('/v1/prove', { method: 'POST', body: '{"witness":1}', headers: { 'content-type': 'application/json' } })
    expect([bad.status, ((await bad.json()) as { code: string }).code]).toEqual([400, 'INVALID_SCHEMA'])
    const witness = buildBatchWitness(new MerkleTree(), [randomFieldElement()])
    const wrong = { ...witness, input: { ...witness.input, newRoot: witness.newRoot + 1n }, publicSignals: witness.publicSignals.map((s, i) => (i === 1 ? s + 1n : s)) }
    const refused = await app().request('/v1/prove', { method: 'POST', body: JSON.stringify(toWire({ witness: wrong })), headers: { 'content-type': 'application/json' } })
    expect([refused.status, ((await refused.json()) as { code: string }).code]).toEqual([422, 'PROOF_GENERATION_FAILED'])
    await expect(createRemoteProver([`http://127.0.0.1:${await freePort()}`]).prove(witness)).rejects.toMatchObject({ code: 'PROVER_UNAVAILABLE' })
    expect(() => createRemoteProver([])).toThrow(/urls/)
  })
})
