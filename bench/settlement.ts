import { type Hex, hexToBytes, type TransactionReceipt, zeroAddress } from 'viem'
import { type ShieldedTransaction, terminateProver } from '../src/circuits/index.ts'
import { BATCH_TRANSFERS } from '../src/crypto/batch.ts'
import { TRANSFER_OUTPUTS } from '../src/crypto/note.ts'
import { initCrypto } from '../src/crypto/poseidon.ts'
import { deposit } from '../src/settlement/deposit.ts'
import { requestInclusion } from '../src/settlement/requestInclusion.ts'
import { submitBatch } from '../src/settlement/submitBatch.ts'
import { Actor, leafIndexes, MerkleTree, proveBatchFor, startDevnet } from '../test/helpers/rollup.ts'
import type { Row } from './crypto.ts'

/** Gas prices of the EVM (Cancun; EIP-1108 for the BN254 precompiles) used for the breakdown. */
const GAS = { tx: 21_000, ecMul: 6_000, ecAdd: 150, pairingBase: 45_000, pairingPerPair: 34_000, newSlot: 22_100, log: 375, logTopic: 375, logByte: 8 }

export type GasBreakdown = {
  total: number
  intrinsic: number
  calldata: number
  verification: number
  nullifiers: number
  events: number
  roots: number
  other: number
}

/**
 * What a batch of `n` private transfers costs on anvil, and where the gas goes. Calldata,
 * events, nullifier slots and the precompile calls are counted exactly by the EVM's prices;
 * "roots" is the root and counter bookkeeping by the same rules; "other" is the rest (ext-data
 * hashing, the batch seed, memory, loops, the known-root reads).
 */
function breakdown(receipt: TransactionReceipt, input: Hex, transactions: readonly ShieldedTransaction[], startIndex: number): GasBreakdown {
  const n = transactions.length
  const bytes = hexToBytes(input)
  const calldata = bytes.reduce((s, b) => s + (b === 0 ? 4 : 16), 0)
  const events = receipt.logs.reduce((s, l) => s + GAS.log + GAS.logTopic * l.topics.length + GAS.logByte * ((l.data.length - 2) / 2), 0)
  // Rollup._verifyProofs: a zero scalar costs no ecMul; every ecMul is followed by an ecAdd.
  // Public inputs: root, publicAmount, publicAsset, extDataHash, two nullifiers, three commitments.
  const publicInputs = 6 + TRANSFER_OUTPUTS
  const foldedNonZero = Array.from({ length: publicInputs }, (_, j) => j).filter((j) =>
    transactions.some((t) => [t.root, t.publicAmount, t.publicAsset, t.extDataHash, ...t.nullifiers, ...t.commitments][j] !== 0n),
  ).length
  const leaves = transactions.flatMap((t) => t.commitments).filter((c) => c !== 0n).length
  const ecMul = 2 * n + leaves + 1 + foldedNonZero + 2 + (startIndex === 0 ? 0 : 1) + 1
  const ecAdd = ecMul + 1
  const verification = GAS.ecMul * ecMul + GAS.ecAdd * ecAdd + GAS.pairingBase + GAS.pairingPerPair * (n + 6)
  const nullifiers = 2 * n * GAS.newSlot
  // knownRoots[newRoot] is a new slot; currentRoot and the packed counters are cold reads then writes.
  const roots = GAS.newSlot + 2 * (2_100 + 2_900)
  const total = Number(receipt.gasUsed)
  const counted = GAS.tx + calldata + verification + nullifiers + events + roots
  return { total, intrinsic: GAS.tx, calldata, verification, nullifiers, events, roots, other: total - counted }
}

/**
 * Gas per private transfer at N = 1, 8 and a full batch (21) (issue: settlement). Deposits fund
 * one note per transfer; each measured transfer then spends one note and pays another user, like
 * a payment, with its third output a zero fee note (a node without fees).
 */
