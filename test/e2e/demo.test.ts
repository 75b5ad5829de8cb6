import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

// `npm start` runs `zkpay demo`: a devnet, real proofs, real batches, real L1 transactions.

describe('zkpay demo (npm start)', () => {
  it('default: deposits, pays an invoice privately, the shop sees it paid then settled, withdraws, and exits 0', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['bin/zkpay.js', 'demo'], { timeout: 300_000 })
    expect(stdout).toMatch(/Alice's shielded balance: 1 ETH/)
    expect(stdout).toMatch(/zkpay:zkpt1\w+\?amount=0\.25&memo=/)
    expect(stdout).toMatch(/the shop sees invoice inv_\w{12}: paid \(sequenced/)
    expect(stdout).toMatch(/invoice inv_\w{12}: paid 0\.25 ETH — settled on L1 \(0x[0-9a-f]{64}\)/)
    expect(stdout).toMatch(/Bob's wallet holds it: 0\.25 ETH, memo "inv_\w{12} Coffee beans"/)
    expect(stdout).toMatch(/Bob's L1 balance \+0\.1 ETH/)
    // Each of the three transactions paid the devnet's fee (0.00001 ETH) as a note to the operator.
    expect(stdout).toMatch(/sequenced \(0x\w+…\), fee 0\.00001 ETH paid as a shielded note to the operator/)
    expect(stdout).toMatch(/Alice shielded: 0\.74999 ETH {3}Bob shielded: 0\.14999 ETH/)
    expect(stdout).toMatch(/the operator collected 0\.00003 ETH in fees/)
    expect(stdout).toMatch(/L1 transactions: (0x[0-9a-f]{64}, ){2}0x[0-9a-f]{64}/)
  })
})
