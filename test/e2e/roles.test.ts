import { toHex } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ShieldedTransaction, terminateProver, toTransactionJson } from '../../src/circuits/index.ts'
import { toHex32 } from '../../src/crypto/field.ts'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import { transactionId } from '../../src/sequencer/Admission.ts'
import { readRollupState } from '../../src/settlement/readRollupState.ts'
import { getJson, type NodeProcess, postTransaction, spawnNode, until, untilSettled } from '../helpers/nodeProcess.ts'
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts'
import { Actor, DEV_MNEMONIC, type Devnet, escrowedDeposit, MerkleTree, startDevnet } from '../helpers/rollup.ts'

// `zkpay node --role`: one sequencer (the leader) and two api replicas on one Postgres database,
// each a child process. The replicas hold no operator key; they admit, answer reads, and relay
// the leader's status and batch events. Replicas race for one nullifier over HTTP; one is
// killed with -9 while it admits.

let pg: TestPostgres
let devnet: Devnet
let env: Record<string, string>
let sequencer: NodeProcess
let api: [NodeProcess, NodeProcess]
const alice = new Actor(5)

type Status = { root: string; leafCount: number; sequencerReportedAt?: string; l1: { ok: boolean; code?: string }; operator: { address: string } }
const get = getJson
const post = postTransaction
const settled = (node: NodeProcess, id: string) => untilSettled(node, id, () => sequencer.output().slice(-3000))

/** The note tree as the node has it (its root is one the rollup knows). */
async function nodeTree(node: NodeProcess): Promise<MerkleTree> {
  const page = await get<{ notes: { leafIndex: number; commitment: string }[]; leafCount: number }>(node.url, '/v1/notes?from=0&limit=1000')
  const leaves = new Array<bigint>(page.leafCount).fill(0n)
  for (const n of page.notes) leaves[n.leafIndex] = BigInt(n.commitment)
  const tree = new MerkleTree()
  tree.insertMany(leaves)
  return tree
}

beforeAll(async () => {
  await initCrypto()
  pg = await startPostgres()
  devnet = await startDevnet()
  env = {
    ZKPAY_RPC_URL: devnet.anvil.rpcUrl,
    ZKPAY_ROLLUP_ADDRESS: devnet.rollup,
    ZKPAY_FROM_BLOCK: String(devnet.deployBlock),
    ZKPAY_DATABASE_URL: await pg.createDatabase(),
    ZKPAY_BATCH_SIZE: '4',
    ZKPAY_BATCH_MAX_AGE_MS: '200',
  }
  const operatorKey = toHex(mnemonicToAccount(DEV_MNEMONIC, { addressIndex: 0 }).getHdKey().privateKey!)
  sequencer = await spawnNode({ ...env, ZKPAY_NODE_ROLE: 'sequencer', ZKPAY_OPERATOR_KEY: operatorKey }, 60_000, { logged: /node listening/ })
  // No operator key in a replica's environment: it never signs anything.
  const replica = (id: string) => spawnNode({ ...env, ZKPAY_NODE_ROLE: 'api', ZKPAY_OPERATOR_KEY: undefined, ZKPAY_REPLICA_ID: id })
  api = [await replica('api-a'), await replica('api-b')]
}, 180_000)

afterAll(async () => {
  for (const node of [...(api ?? []), sequencer]) await node?.stop()
  await devnet?.stop()
  await pg?.stop()
  await terminateProver()
})

