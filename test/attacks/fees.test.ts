import { bytesToHex, decodeFunctionData, getAddress, type Hex, parseEther, zeroAddress } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { terminateProver, toTransactionJson } from '../../src/circuits/index.ts'
import { encodeAddress } from '../../src/crypto/address.ts'
import { randomFieldElement } from '../../src/crypto/field.ts'
import { deriveKeys, generateMnemonic } from '../../src/crypto/keys.ts'
import type { Note, Outputs } from '../../src/crypto/note.ts'
import { encryptNotes } from '../../src/crypto/noteEncryption.ts'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import { Wallet } from '../../src/sdk/index.ts'
import { NodeWallet } from '../../src/sdk/wallet/nodeWallet.ts'
import type { FeePolicy } from '../../src/sequencer/index.ts'
import { deposit } from '../../src/settlement/deposit.ts'
import { rollupAbi } from '../../src/settlement/generated/contracts.ts'
import { startTestNode, type TestNode } from '../helpers/node.ts'
import { Actor, type Devnet, MerkleTree, startDevnet } from '../helpers/rollup.ts'

// Spam and fees, attacked with real proofs on anvil. The fee is a shielded note to the
// operator's address (the last output), which only the operator decrypts: a transfer that pays
// it shows the chain no more than one that does not, and admission refuses what does not pay.

const PRICE = parseEther('0.001')
const operatorKeys = () => deriveKeys(new Uint8Array(32).fill(0x77))
let devnet: Devnet
let node: TestNode
let policy: FeePolicy
let spammer: Actor
const open = (mnemonic: string) => new NodeWallet({ mnemonic, sequencerUrl: node.url, rollupAddress: devnet.rollup, fromBlock: devnet.deployBlock, l1: devnet.accounts[1]! })
const operatorAddress = () => ({ ownerPk: operatorKeys().ownerPk, vpk: operatorKeys().vpk })

beforeAll(async () => {
  await initCrypto()
  spammer = new Actor(91)
  devnet = await startDevnet()
  const keys = operatorKeys()
  policy = { address: encodeAddress({ ownerPk: keys.ownerPk, vpk: keys.vpk }, 'testnet'), vsk: keys.vsk, ownerPk: keys.ownerPk, prices: new Map([[0n, { amount: PRICE, decimals: 18 }]]) }
  node = await startTestNode(devnet, { fees: policy, depositMarginBlocks: 0n })
})

afterAll(async () => {
  await node?.stop()
  await devnet?.stop()
  await terminateProver()
})

/** A deposit of `total` by `actor` that pays `fee` as its fee note, escrowed on L1 (from dev account 1). */
async function depositPaying(actor: Actor, total: bigint, fee: bigint) {
  const proven = await actor.transact(new MerkleTree(), { asset: 0n, extAmount: total, feeNote: { to: operatorAddress(), amount: fee } })
  await deposit(devnet.accounts[1]!, { rollup: devnet.rollup, asset: zeroAddress, amount: total, extDataHash: proven.tx.extDataHash, commitments: proven.tx.commitments })
  return proven
}

/** The public part of a settled transaction, as anyone reads it from the batch's calldata. */
async function onChain(l1TxHash: Hex) {
  const { input } = await devnet.publicClient.getTransaction({ hash: l1TxHash })
  const { args } = decodeFunctionData({ abi: rollupAbi, data: input })
  return (args![2] as readonly { publicAmount: bigint; publicAsset: bigint; commitments: readonly bigint[]; extData: { recipient: string; extAmount: bigint; fee: bigint; ciphertext0: Hex; ciphertext1: Hex; ciphertext2: Hex } }[]).map((t) => ({
    publicAmount: t.publicAmount,
    publicAsset: t.publicAsset,
    outputs: t.commitments.length,
    recipient: t.extData.recipient,
    extAmount: t.extData.extAmount,
    fee: t.extData.fee,
    ciphertextBytes: [t.extData.ciphertext0, t.extData.ciphertext1, t.extData.ciphertext2].map((c) => (c.length - 2) / 2),
  }))
}

