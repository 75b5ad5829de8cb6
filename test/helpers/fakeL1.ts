// An in-memory L1 for the sequencer's unit tests: the RollupClient methods the sequencer calls,
// over a chain of blocks that the test mines and reorgs by hand. Its contract keeps a note tree
// and refuses a batch whose oldRoot is not its root, as Rollup.sol does; it trusts the batch
// proof (the fake prover's proofs prove nothing).
import { type Address, type Hash, HttpRequestError, keccak256, numberToHex, type PublicClient, toHex } from 'viem'
import { buildBatchWitness, type Proof, type ShieldedTransaction } from '../../src/circuits/index.ts'
import { MerkleTree } from '../../src/crypto/merkleTree.ts'
import { RollupRevertedError, TransactionPendingError } from '../../src/errors/index.ts'
import type { RollupClient } from '../../src/settlement/createRollupClient.ts'
import { appendBatches, type SyncedBatch } from '../../src/settlement/syncFromL1.ts'

type Fees = { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }

/** A batch posting as the fake received it. */
export type FakeSubmission = { hash: Hash; oldRoot: bigint; newRoot: bigint; commitments: bigint[]; nonce: number; fees: Fees; replace?: { nonce: number } & Fees }

type Sent = FakeSubmission & { transactions: readonly ShieldedTransaction[]; submitter: Address }
type Block = { number: bigint; hash: Hash; batches: SyncedBatch[] }

/** What the next `submitBatch` does instead of being mined at once. */
export type SubmitOutcome =
  /** the simulation reverts with this contract error; nothing is sent */
  | { revert: RollupRevertedError }
  /** sent, then not mined within the receipt timeout */
  | 'pending'
  /** the RPC does not answer; nothing is sent */
  | 'rpc-down'

export const OPERATOR: Address = `0x${'0a'.repeat(20)}`
const SOMEONE_ELSE: Address = `0x${'0b'.repeat(20)}`
const SENT_FEES: Fees = { maxFeePerGas: 100n, maxPriorityFeePerGas: 10n }

export type FakeL1 = RollupClient & {
  /** every posting received (replacements included), in order */
  readonly submissions: FakeSubmission[]
  /** hashes of the operator's transactions sent and not mined */
  readonly mempool: Hash[]
  /** what the next postings do, first one first (absent: mined at once) */
  readonly outcomes: SubmitOutcome[]
  /** the fees `currentFees` reports */
  market: Fees
  /** while true, every read and write fails as an unreachable RPC would */
  down: boolean
  /** mines `count` blocks, the first with the mempool's transactions (those whose oldRoot is still the root; the others revert) */
  mine(count?: number): Promise<void>
  /** forgets a pending transaction, as a node that dropped it */
  drop(hash: Hash): void
  /** replaces the last `depth` blocks with as many empty ones: what they settled is gone */
  reorg(depth: number): void
  /** someone else (escape hatch) settles a batch of these commitments in a new block */
  settleForeign(commitments: bigint[]): Promise<void>
  head(): bigint
}