describe('zkpay node --role api | sequencer on Postgres', () => {
  it('behavior: a replica admits, the leader settles, and another replica follows it on /v1/status and /v1/events', async () => {
    const [a, b] = api
    const controller = new AbortController()
    const events = await fetch(`${b.url}/v1/events`, { signal: controller.signal })
    expect(events.status).toBe(200)
    const reader = events.body!.getReader()

    const tx = await escrowedDeposit(devnet, alice, 100n)
    const { status, body } = await post(a.url, tx)
    expect(status).toBe(202)
    expect(await settled(b, body.id!)).toMatch(/settled|final/)

    // The settlement reached b's stream from the leader, with what L1 made public.
    const mine = toHex32(tx.commitments[0])
    let text = ''
    while (!new RegExp(`"state":"settled"[^\\n]*${mine}`).test(text)) text += new TextDecoder().decode((await reader.read()).value)
    controller.abort()
    expect(text).not.toContain(body.id!.slice(2))

    const l1 = await readRollupState(devnet.publicClient, { rollup: devnet.rollup })
    const seen = await until('b to report the settled root', async () => {
      const s = await get<Status>(b.url, '/v1/status')
      return s.root === toHex32(l1.currentRoot) ? s : undefined
    })
    expect(seen).toMatchObject({ leafCount: Number(l1.nextLeafIndex), l1: { ok: true }, operator: { address: devnet.accounts[0]!.walletClient.account.address } })
    expect(Date.now() - Date.parse(seen.sequencerReportedAt!)).toBeLessThan(30_000)

    // The sequencer serves its probes and metrics, not the client API; replicas label their metrics.
    expect((await fetch(`${sequencer.url}/v1/status`)).status).toBe(404)
    expect((await fetch(`${sequencer.url}/healthz`)).status).toBe(200)
    expect(await (await fetch(`${sequencer.url}/metrics`)).text()).toMatch(/zkpay_batches_settled_total\{[^}]*role="sequencer"/)
    const metrics = await (await fetch(`${a.url}/metrics`)).text()
    expect(metrics).toMatch(/zkpay_transactions_admitted_total\{replica="api-a",role="api"\} 1/)
    expect(metrics).not.toMatch(/zkpay_operator_balance_wei/)
    expect((await fetch(`${a.url}/readyz`)).status).toBe(200)
  })

  it('security: 20 submissions at once spending one note, through two replicas, admit exactly one', async () => {
    // Twenty different transactions (each its own outputs and proof) that spend the same note: a
    // zero-value input at a fixed leaf, which needs no membership proof, has one nullifier.
    const contested = { note: { ...alice.note(0n, 0n), blinding: 77n }, leafIndex: 0 }
    const tree = await nodeTree(api[0])
    const txs: ShieldedTransaction[] = []
    for (let n = 0; n < 20; n++) txs.push((await alice.transact(tree, { asset: 0n, inputs: [contested] })).tx)
    expect(new Set(txs.map((t) => t.nullifiers[0])).size).toBe(1)
    const outcomes = await Promise.all(txs.map((tx, n) => post(api[n % 2]!.url, tx)))
    const admitted = outcomes.filter((o) => o.status === 202)
    expect(admitted).toHaveLength(1)
    expect(outcomes.filter((o) => o.status === 409 && o.body.code === 'NULLIFIER_PENDING')).toHaveLength(19)
    expect(await settled(api[1], admitted[0]!.body.id!)).toMatch(/settled|final/)
    // Spent on L1 now: a latecomer is refused as spent by either replica.
    const late = (await alice.transact(await nodeTree(api[0]), { asset: 0n, inputs: [contested] })).tx
    expect((await post(api[0].url, late)).body.code).toBe('NULLIFIER_SPENT')
  })

  it('security: a replica killed with -9 while it admits: nothing half-admitted; each retry on the other replica gets the same answer, and each settles once', async () => {
    const [a, b] = api
    const txs: ShieldedTransaction[] = []
    for (let n = 0; n < 6; n++) txs.push(await escrowedDeposit(devnet, alice, 1_000n + BigInt(n)))
    const before = await readRollupState(devnet.publicClient, { rollup: devnet.rollup })
    // Sent at once; the replica dies the moment the first is answered, with the others in the
    // middle of their checks or their insert, or not yet read.
    const sent = txs.map((tx) => post(a.url, tx).then((r) => r.status, () => 'no answer' as const))
    await Promise.race(sent)
    await a.kill9()
    const first = await Promise.all(sent)
    expect(first.filter((s) => s === 202).length).toBeGreaterThanOrEqual(1)
    expect(first).toContain('no answer')
    expect(first.every((s) => s === 202 || s === 'no answer')).toBe(true)
    const ids: string[] = []
    for (const [n, tx] of txs.entries()) {
      const retry = await post(b.url, tx)
      // Admitted before the kill (the client may not have heard): TRANSACTION_KNOWN; else admitted now.
      if (first[n] === 202) expect(retry).toMatchObject({ status: 409, body: { code: 'TRANSACTION_KNOWN' } })
      else expect([202, 409]).toContain(retry.status)
      if (retry.status === 409) expect(retry.body.code).toBe('TRANSACTION_KNOWN')
      const id = retry.body.id ?? transactionId(toTransactionJson(tx))
      ids.push(id)
    }
    for (const id of ids) expect(await settled(b, id)).toMatch(/settled|final/)
    // Each deposit's outputs are in the tree once, and nothing waits behind.
    const after = await readRollupState(devnet.publicClient, { rollup: devnet.rollup })
    expect(after.batchCount).toBeGreaterThan(before.batchCount)
    const { notes } = await get<{ notes: { commitment: string }[] }>(b.url, `/v1/notes?from=0&limit=1000`)
    for (const tx of txs) expect(notes.filter((n) => n.commitment === toHex32(tx.commitments[0]))).toHaveLength(1)
    const mempool = await get<{ transactions: unknown[] }>(b.url, '/v1/mempool')
    expect(mempool.transactions).toEqual([])
  })
})