describe('a spammer', () => {
  it('a key that owns nothing proves zero-value transfers without a fee: each is refused with FEE_TOO_LOW naming the asset and the price, nothing waits, and an honest wallet that pays keeps settling', async () => {
    const flood = await Promise.all([0, 1, 2].map(() => spammer.transact(node.sequencer.tree, { asset: 0n })))
    // A fee note of nothing, to the right address: refused too.
    flood.push(await spammer.transact(node.sequencer.tree, { asset: 0n, feeNote: { to: operatorAddress(), amount: 0n } }))
    for (const { tx } of flood) {
      const { status, body } = await node.post(toTransactionJson(tx))
      expect(status).toBe(400)
      expect(body.code).toBe('FEE_TOO_LOW')
      expect(body.message).toContain(`${PRICE} base units (0.001) of ETH`)
    }
    expect((await node.store.getPendingSummary()).count).toBe(0)

    const alice = open(generateMnemonic())
    const bob = open(generateMnemonic())
    const deposited = await alice.deposit({ amount: parseEther('1') })
    expect(deposited.fee).toBe(PRICE)
    await deposited.wait('settled')
    expect(alice.balance()).toBe(parseEther('1')) // the escrow paid the fee on top
    const paid = await alice.transfer({ to: bob.address, amount: parseEther('0.4') })
    const settled = await paid.wait('settled')
    expect(alice.balance()).toBe(parseEther('0.6') - PRICE)
    await bob.sync()
    expect(bob.balance()).toBe(parseEther('0.4'))

    // The operator's own wallet finds both fees: notes it can spend.
    const operator = new NodeWallet({ seed: new Uint8Array(32).fill(0x77), sequencerUrl: node.url, rollupAddress: devnet.rollup, fromBlock: devnet.deployBlock, l1: devnet.accounts[0]! })
    await operator.sync()
    expect(operator.balance()).toBe(2n * PRICE)

    // What the chain shows of the paid private payment: nothing of its amount, asset or fee.
    const [payment] = await onChain(settled.l1TxHash! as Hex)
    expect(payment).toEqual({ publicAmount: 0n, publicAsset: 0n, outputs: 3, recipient: zeroAddress, extAmount: 0n, fee: 0n, ciphertextBytes: [214, 214, 214] })
  })

  it('a wallet whose balance covers the amount but not the fee is told INSUFFICIENT_BALANCE before anything is proven, and keeps its notes', async () => {
    const carol = open(generateMnemonic())
    const maxFee = PRICE // 10% of these small amounts: more than a wallet pays unless told to
    await (await carol.deposit({ amount: parseEther('0.01'), maxFee })).wait('settled')
    await expect(carol.transfer({ to: carol.address, amount: parseEther('0.01'), maxFee })).rejects.toMatchObject({ code: 'INSUFFICIENT_BALANCE' })
    await expect(carol.withdraw({ to: devnet.accounts[2]!.walletClient.account.address, amount: parseEther('0.01') - PRICE + 1n, maxFee })).rejects.toMatchObject({
      code: 'INSUFFICIENT_BALANCE',
    })
    expect(carol.notes().filter((n) => n.pending)).toEqual([])
    // Amount plus fee exactly: accepted.
    await (await carol.withdraw({ to: devnet.accounts[2]!.walletClient.account.address, amount: parseEther('0.01') - PRICE, maxFee })).wait('settled')
    expect(carol.balance()).toBe(0n)
  })

  it('a node that asks more than the wallet agreed to pay (1% of the amount, or maxFee) is refused with FEE_TOO_HIGH before anything is proven or escrowed', async () => {
    const dave = open(generateMnemonic())
    const payer = devnet.accounts[1]!.walletClient.account.address
    const before = await devnet.publicClient.getBalance({ address: payer })
    // 0.001 ETH on 0.05 ETH is 2%: refused by default, and below an explicit maxFee too.
    await expect(dave.deposit({ amount: parseEther('0.05') })).rejects.toMatchObject({ code: 'FEE_TOO_HIGH' })
    await expect(dave.deposit({ amount: parseEther('1'), maxFee: PRICE - 1n })).rejects.toMatchObject({ code: 'FEE_TOO_HIGH' })
    expect(await devnet.publicClient.getBalance({ address: payer })).toBe(before) // no escrow, no gas
    // A quote the node lies about is the quote paid, and no more: a wallet handed one never asks again.
    const honest = await dave.quoteFee(zeroAddress)
    await expect(dave.deposit({ amount: parseEther('0.2'), fee: { ...honest, amount: parseEther('0.01') } })).rejects.toMatchObject({ code: 'FEE_TOO_HIGH' })
  })

  it('a wallet with many small notes plans its merges before paying any fee: if the notes cannot cover the amount and every fee, nothing is spent', async () => {
    const erin = open(generateMnemonic())
    const maxFee = PRICE
    // Four notes of 0.004: 0.016 in all. Paying 0.012 takes two merges and the payment, three fees
    // (0.015 in all): it fits. Paying 0.0135 would need 0.0165: refused before any merge.
    for (let i = 0; i < 4; i++) await (await erin.deposit({ amount: parseEther('0.004'), maxFee })).wait('settled')
    await expect(erin.transfer({ to: erin.address, amount: parseEther('0.0135'), maxFee })).rejects.toMatchObject({ code: 'INSUFFICIENT_BALANCE' })
    expect(erin.balance()).toBe(parseEther('0.016')) // no merge was made
    const paid = await (await erin.transfer({ to: open(generateMnemonic()).address, amount: parseEther('0.012'), maxFee })).wait('settled')
    expect(paid.status).toMatch(/settled|final/)
    expect(erin.balance()).toBe(parseEther('0.016') - parseEther('0.012') - 3n * PRICE)
  })
})

