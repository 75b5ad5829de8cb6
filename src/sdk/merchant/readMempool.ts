import type { Hex } from 'viem'
import { MEMPOOL_PAGE_LIMIT } from '../../api/schemas.ts'
import { TRANSFER_OUTPUTS } from '../../crypto/note.ts'
import type { NodeClient } from '../nodeClient.ts'

/** A transaction the node has sequenced and not yet settled, as `/v1/mempool` lists it. */
export type MempoolTransaction = { id: string; commitments: Hex[]; epk: Hex; ciphertexts: Hex[] }

const HEX = /^0x[0-9a-fA-F]*$/
const isHexList = (xs: unknown): xs is Hex[] => Array.isArray(xs) && xs.every((x) => typeof x === 'string' && HEX.test(x))

/** The entry in the shape the API declares, or undefined (a buggy or hostile node's entry). */
function toTransaction(t: unknown): MempoolTransaction | undefined {
  const { id, commitments, epk, ciphertexts } = (t ?? {}) as Record<string, unknown>
  if ((typeof id !== 'string' && typeof id !== 'number') || typeof epk !== 'string' || !HEX.test(epk)) return undefined
  if (!isHexList(commitments) || !isHexList(ciphertexts) || commitments.length !== ciphertexts.length || commitments.length > TRANSFER_OUTPUTS) return undefined
  return { id: String(id), commitments, epk: epk as Hex, ciphertexts }
}

/**
 * Reads the node's mempool through its typed client, every page (`/v1/mempool?after=`): a flood of other
 * transactions must not hide a payment behind the first page. At most `maxPages` pages (default
 * 100, of 1,000 transactions each) bound a pass against a node that never ends its list, and a
 * cursor that does not move forward ends it too. Entries not in the declared shape are left out,
 * not allowed to stop every pass (the client is typed, the node is not trusted: each entry is
 * checked). Throws when the node does not answer, or not with a page.
 *
 * @example
 * const transactions = await readMempool(createNodeClient('http://127.0.0.1:8080', { timeoutMs: 10_000 }))
 */
export async function readMempool(node: NodeClient, options: { maxPages?: number } = {}): Promise<MempoolTransaction[]> {
  const { maxPages = 100 } = options
  const transactions: MempoolTransaction[] = []
  let after: number | null = 0
  for (let page = 0; after !== null && page < maxPages; page++) {
    const res = await node.v1.mempool.$get({ query: { after: String(after) } })
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`)
    const body = (await res.json()) as { transactions?: unknown; next?: unknown } | null
    if (!Array.isArray(body?.transactions)) throw new Error('no transactions array')
    // A page holds at most what the node's API serves: more is a hostile node's, and left out.
    for (const t of body.transactions.slice(0, MEMPOOL_PAGE_LIMIT)) {
      const tx = toTransaction(t)
      if (tx) transactions.push(tx)
    }
    after = typeof body.next === 'number' && body.next > after ? body.next : null
  }
  return transactions
}
