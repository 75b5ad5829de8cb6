import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import { createMerchant } from '../../src/sdk/merchant/index.ts'
import { incomingKey, merchantKeys } from '../helpers/merchant.ts'
import { type Devnet, startDevnet } from '../helpers/rollup.ts'

// A merchant store outliving its devnet: anvil restarted deploys the rollup at the same address
// on chain 31337, so without a binding the old store would show yesterday's payments on today's
// chain. Two real anvils in sequence; no node runs, so a pass ends NODE_UNREACHABLE after its L1
// part (where the binding is checked and written).

const dir = mkdtempSync(join(tmpdir(), 'zkpay-merchant-network-'))
let devnet: Devnet | undefined

beforeAll(() => initCrypto())
afterAll(async () => {
  await devnet?.stop()
  rmSync(dir, { recursive: true, force: true })
})

/** One pass of a merchant on `store` against `d`: its error code, or 'ok'. */
async function pass(d: Devnet, store: string): Promise<string> {
  const merchant = await createMerchant({ viewingKey: incomingKey(merchantKeys()), sequencerUrl: 'http://127.0.0.1:9', publicClient: d.publicClient, rollupAddress: d.rollup, fromBlock: d.deployBlock, store })
  try {
    await merchant.sync()
    return 'ok'
  } catch (e) {
    return `${(e as { code?: string }).code}: ${(e as { shortMessage?: string }).shortMessage}`
  } finally {
    await merchant.close()
  }
}

describe('merchant store and deployment', () => {
  it('error: a store synced on one devnet is WRONG_NETWORK on a restarted one (same rollup address, same chain id); a new store works', async () => {
    const store = join(dir, 'merchant.db')
    devnet = await startDevnet()
    const yesterday = { rollup: devnet.rollup, deployBlock: devnet.deployBlock, chainId: await devnet.publicClient.getChainId() }
    expect(await pass(devnet, store)).toMatch(/^NODE_UNREACHABLE/)
    expect(await pass(devnet, store)).toMatch(/^NODE_UNREACHABLE/)
    await devnet.stop()
    // anvil's genesis carries its start time: a second apart, the deployment block's hash differs.
    await new Promise((resolve) => setTimeout(resolve, 1_100))

    devnet = await startDevnet()
    expect({ rollup: devnet.rollup, deployBlock: devnet.deployBlock, chainId: await devnet.publicClient.getChainId() }).toEqual(yesterday)
    expect(await pass(devnet, store)).toMatch(/^WRONG_NETWORK: This merchant store belongs to another deployment of the rollup at 0x[0-9a-fA-F]{40} \(a restarted devnet deploys at the same address\): use a new merchant store \(--store\)\.$/)
    expect(await pass(devnet, join(dir, 'fresh.db'))).toMatch(/^NODE_UNREACHABLE/)
  })
})
