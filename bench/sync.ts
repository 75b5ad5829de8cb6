import { randomBytes } from 'node:crypto'
import { type Account, type Address, bytesToHex, type Chain, createPublicClient, createWalletClient, type Hex, http, type PublicClient, type Transport, type WalletClient } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { DEV_MNEMONIC } from '../src/cli/devnet.ts'
import { randomFieldElement } from '../src/crypto/field.ts'
import { deriveKeys, generateMnemonic, seedFromMnemonic } from '../src/crypto/keys.ts'
import { MerkleTree } from '../src/crypto/merkleTree.ts'
import { noteCommitment, type Outputs, TRANSFER_OUTPUTS } from '../src/crypto/note.ts'
import { encryptNotes } from '../src/crypto/noteEncryption.ts'
import { initCrypto } from '../src/crypto/poseidon.ts'
import { createWallet } from '../src/sdk/index.ts'
import { compileContracts } from '../src/settlement/compileContracts.ts'
import { BATCH_LEAVES } from '../src/crypto/batch.ts'
import { startAnvil } from '../src/settlement/startAnvil.ts'
import type { Row } from './crypto.ts'

const OUTPUTS = 10_000
/** 3,334 transactions of three outputs each: 10,002 outputs. */
const TRANSACTIONS = Math.ceil(OUTPUTS / TRANSFER_OUTPUTS)
const PER_BATCH = Math.floor(BATCH_LEAVES / TRANSFER_OUTPUTS)
const OURS_EVERY = 250 // one transaction in 250 pays the restored wallet
const RUNS = 3

type Settled = { nullifiers: [bigint, bigint]; commitments: Outputs<bigint>; epk: Hex; ciphertext0: Hex; ciphertext1: Hex; ciphertext2: Hex }

/** A chain whose L1 events announce 10,002 outputs, and the wallet to restore from them. */
export type SyncChain = {
  /** anvil's JSON-RPC URL (CORS allowed: a page may read it) */
  rpcUrl: string
  publicClient: PublicClient
  walletClient: WalletClient<Transport, Chain, Account>
  /** the bench-only contract that emits the Rollup's events: the wallet's `rollupAddress` */
  rollupAddress: Address
  /** its deployment block: the wallet's `fromBlock` */
  fromBlock: bigint
  /** the restored wallet's mnemonic */
  mnemonic: string
  /** the balance the restored wallet must find */
  expected: bigint
  /** the outputs a restore's figures count: 10,000 (10,002 are announced, 3,334 whole transactions of three) */
  outputs: number
  stop(): Promise<void>
}

/**
 * Starts anvil and announces 3,334 transactions (10,002 outputs, one transaction in 250 paying
 * the wallet of `mnemonic`) in batches of 21 through EventReplay, a bench-only contract that
 * emits the Rollup's events (proving 3,334 transfers would take hours). Batch roots are the real
 * ones of the leaves: a restore checks them against its tree. Stop it when done.
 *
 * @example
 * const chain = await startSyncChain(console.log)
 * try {
 *   const wallet = await createWallet({ mnemonic: chain.mnemonic, sequencerUrl: 'http://127.0.0.1:9', rollupAddress: chain.rollupAddress, fromBlock: chain.fromBlock, l1: chain })
 *   await wallet.sync() // wallet.balance() === chain.expected
 * } finally {
 *   await chain.stop()
 * }
 */
