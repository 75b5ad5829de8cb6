import { createPublicClient, createTestClient, http, type PublicClient } from 'viem'
import { foundry } from 'viem/chains'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Checkpoint, detectReorg, latestCheckpoint } from '../../src/settlement/detectReorg.ts'
import { type Anvil, startAnvil } from '../../src/settlement/startAnvil.ts'

// detectReorg on a real anvil: evm_revert takes blocks back, and mining again puts other blocks
// (other timestamps, other hashes) at the same heights — a reorg as a follower sees it.

let anvil: Anvil
let publicClient: PublicClient
let testClient: ReturnType<typeof createTestClient>
let lookups = 0

beforeAll(async () => {
  anvil = await startAnvil()
  const transport = http(anvil.rpcUrl, { onFetchRequest: () => void lookups++ })
  publicClient = createPublicClient({ chain: foundry, transport }) as PublicClient
  testClient = createTestClient({ chain: foundry, mode: 'anvil', transport: http(anvil.rpcUrl) })
})

afterAll(() => anvil?.stop())

/** Mines `n` blocks and returns them as checkpoints, oldest first. */
async function mine(n: number): Promise<Checkpoint[]> {
  const out: Checkpoint[] = []
  for (let i = 0; i < n; i++) {
    await testClient.mine({ blocks: 1 })
    out.push(await latestCheckpoint(publicClient))
  }
  return out
}

const newestFirst = (cps: Checkpoint[]) => () => [...cps].reverse()

describe('detectReorg', () => {
  it('default: the last block applied still on the chain is one lookup and no reorg; nothing applied yet is none', async () => {
    const blocks = await mine(3)
    lookups = 0
    expect(await detectReorg(publicClient, { last: blocks[2]!, checkpoints: newestFirst(blocks) })).toEqual({ status: 'canonical' })
    expect(lookups).toBe(1)
    expect(await detectReorg(publicClient, { last: undefined, checkpoints: () => [] })).toEqual({ status: 'canonical' })
    const head = await publicClient.getBlock({ blockTag: 'latest' })
    expect(await latestCheckpoint(publicClient)).toEqual({ block: head.number, hash: head.hash })
  })

  it('behavior: after a reorg the newest checkpoint below the fork is the ancestor, found newest first', async () => {
    const below = await mine(2)
    const snapshot = await testClient.snapshot()
    const orphaned = await mine(3)
    await testClient.revert({ id: snapshot })
    await testClient.increaseTime({ seconds: 1 }) // other timestamps: other blocks at the same heights
    const replacement = await mine(4)
    expect(replacement[0]!.block).toBe(orphaned[0]!.block)
    expect(replacement[0]!.hash).not.toBe(orphaned[0]!.hash)
    lookups = 0
    const check = await detectReorg(publicClient, { last: orphaned[2]!, checkpoints: newestFirst([...below, ...orphaned]) })
    expect(check).toEqual({ status: 'reorged', ancestor: below[1] })
    expect(lookups).toBe(1 + 3 + 1) // the last block, the three orphaned checkpoints, then the ancestor
  })

  it('behavior: when every checkpoint was replaced there is no ancestor; a chain shorter than the last block is judged later', async () => {
    const snapshot = await testClient.snapshot()
    const orphaned = await mine(2)
    await testClient.revert({ id: snapshot })
    expect(await detectReorg(publicClient, { last: orphaned[1]!, checkpoints: newestFirst(orphaned) })).toEqual({ status: 'behind' })
    await testClient.increaseTime({ seconds: 1 })
    await mine(3)
    expect(await detectReorg(publicClient, { last: orphaned[1]!, checkpoints: newestFirst(orphaned) })).toEqual({ status: 'reorged', ancestor: undefined })
  })
})