describe('fee notes that do not pay', () => {
  let funded: { note: Note; leafIndex: number }
  let payer: Actor

  beforeAll(async () => {
    payer = new Actor(92)
    // 0.1 ETH of the payer's own, deposited with its fee.
    const tx = await depositPaying(payer, parseEther('0.1') + PRICE, PRICE)
    const { body } = await node.post(toTransactionJson(tx.tx))
    expect(body.code).toBeUndefined()
    await node.waitFor(body.id!, ['settled', 'final'])
    const leaf = (await node.store.listNotes(0, 10_000)).find((n) => n.commitment === tx.tx.commitments[1])!
    funded = { note: tx.change, leafIndex: leaf.leafIndex }
  })

  const refused = async (outputs: Outputs<Note>, recipients: Outputs<Uint8Array>, fakes: Partial<Record<number, Note>> = {}) => {
    // The ciphertexts say what `fakes` say where given: a fee note that lies about its amount.
    const { epk, ciphertexts } = encryptNotes(
      outputs.map((note, i) => ({ note: fakes[i] ?? note })),
      [...recipients],
    )
    const extData = { recipient: zeroAddress, extAmount: 0n, fee: 0n, epk: bytesToHex(epk), ciphertexts: ciphertexts.map((c) => bytesToHex(c)) as Outputs<Hex> }
    const tx = await payer.proveWithExtData(node.sequencer.tree, { asset: 0n, extData, inputs: [funded], outputs })
    return (await node.post(toTransactionJson(tx))).body
  }

  it('a fee below the price, a fee note to someone else, and a ciphertext that claims more than its commitment holds are FEE_TOO_LOW', async () => {
    const me = payer.keys.vpk
    const op = operatorKeys().vpk
    const stranger = deriveKeys(new Uint8Array(32).fill(0x78))
    const rest = (fee: bigint) => payer.note(0n, funded.note.amount - fee)
    const feeNote = (amount: bigint, to = operatorKeys()): Note => ({ asset: 0n, amount, ownerPk: to.ownerPk, blinding: randomFieldElement() })

    const low = await refused([rest(PRICE - 1n), payer.note(0n, 0n), feeNote(PRICE - 1n)], [me, me, op])
    expect(low).toMatchObject({ code: 'FEE_TOO_LOW' })
    expect(low.message).toContain(`It pays ${PRICE - 1n}; a transaction of ETH pays at least ${PRICE} base units`)

    const elsewhere = await refused([rest(PRICE), payer.note(0n, 0n), feeNote(PRICE, stranger)], [me, me, stranger.vpk])
    expect(elsewhere).toMatchObject({ code: 'FEE_TOO_LOW' })
    expect(elsewhere.message).toContain(`not a fee note to ${policy.address}`)

    const small = feeNote(1n)
    const lying = await refused([rest(1n), payer.note(0n, 0n), small], [me, me, op], { 2: { ...small, amount: PRICE } })
    expect(lying).toMatchObject({ code: 'FEE_TOO_LOW' })

    // None of them holds the note: it pays the fee the next time.
    const ok = await refused([rest(PRICE), payer.note(0n, 0n), feeNote(PRICE)], [me, me, op])
    expect(ok.code).toBeUndefined()
    await node.waitFor(ok.id!, ['settled', 'final'])
  })

  it('a public fee in the ext data does not pay the node, and a fee in an asset the node does not list is FEE_ASSET_UNSUPPORTED', async () => {
    // A deposit that tips the batch submitter publicly instead of paying the fee note.
    const tipped = await spammer.transact(node.sequencer.tree, { asset: 0n, extAmount: PRICE * 3n, fee: PRICE * 2n })
    expect((await node.post(toTransactionJson(tipped.tx))).body).toMatchObject({ code: 'FEE_TOO_LOW' })

    const token = BigInt('0x00000000000000000000000000000000000c0ffe')
    const other = await spammer.transact(node.sequencer.tree, { asset: token, feeNote: { to: operatorAddress(), amount: 0n } })
    const body = (await node.post(toTransactionJson(other.tx))).body
    expect(body.code).toBe('FEE_ASSET_UNSUPPORTED')
    expect(body.message).toContain(`It pays in ${getAddress('0x00000000000000000000000000000000000c0ffe')}`)
  })
})

