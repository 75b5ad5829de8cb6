import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { bytesToHex, toHex } from 'viem'
import { afterAll, describe, expect, it } from 'vitest'
import { runDemo } from '../../src/cli/demo.ts'
import { terminateProver } from '../../src/circuits/index.ts'
import { decodeAddress } from '../../src/crypto/address.ts'
import { createLogger } from '../../src/log/index.ts'

// What the operator keeps: after the demo's payment, neither the node's database nor its logs
// (at debug level) hold the private transfer's amount, the parties' addresses and keys, or the
// memo. Deposit and withdrawal amounts are public on L1 by design and are not looked for.

const dir = mkdtempSync(join(tmpdir(), 'zkpay-privacy-'))
afterAll(async () => {
  await terminateProver()
  rmSync(dir, { recursive: true, force: true })
})

describe('privacy of the operator node', () => {
  it('default: the node database and debug logs contain no private amount, address, key or memo of the scenario', async () => {
    const logFile = join(dir, 'node.log')
    const result = await runDemo({ dir, logger: createLogger('devnet', { level: 'debug', destination: pino.destination({ dest: logFile, sync: true }) }), print: () => {} })

    const secrets: Record<string, string[]> = { memo: [result.memo, result.invoiceId, 'Coffee beans'] }
    for (const [who, address] of [['alice', result.alice], ['shop', result.shop]] as const) {
      const { ownerPk, vpk } = decodeAddress(address)
      secrets[who] = [address, toHex(ownerPk, { size: 32 }), ownerPk.toString(16), ownerPk.toString(), bytesToHex(vpk).slice(2)]
    }
    secrets.amount = [result.paid.toString(), result.paid.toString(16)]

    const logs = readFileSync(logFile, 'utf8')
    expect(logs).toMatch(/"msg":/) // the node did log, at debug level
    const dbFiles = readdirSync(join(dir, 'devnet-node')).map((f) => join(dir, 'devnet-node', f))
    expect(dbFiles.some((f) => f.endsWith('.sqlite'))).toBe(true)
    const haystacks = [['logs', logs], ...dbFiles.map((f) => [f, readFileSync(f).toString('latin1')])] as const
    const found: string[] = []
    for (const [where, text] of haystacks) {
      const lower = text.toLowerCase()
      for (const [kind, needles] of Object.entries(secrets)) for (const n of needles) if (lower.includes(n.toLowerCase())) found.push(`${kind} "${n}" in ${where}`)
    }
    expect(found).toEqual([])
    // The search does see into these files: the deposit's escrow (1 ETH and the devnet's fee of
    // 0.00001 ETH), public by design, is there.
    expect(haystacks.some(([where, text]) => where !== 'logs' && text.includes('1000010000000000000'))).toBe(true)
  })
})