/** An L1 at block 1 (the rollup deployed at block 0), its tree empty. */
export function createFakeL1(): FakeL1 {
  const blocks: Block[] = []
  const known = new Map<Hash, Sent & { mined: boolean }>()
  let nonce = 0
  let serial = 0
  const unreachable = () => new HttpRequestError({ url: 'http://l1.test', details: 'connect ECONNREFUSED' })
  const newBlock = (batches: SyncedBatch[] = []) => {
    const block = { number: BigInt(blocks.length), hash: keccak256(toHex(`block ${blocks.length} ${serial++}`)), batches }
    blocks.push(block)
    return block
  }
  const settled = () => blocks.flatMap((b) => b.batches)
  const contractTree = async () => {
    const tree = new MerkleTree()
    await appendBatches(tree, settled())
    return tree
  }
  const check = () => {
    if (fake.down) throw unreachable()
  }
  /** Mines `sent` into a new block if its oldRoot is the contract's root (else it reverts, settling nothing). */
  const include = async (sent: Sent, block: Block) => {
    const entry = known.get(sent.hash)
    if (entry) entry.mined = true
    const tree = await contractTree()
    if (tree.root !== sent.oldRoot) return
    const startIndex = tree.size
    const number = settled().length + 1
    block.batches.push({
      batchNumber: number,
      oldRoot: sent.oldRoot,
      newRoot: sent.newRoot,
      startIndex,
      transfers: sent.transactions.length,
      submitter: sent.submitter,
      blockNumber: block.number,
      blockHash: block.hash,
      l1TxHash: sent.hash,
      transactions: sent.transactions.map((t, i) => ({
        leafIndex: startIndex + 3 * i,
        nullifiers: t.nullifiers,
        commitments: t.commitments,
        epk: t.extData.epk,
        ciphertexts: [...t.extData.ciphertexts],
        batchNumber: number,
        blockNumber: block.number,
        l1TxHash: sent.hash,
      })),
    })
  }
  const mineNow = async (hashes: Hash[]) => {
    const block = newBlock()
    // Included in order, each against the root the ones before it made.
    for (const hash of hashes) await include(known.get(hash)!, block)
    return block
  }

  const publicClient = {
    async request({ method, params }: { method: string; params: [string, boolean] }) {
      check()
      if (method !== 'eth_getBlockByNumber') throw new Error(`the fake L1 does not answer ${method}`)
      const block = params[0] === 'latest' ? blocks.at(-1) : blocks[Number(BigInt(params[0]))]
      return block ? { number: numberToHex(block.number), hash: block.hash } : null
    },
  } as unknown as PublicClient

  const fake: FakeL1 = {
    rollup: `0x${'00'.repeat(19)}01`,
    account: OPERATOR,
    publicClient,
    submissions: [],
    mempool: [],
    outcomes: [],
    market: { maxFeePerGas: 110n, maxPriorityFeePerGas: 20n },
    down: false,
    async submitBatch(p) {
      check()
      const outcome = fake.outcomes.shift()
      if (outcome === 'rpc-down') throw unreachable()
      if (outcome && typeof outcome === 'object') throw outcome.revert
      // The contract's first check, simulated before sending.
      const tree = await contractTree()
      if (tree.root !== p.oldRoot) throw new RollupRevertedError('Rollup__StaleRoot', { currentRoot: tree.root, oldRoot: p.oldRoot })
      const commitments = p.transactions.flatMap((t) => t.commitments)
      const expected = buildBatchWitness(tree, commitments).newRoot
      if (expected !== p.newRoot) throw new RollupRevertedError('Rollup__InvalidNewRoot', {})
      const txNonce = p.replace?.nonce ?? nonce++
      const fees = p.replace ? { maxFeePerGas: p.replace.maxFeePerGas, maxPriorityFeePerGas: p.replace.maxPriorityFeePerGas } : SENT_FEES
      const hash = keccak256(toHex(`tx ${serial++}`))
      const submission: FakeSubmission = { hash, oldRoot: p.oldRoot, newRoot: p.newRoot, commitments, nonce: txNonce, fees, ...(p.replace ? { replace: p.replace } : {}) }
      fake.submissions.push(submission)
      // A replacement takes its predecessor's place (same nonce): the old one can no longer be mined.
      for (const [h, sent] of known) if (sent.nonce === txNonce && !sent.mined) fake.drop(h)
      known.set(hash, { ...submission, transactions: p.transactions, submitter: OPERATOR, mined: false })
      await p.onSent?.(hash)
      if (outcome === 'pending') {
        fake.mempool.push(hash)
        throw new TransactionPendingError(hash)
      }
      const block = await mineNow([hash])
      return { hash, blockNumber: block.number, gasUsed: 300_000n }
    },
    async sentTransaction(hash) {
      check()
      const sent = known.get(hash)
      return sent && { nonce: sent.nonce, ...sent.fees, mined: sent.mined }
    },
    async currentFees() {
      check()
      return fake.market
    },
    async sync({ fromBlock, toBlock, tree }) {
      check()
      const to = toBlock ?? BigInt(blocks.length - 1)
      const batches = blocks.filter((b) => b.number >= fromBlock && b.number <= to).flatMap((b) => b.batches)
      await appendBatches(tree, batches)
      return { batches, nextBlock: to + 1n }
    },
    escrow: async () => undefined,
    checkTransfer: async () => undefined,
    inclusionQueue: async () => ({ head: 0n, length: 0n }),
    inclusionRequestAt: async () => undefined,
    inclusionRequests: async () => [],
    skipInclusionRequest: async () => {
      throw new Error('the fake L1 has no inclusion queue')
    },
    async currentRoot() {
      check()
      return (await contractTree()).root
    },
    async blockNumber() {
      check()
      return fake.head()
    },
    async hasPendingTransactions() {
      check()
      return fake.mempool.length > 0
    },
    operatorBalance: async () => 10n ** 18n,
    async mine(count = 1) {
      await mineNow(fake.mempool.splice(0))
      for (let i = 1; i < count; i++) newBlock()
    },
    drop(hash) {
      const at = fake.mempool.indexOf(hash)
      if (at >= 0) fake.mempool.splice(at, 1)
      known.delete(hash)
    },
    reorg(depth) {
      blocks.splice(blocks.length - depth, depth)
      for (let i = 0; i < depth; i++) newBlock()
    },
    async settleForeign(commitments) {
      const tree = await contractTree()
      const hash = keccak256(toHex(`foreign ${serial++}`))
      const transactions = chunk3(commitments).map((c) => foreignTransaction(c, serial++))
      const sent: Sent = { hash, oldRoot: tree.root, newRoot: buildBatchWitness(tree, commitments).newRoot, commitments, nonce: 0, fees: SENT_FEES, transactions, submitter: SOMEONE_ELSE }
      await include(sent, newBlock())
    },
    head: () => BigInt(blocks.length - 1),
  }
  newBlock() // 0: the rollup's deployment
  newBlock()
  return fake
}

function chunk3(values: bigint[]): [bigint, bigint, bigint][] {
  const out: [bigint, bigint, bigint][] = []
  for (let i = 0; i < values.length; i += 3) out.push([values[i]!, values[i + 1] ?? 0n, values[i + 2] ?? 0n])
  return out
}

const ZERO_PROOF: Proof = { a: [0n, 0n], b: [[0n, 0n], [0n, 0n]], c: [0n, 0n] }

/** A transaction of someone else's batch: only what its events carry matters here. */
function foreignTransaction(commitments: [bigint, bigint, bigint], i: number): ShieldedTransaction {
  const ciphertext = `0x${'00'.repeat(214)}` as const
  return {
    proof: ZERO_PROOF,
    root: 0n,
    publicAmount: 0n,
    publicAsset: 0n,
    extDataHash: 0n,
    nullifiers: [BigInt(7_000_000 + 2 * i), BigInt(7_000_001 + 2 * i)],
    commitments,
    extData: { recipient: SOMEONE_ELSE, extAmount: 0n, fee: 0n, epk: `0x${'00'.repeat(32)}`, ciphertexts: [ciphertext, ciphertext, ciphertext] },
  }
}
