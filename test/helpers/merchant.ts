// Payments to a merchant without proofs: real note encryption (what a wallet's transaction
// carries), handed to the merchant as observed outputs from the mempool or an L1 batch.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { bytesToHex, createPublicClient, type Hex, http, type PublicClient, toHex, zeroAddress } from 'viem'
import { type AccountKeys, deriveKeys } from '../../src/crypto/keys.ts'
import { randomFieldElement } from '../../src/crypto/field.ts'
import { noteCommitment } from '../../src/crypto/note.ts'
import { encryptNotes } from '../../src/crypto/noteEncryption.ts'
import { exportViewingKey } from '../../src/crypto/viewingKeys.ts'
import type { ObservedOutput } from '../../src/sdk/merchant/index.ts'
import type { MempoolTransaction } from '../../src/sdk/merchant/readMempool.ts'

export const merchantKeys = (seedByte = 7): AccountKeys => deriveKeys(new Uint8Array(32).fill(seedByte))
export const incomingKey = (keys: AccountKeys) => exportViewingKey(keys, 'incoming', 'testnet')

/** A client for a chain nobody runs: unit tests feed outputs with `ingest` and never reach it. */
export const offlineClient = () => createPublicClient({ transport: http('http://127.0.0.1:9') }) as PublicClient
export const unitMerchantOptions = (keys: AccountKeys) => ({
  viewingKey: incomingKey(keys),
  sequencerUrl: 'http://127.0.0.1:9',
  publicClient: offlineClient(),
  rollupAddress: zeroAddress,
  fromBlock: 0n,
})

let txCounter = 0

/**
 * A transaction paying `amount` of `asset` to `to` at output 0 with `memo`, change to a stranger at
 * output 1 and a fee note to an operator at output 2 (every transaction has these three outputs),
 * as the mempool shows it; `settle()` gives the same outputs as an L1 batch.
 */
export function payment(to: AccountKeys, p: { amount: bigint; memo?: string; asset?: bigint }) {
  const stranger = deriveKeys(new Uint8Array(32).fill(99))
  const operator = deriveKeys(new Uint8Array(32).fill(98))
  const notes = [
    { asset: p.asset ?? 0n, amount: p.amount, ownerPk: to.ownerPk, blinding: randomFieldElement() },
    { asset: p.asset ?? 0n, amount: 5n, ownerPk: stranger.ownerPk, blinding: randomFieldElement() },
    { asset: p.asset ?? 0n, amount: 1n, ownerPk: operator.ownerPk, blinding: randomFieldElement() },
  ]
  const { epk, ciphertexts } = encryptNotes(
    notes.map((note, i) => ({ note, ...(i === 0 && p.memo !== undefined ? { memo: p.memo } : {}) })),
    [to.vpk, stranger.vpk, operator.vpk],
  )
  const txId = `tx_${++txCounter}`
  const outputs = (extra: Partial<ObservedOutput> & Pick<ObservedOutput, 'source'>): ObservedOutput[] =>
    notes.map((note, i) => ({ txId, outputIndex: i, commitment: noteCommitment(note), epk, ciphertext: ciphertexts[i]!, ...extra }))
  return {
    commitment: noteCommitment(notes[0]!),
    mempool: () => outputs({ source: 'mempool' }),
    settle: (blockNumber: bigint, extra: { timestamp?: number } = {}) =>
      outputs({ source: 'l1', blockNumber, leafIndex: 64, l1TxHash: `0x${'ab'.repeat(32)}` as Hex, ...extra }).map((o, i) => ({ ...o, leafIndex: 64 + i })),
  }
}

/** A transaction's outputs (`payment(…).mempool()`) as the node's `/v1/mempool` lists them. */
export const asMempool = (os: ObservedOutput[]): MempoolTransaction => ({
  id: os[0]!.txId!,
  commitments: os.map((o) => toHex(o.commitment as bigint, { size: 32 })),
  epk: bytesToHex(os[0]!.epk as Uint8Array),
  ciphertexts: os.map((o) => (typeof o.ciphertext === 'string' ? o.ciphertext : bytesToHex(o.ciphertext))),
})

/** A chain at block 5 with no rollup events: the head (and the reorg check) as eth_getBlockByNumber, eth_getLogs empty. */
export const emptyChain = () => {
  const head = { number: '0x5', hash: `0x${'5'.repeat(64)}` }
  return { getBlockNumber: async () => 5n, request: async ({ method }: { method: string }) => (method === 'eth_getBlockByNumber' ? head : method === 'eth_chainId' ? '0x7a69' : []) } as unknown as PublicClient
}

/** A node on loopback whose `/v1/mempool` lists `transactions` (anything, for hostile entries) in one page. */
export async function startMempoolNode() {
  let transactions: unknown[] = []
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ transactions, next: null })))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    list(txs: unknown[]) {
      transactions = txs
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