describe('the mempool under a flood', () => {
  it('orders by fee per gas and pages through everything pending', async () => {
    const held = await startTestNode(devnet, { fees: policy, batchSize: 21, batchMaxAgeMs: 3_600_000, depositMarginBlocks: 0n })
    try {
      const ids: string[] = []
      for (const multiple of [1n, 3n, 2n]) {
        const actor = new Actor(100 + Number(multiple))
        const { tx } = await depositPaying(actor, parseEther('0.01') + multiple * PRICE, multiple * PRICE)
        const { body } = await held.post(toTransactionJson(tx))
        expect(body.code).toBeUndefined()
        ids.push(body.id!)
      }
      // Fee per gas: a fee of k prices ranks k·1000 (every transaction's gas is about the same).
      expect(await Promise.all(ids.map(async (id) => (await held.store.getTransaction(id))!.priority))).toEqual([1000, 3000, 2000])

      const pages: { transactions: { id: string }[]; next: number | null }[] = []
      let after = 0
      for (;;) {
        const page = await held.get<{ transactions: { id: string }[]; next: number | null }>(`/v1/mempool?limit=1&after=${after}`)
        pages.push(page)
        if (page.next === null) break
        after = page.next
      }
      expect(pages.flatMap((p) => p.transactions.map((t) => t.id))).toEqual(ids) // every one, in admission order
      expect(pages.length).toBe(4) // three full pages, then an empty one ends the list
      expect((await fetch(`${held.url}/v1/mempool?limit=100000`)).status).toBe(400)

      // Sealing takes the best payers first.
      const sealed = await held.store.sealBatch({ maxTransactions: 2 })
      expect(sealed!.transactions.map((t) => t.id)).toEqual([ids[1], ids[2]])
    } finally {
      await held.stop()
    }
  })
})
