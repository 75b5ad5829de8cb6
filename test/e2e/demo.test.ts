import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

// `npm start` runs `zkpay demo`: a devnet, real proofs, real batches, real L1 transactions.

describe('zkpay demo (npm start)', () => {
  it('default: deposits, pays an invoice privately, sees it settled, withdraws, and exits 0', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'demo'], { timeout: 300_000 })
    expect(stdout).toMatch(/Alice's shielded balance: 1 ETH/)
    expect(stdout).toMatch(/Bob finds it with his viewing key: 0\.25 ETH, memo "invoice #42"/)
    expect(stdout).toMatch(/invoice #42: paid 0\.25 ETH — settled on L1 \(0x[0-9a-f]{64}\)/)
    expect(stdout).toMatch(/Bob's L1 balance \+0\.1 ETH/)
    expect(stdout).toMatch(/Alice shielded: 0\.75 ETH {3}Bob shielded: 0\.15 ETH/)
  })
})
