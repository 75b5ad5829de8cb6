import { encodeAbiParameters, encodeEventTopics, getAbiItem, type Hex, type PublicClient } from 'viem'
import { beforeAll, describe, expect, it } from 'vitest'
import { MerkleTree } from '../../src/crypto/merkleTree.ts'
import type { Outputs } from '../../src/crypto/note.ts'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import { rollupAbi } from '../../src/settlement/generated/contracts.ts'
import { BATCH_LEAVES } from '../../src/crypto/batch.ts'
import { syncFromL1 } from '../../src/settlement/syncFromL1.ts'

// syncFromL1 decodes the rollup's two events itself: checked here against viem's ABI encoding,
// with the ways a log can be wrong. (On anvil: test/contracts/rollup.test.ts.)

const rollup = '0x00000000000000000000000000000000000000aa'
const txHash = `0x${'ab'.repeat(32)}` as const
const blockHash = `0x${'b7'.repeat(32)}` as const
const settledItem = getAbiItem({ abi: rollupAbi, name: 'TransactionSettled' })
const batchItem = getAbiItem({ abi: rollupAbi, name: 'BatchSubmitted' })

function batchLog(a: { batchNumber: bigint; oldRoot: bigint; newRoot: bigint; startIndex: bigint; transfers: bigint }, hash: Hex = txHash) {
  return {
    topics: encodeEventTopics({ abi: [batchItem], eventName: 'BatchSubmitted', args: { batchNumber: a.batchNumber } }),
    data: encodeAbiParameters(batchItem.inputs.slice(1), [a.oldRoot, a.newRoot, a.startIndex, a.transfers, '0x00000000000000000000000000000000000000bb']),
    blockNumber: '0x7',
    blockHash: blockHash,
    transactionHash: hash,
  }
}

function settledLog(leafIndex: bigint, commitments: Outputs<bigint>, hash: Hex = txHash) {
  return {
    topics: encodeEventTopics({ abi: [settledItem], eventName: 'TransactionSettled', args: { leafIndex } }),
    data: encodeAbiParameters(settledItem.inputs.slice(1), [[11n, 12n], commitments, `0x${'ee'.repeat(32)}`, '0x0102', `0x${'cd'.repeat(214)}`, `0x${'ef'.repeat(214)}`]),
    blockNumber: '0x7',
    blockHash: blockHash,
    transactionHash: hash,
  }
}

/** A client whose eth_getLogs answers `logs`, at head block 9. */
const chain = (logs: unknown[]) => ({ getBlockNumber: async () => 9n, request: async () => logs }) as unknown as PublicClient

beforeAll(() => initCrypto())

describe('syncFromL1 event decoding', () => {
  it('default: decodes a batch and its transactions as viem encodes them, and grows the tree to its root', async () => {
    const tree = new MerkleTree()
    // Two transactions of three outputs each: leaves 0–2 and 3–5.
    const leaves = new Array<bigint>(BATCH_LEAVES).fill(0n)
    leaves.splice(0, 6, 21n, 22n, 23n, 31n, 32n, 33n)
    const expected = new MerkleTree()
    expected.insertMany(leaves)
    const logs = [batchLog({ batchNumber: 1n, oldRoot: tree.root, newRoot: expected.root, startIndex: 0n, transfers: 2n }), settledLog(0n, [21n, 22n, 23n]), settledLog(3n, [31n, 32n, 33n])]
    const { batches, nextBlock } = await syncFromL1(chain(logs), { rollup, fromBlock: 0n, tree })
    expect(nextBlock).toBe(10n)
    expect(batches).toEqual([
      {
        batchNumber: 1,
        oldRoot: new MerkleTree().root,
        newRoot: expected.root,
        startIndex: 0,
        transfers: 2,
        submitter: '0x00000000000000000000000000000000000000bb',
        blockNumber: 7n,
        blockHash,
        l1TxHash: txHash,
        transactions: [
          ...[0, 3].map((leafIndex) => ({
            leafIndex,
            nullifiers: [11n, 12n],
            commitments: leafIndex === 0 ? [21n, 22n, 23n] : [31n, 32n, 33n],
            epk: `0x${'ee'.repeat(32)}`,
            ciphertexts: ['0x0102', `0x${'cd'.repeat(214)}`, `0x${'ef'.repeat(214)}`],
            batchNumber: 1,
            blockNumber: 7n,
            l1TxHash: txHash,
          })),
        ],
      },
    ])
    expect(tree.root).toBe(expected.root)
  })

  it('error: a transaction outside a batch, a truncated log, and leaves that do not give the root are SETTLEMENT_FAILED', async () => {
    const empty = new MerkleTree().root
    await expect(syncFromL1(chain([settledLog(0n, [1n, 2n, 3n])]), { rollup, fromBlock: 0n })).rejects.toMatchObject({ code: 'SETTLEMENT_FAILED', shortMessage: expect.stringMatching(/outside a batch/) })
    const batch = batchLog({ batchNumber: 1n, oldRoot: empty, newRoot: 5n, startIndex: 0n, transfers: 1n })
    const truncated = { ...settledLog(0n, [1n, 2n, 3n]), data: settledLog(0n, [1n, 2n, 3n]).data.slice(0, 2 + 64 * 6) }
    await expect(syncFromL1(chain([batch, truncated]), { rollup, fromBlock: 0n })).rejects.toMatchObject({ code: 'SETTLEMENT_FAILED', shortMessage: expect.stringMatching(/does not decode/) })
    const lying = [batch, settledLog(0n, [1n, 2n, 3n])]
    await expect(syncFromL1(chain(lying), { rollup, fromBlock: 0n, tree: new MerkleTree() })).rejects.toMatchObject({ code: 'SETTLEMENT_FAILED', shortMessage: expect.stringMatching(/do not give their root/) })
    const unaligned = [batchLog({ batchNumber: 1n, oldRoot: empty, newRoot: 5n, startIndex: 64n, transfers: 1n })]
    await expect(syncFromL1(chain(unaligned), { rollup, fromBlock: 0n, tree: new MerkleTree() })).rejects.toMatchObject({ code: 'SETTLEMENT_FAILED', shortMessage: expect.stringMatching(/sync from where the tree ends/) })
  })
})