export async function startSyncChain(log: (line: string) => void): Promise<SyncChain> {
  await initCrypto()
  const mnemonic = generateMnemonic()
  const ours = deriveKeys(seedFromMnemonic(mnemonic))
  const strangers = Array.from({ length: 16 }, () => deriveKeys(randomBytes(32)))

  // 3,334 transactions (payment, change, fee note) in batches of 21, with their leaves' roots.
  const txs: Settled[] = []
  let expected = 0n
  for (let i = 0; i < TRANSACTIONS; i++) {
    const mine = i % OURS_EVERY === 0
    const to = mine ? ours : strangers[i % strangers.length]!
    const amount = 1_000n + BigInt(i)
    if (mine) expected += amount
    const payment = { asset: 0n, amount, ownerPk: to.ownerPk, blinding: randomFieldElement() }
    const change = { asset: 0n, amount: 7n, ownerPk: strangers[0]!.ownerPk, blinding: randomFieldElement() }
    const fee = { asset: 0n, amount: 1n, ownerPk: strangers[1]!.ownerPk, blinding: randomFieldElement() }
    const { epk, ciphertexts } = encryptNotes(
      [{ note: payment, memo: mine ? `payment ${i}` : undefined }, { note: change }, { note: fee }],
      [to.vpk, strangers[0]!.vpk, strangers[1]!.vpk],
    )
    txs.push({
      nullifiers: [randomFieldElement(), randomFieldElement()],
      // Only the wallet's own notes are checked against their commitment; others may be random.
      commitments: [mine ? noteCommitment(payment) : randomFieldElement(), randomFieldElement(), randomFieldElement()],
      epk: bytesToHex(epk),
      ciphertext0: bytesToHex(ciphertexts[0]!),
      ciphertext1: bytesToHex(ciphertexts[1]!),
      ciphertext2: bytesToHex(ciphertexts[2]!),
    })
  }
  log(`${txs.length} transactions, ${txs.length * TRANSFER_OUTPUTS} outputs, ${Math.ceil(txs.length / OURS_EVERY)} of them to the restored wallet`)

  const anvil = await startAnvil()
  try {
    const transport = http(anvil.rpcUrl)
    const publicClient = createPublicClient({ chain: foundry, transport, pollingInterval: 50 }) as PublicClient
    const walletClient = createWalletClient({ account: mnemonicToAccount(DEV_MNEMONIC), chain: foundry, transport })
    const { EventReplay } = compileContracts(['bench/contracts/EventReplay.sol'])
    const deployHash = await walletClient.deployContract({ abi: EventReplay!.abi, bytecode: EventReplay!.bytecode })
    const deployed = await publicClient.waitForTransactionReceipt({ hash: deployHash })
    const replay = deployed.contractAddress as Address
    const tree = new MerkleTree()
    for (let b = 0; b * PER_BATCH < txs.length; b++) {
      const batch = txs.slice(b * PER_BATCH, (b + 1) * PER_BATCH)
      const oldRoot = tree.root
      const startIndex = tree.size
      const leaves = new Array<bigint>(BATCH_LEAVES).fill(0n)
      batch.forEach((t, i) => t.commitments.forEach((c, k) => (leaves[TRANSFER_OUTPUTS * i + k] = c)))
      tree.insertMany(leaves)
      const hash = await walletClient.writeContract({
        address: replay,
        abi: EventReplay!.abi,
        functionName: 'replay',
        args: [BigInt(b + 1), oldRoot, tree.root, BigInt(startIndex), batch],
        gas: 15_000_000n,
      })
      const receipt = await publicClient.waitForTransactionReceipt({ hash })
      if (receipt.status !== 'success') throw new Error(`replaying batch ${b + 1} failed`)
    }
    log(`replayed ${Math.ceil(txs.length / PER_BATCH)} batches on anvil`)
    return { rpcUrl: anvil.rpcUrl, publicClient, walletClient, rollupAddress: replay, fromBlock: deployed.blockNumber, mnemonic, expected, outputs: OUTPUTS, stop: () => anvil.stop() }
  } catch (error) {
    await anvil.stop()
    throw error
  }
}

/**
 * Wallet restore (issue: SDK wallet): a wallet restored from its mnemonic into an empty store
 * syncs 10,000 outputs from L1 events (`startSyncChain`), on anvil through JSON-RPC: logs read
 * and decoded, every batch root checked against the local tree, every output trial-decrypted.
 * Everything the wallet does is the real path.
 *
 * @example
 * const rows = await benchSync(console.log) // `npm run bench sync`
 */
export async function benchSync(log: (line: string) => void): Promise<Row[]> {
  const chain = await startSyncChain(log)
  try {
    const times: number[] = []
    for (let run = 0; run < RUNS; run++) {
      const wallet = await createWallet({ mnemonic: chain.mnemonic, sequencerUrl: 'http://127.0.0.1:9', rollupAddress: chain.rollupAddress, fromBlock: chain.fromBlock, l1: chain })
      const t0 = performance.now()
      await wallet.sync()
      const seconds = (performance.now() - t0) / 1000
      if (wallet.balance() !== chain.expected) throw new Error(`restored balance ${wallet.balance()}, expected ${chain.expected}`)
      times.push(seconds)
      log(`restore ${run + 1}: ${seconds.toFixed(2)} s (${Math.round(OUTPUTS / seconds)} outputs/s), balance found`)
      wallet.store.close()
    }
    const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!
    return [
      { key: 'sync.restore10k', label: `Wallet restore from L1 over ${OUTPUTS.toLocaleString('en-US')} outputs (median of ${RUNS})`, value: median, unit: 's', target: '≤ 2' },
      { key: 'sync.restoreOutputsPerSecond', label: 'Wallet restore rate (logs, roots, trial decryption)', value: OUTPUTS / median, unit: 'outputs/s' },
    ]
  } finally {
    await chain.stop()
  }
}
