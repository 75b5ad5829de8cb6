// Rebuilds the note tree from L1 events alone in a fresh process and prints what it found:
// test/contracts/rollup.test.ts compares that with the contract's own state.
import { createPublicClient, http, type PublicClient } from 'viem'
import { foundry } from 'viem/chains'
import { MerkleTree } from '../../src/crypto/merkleTree.ts'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import { syncFromL1 } from '../../src/settlement/syncFromL1.ts'

const [rpcUrl, rollup, fromBlock] = process.argv.slice(2) as [string, `0x${string}`, string]
await initCrypto()
const publicClient = createPublicClient({ chain: foundry, transport: http(rpcUrl) }) as PublicClient
const tree = new MerkleTree()
const { batches } = await syncFromL1(publicClient, { rollup, fromBlock: BigInt(fromBlock), tree, chunkSize: 3n })
const nullifiers = batches.flatMap((b) => b.transactions.flatMap((t) => t.nullifiers))
console.log(JSON.stringify({ root: tree.root.toString(), size: tree.size, batches: batches.length, nullifiers: nullifiers.length }))
process.exit(0)