export async function benchSettlement(log: (line: string) => void): Promise<{ rows: Row[]; extra: Record<string, unknown> }> {
  await initCrypto()
  const FULL = BATCH_TRANSFERS
  const sizes = [1, 8, FULL] as const
  const devnet = await startDevnet()
  const [sequencer, payer] = devnet.accounts as [(typeof devnet.accounts)[0], (typeof devnet.accounts)[0]]
  const tree = new MerkleTree()
  const alice = new Actor(1)
  const bob = new Actor(2)
  try {
    // Fund a note per measured transfer (1 + 8 + 21, and one forced inclusion): deposits of two
    // notes each (and a zero fee note), in one batch of at most 21.
    const needed = sizes.reduce((a, n) => a + n, 0) + 1
    const depositCount = Math.ceil(needed / 2)
    if (depositCount > FULL) throw new Error(`${depositCount} deposits do not fit one batch`)
    const notes: { note: ReturnType<Actor['note']>; leafIndex: number }[] = []
    const deposits: ShieldedTransaction[] = []
    const t0 = performance.now()
    let depositGas = 0n
    for (let i = 0; i < depositCount; i++) {
      const { tx, payment, change } = await alice.transact(tree, { asset: 0n, extAmount: 1_000n, pay: { to: alice, amount: 500n } })
      const { hash } = await deposit(payer, { rollup: devnet.rollup, asset: zeroAddress, amount: 1_000n, extDataHash: tx.extDataHash, commitments: tx.commitments })
      depositGas = (await devnet.publicClient.getTransactionReceipt({ hash })).gasUsed
      deposits.push(tx)
      const [paymentLeaf, changeLeaf] = leafIndexes(0, i) // the funding batch is the first, at leaf 0
      notes.push({ note: payment, leafIndex: paymentLeaf }, { note: change, leafIndex: changeLeaf })
    }
    const fund = await proveBatchFor(tree, devnet.rollup, deposits)
    if (fund.startIndex !== 0) throw new Error('the funding batch is not the first')
    const funded = await submitBatch(sequencer, fund)
    fund.commit()
    log(`funded ${notes.length} notes with ${depositCount} deposits in ${((performance.now() - t0) / 1000).toFixed(0)} s (deposit batch: ${funded.gasUsed} gas; one ETH deposit() call: ${depositGas} gas)`)

    const perTransfer: Record<string, number> = {}
    const breakdowns: Record<string, GasBreakdown> = {}
    for (const n of sizes) {
      const transactions: ShieldedTransaction[] = []
      for (let i = 0; i < n; i++) {
        const input = notes.shift()!
        transactions.push((await alice.transact(tree, { asset: 0n, inputs: [input], pay: { to: bob, amount: 300n } })).tx)
      }
      const batch = await proveBatchFor(tree, devnet.rollup, transactions)
      const { receipt, hash } = await submitBatch(sequencer, batch)
      batch.commit()
      const tx = await devnet.publicClient.getTransaction({ hash })
      const b = breakdown(receipt, tx.input, transactions, batch.startIndex)
      breakdowns[n] = b
      perTransfer[n] = Math.round(b.total / n)
      log(`N = ${n}: ${b.total.toLocaleString('en-US')} gas, ${perTransfer[n]!.toLocaleString('en-US')} per transfer`)
    }
    // Forced inclusion: what a user pays to queue a transfer, and what serving it adds to a batch.
    const forced = (await alice.transact(tree, { asset: 0n, inputs: [notes.shift()!], pay: { to: bob, amount: 300n } })).tx
    const requested = await requestInclusion(payer, { rollup: devnet.rollup, transaction: forced })
    const requestGas = (await devnet.publicClient.getTransactionReceipt({ hash: requested.hash })).gasUsed
    const serving = await proveBatchFor(tree, devnet.rollup, [forced])
    const served = await submitBatch(sequencer, serving)
    serving.commit()
    log(`requestInclusion: ${requestGas} gas; a batch of 1 serving it: ${served.gasUsed} gas (${Number(served.gasUsed) - perTransfer[1]!} more than N = 1)`)
    const perTx = (b: GasBreakdown, n: number) => Object.fromEntries(Object.entries(b).map(([k, v]) => [k, Math.round(v / n)]))
    const bFull = perTx(breakdowns[FULL]!, FULL)
    log(`N = ${FULL} per transfer: ${JSON.stringify(bFull)}`)
    const rows: Row[] = sizes.map((n) => ({
      key: `gasPerTransfer.${n}`,
      label: `Gas per private transfer, batch of ${n}`,
      value: perTransfer[n]!,
      unit: 'gas',
      ...(n === FULL ? { target: '≤ 150,000' } : {}),
    }))
    for (const [part, label] of [
      ['verification', 'verification (pairings, ecMul, ecAdd)'],
      ['nullifiers', 'nullifier storage'],
      ['calldata', 'calldata'],
      ['events', 'events'],
      ['roots', 'root bookkeeping'],
      ['intrinsic', 'transaction base cost'],
      ['other', 'other (ext-data hashing, checks, memory)'],
    ] as const) {
      rows.push({ key: `gasPerTransfer.${FULL}.${part}`, label: `… of which ${label}, N = ${FULL}`, value: bFull[part]!, unit: 'gas' })
    }
    rows.push(
      { key: 'gas.deposit', label: 'Gas of an ETH deposit() (escrow bound to the three output commitments)', value: Number(depositGas), unit: 'gas' },
      { key: 'gas.requestInclusion', label: 'Gas of requestInclusion (the transfer checked and its proof verified on L1)', value: Number(requestGas), unit: 'gas' },
      { key: 'gas.servedInclusion', label: 'Gas of a one-transfer batch that serves an inclusion request', value: Number(served.gasUsed), unit: 'gas' },
    )
    return {
      rows,
      extra: {
        gasPerTransfer: perTransfer,
        gasBreakdown: Object.fromEntries(sizes.map((n) => [n, { batch: breakdowns[n], perTransfer: perTx(breakdowns[n]!, n) }])),
      },
    }
  } finally {
    await devnet.stop()
    await terminateProver()
  }
}
