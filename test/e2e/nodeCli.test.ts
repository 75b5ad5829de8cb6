import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runZkpay } from '../helpers/cli.ts'
import { freePort } from '../helpers/nodeProcess.ts'

// `zkpay node` as an operator starts it against an RPC that is not there, or not right: one
// line with a stable code and a sentence naming the RPC by its origin (never the path, query
// or user info, where providers put tokens), exit 2, no stack. No chain is needed.

const TOKEN = 'sk_live_0123456789abcdef'
let dir: string
let rpc: Server
let rpcPort: number
let requests = 0

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'zkpay-node-cli-'))
  // An RPC behind a proxy that fails: 502 to everything, the request's path echoed back.
  rpc = createServer((req, res) => {
    requests++
    res.writeHead(502, { 'content-type': 'text/plain' }).end(`bad gateway for ${req.url}`)
  })
  await new Promise<void>((resolve) => rpc.listen(0, '127.0.0.1', resolve))
  rpcPort = (rpc.address() as AddressInfo).port
})

afterAll(async () => {
  await new Promise((resolve) => rpc?.close(resolve))
  if (dir) rmSync(dir, { recursive: true, force: true })
})

/** `zkpay node` with the operator's environment and `rpcUrl`; the developer's own ZKPAY_* settings stay out. */
const node = (rpcUrl: string, args: string[] = []) =>
  runZkpay(['node', '--rpc-url', rpcUrl, '--rollup', `0x${'00'.repeat(19)}01`, '--data-dir', dir, '--port', '0', ...args], {
    env: { ZKPAY_OPERATOR_KEY: `0x${'11'.repeat(32)}`, ZKPAY_OPERATOR_KEY_ENV: undefined, ZKPAY_DEPLOYMENT: undefined, ZKPAY_REPLICA_ID: undefined, ZKPAY_DATABASE_URL: undefined, ZKPAY_DEBUG: undefined, ZKPAY_LOG_LEVEL: 'silent' },
    timeoutMs: 60_000,
  })

describe('zkpay node against an RPC it cannot use', () => {
  it('error: a closed port is L1_UNREACHABLE naming the origin only, in one line, exit 2', async () => {
    const port = await freePort()
    const r = await node(`http://operator:${TOKEN}@127.0.0.1:${port}/v3/${TOKEN}?key=${TOKEN}`)
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
      code: 2,
      stdout: '',
      stderr: `error L1_UNREACHABLE: The L1 RPC at http://127.0.0.1:${port} cannot be reached: check the URL and that the chain runs.\n`,
    })
  })

  it('error: an RPC whose proxy answers 502 is L1_UNREACHABLE with the status, and nothing of the URL but its origin', async () => {
    const before = requests
    const r = await node(`http://127.0.0.1:${rpcPort}/v3/${TOKEN}`)
    expect(requests).toBeGreaterThan(before)
    expect([r.code, r.stderr]).toEqual([2, `error L1_UNREACHABLE: The L1 RPC at http://127.0.0.1:${rpcPort} cannot be reached (HTTP 502): check the URL and that the chain runs.\n`])
    expect(r.stdout + r.stderr).not.toContain(TOKEN)
  })

  it('error: a bad --replica-id is CONFIG_INVALID naming the setting, before any RPC call', async () => {
    const before = requests
    const r = await node(`http://127.0.0.1:${rpcPort}`, ['--replica-id', 'api 1'])
    expect([r.code, r.stderr]).toEqual([2, expect.stringMatching(/^error CONFIG_INVALID: .*\(ZKPAY_REPLICA_ID\) is invalid: expected 1 to 64 letters, .*\.\n$/)])
    expect(requests).toBe(before)
  })

  it('error: --prover-job-queue without a Postgres database is CONFIG_INVALID, before any RPC call', async () => {
    const before = requests
    const r = await node(`http://127.0.0.1:${rpcPort}`, ['--prover-job-queue'])
    expect([r.code, r.stderr]).toEqual([2, 'error CONFIG_INVALID: The prover job queue lives in the Postgres database: set ZKPAY_DATABASE_URL (--database-url) too.\n'])
    expect(requests).toBe(before)
  })
})

describe('zkpay node --role', () => {
  it('error: --role api or sequencer without a Postgres database is CONFIG_INVALID, before any RPC call', async () => {
    for (const role of ['api', 'sequencer']) {
      const before = requests
      const r = await node(`http://127.0.0.1:${rpcPort}`, ['--role', role])
      expect([r.code, r.stderr]).toEqual([2, `error CONFIG_INVALID: Role ${role} shares its state with the other roles through Postgres: set ZKPAY_DATABASE_URL (--database-url), or run role all.\n`])
      expect(requests).toBe(before)
    }
  })

  it('error: an unknown role is CONFIG_INVALID naming the setting and the roles', async () => {
    const r = await node(`http://127.0.0.1:${rpcPort}`, ['--role', 'prover'])
    expect([r.code, r.stderr]).toEqual([2, expect.stringMatching(/^error CONFIG_INVALID: .*\(ZKPAY_NODE_ROLE\) is invalid: expected one of all, api, sequencer\.\n$/)])
  })

  it('behavior: an api replica needs no operator key: without one it gets as far as the RPC', async () => {
    const r = await runZkpay(['node', '--role', 'api', '--database-url', 'postgres://zkpay@127.0.0.1:1/zkpay', '--rpc-url', `http://127.0.0.1:${rpcPort}`, '--rollup', `0x${'00'.repeat(19)}01`, '--port', '0'], {
      env: { ZKPAY_OPERATOR_KEY: undefined, ZKPAY_OPERATOR_KEY_ENV: undefined, ZKPAY_DEPLOYMENT: undefined, ZKPAY_DATABASE_URL: undefined, ZKPAY_LOG_LEVEL: 'silent' },
      timeoutMs: 60_000,
    })
    expect([r.code, r.stderr]).toEqual([2, `error L1_UNREACHABLE: The L1 RPC at http://127.0.0.1:${rpcPort} cannot be reached (HTTP 502): check the URL and that the chain runs.\n`])
  })
})
