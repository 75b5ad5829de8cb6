import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { type Abi, type Address, decodeErrorResult, encodeDeployData, erc20Abi, getAddress, type Hex, keccak256, toFunctionSelector, zeroAddress } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ShieldedTransaction, terminateProver } from '../../src/circuits/index.ts'
import { extDataHash } from '../../src/crypto/extData.ts'
import { FIELD_SIZE, randomFieldElement } from '../../src/crypto/field.ts'
import type { Note } from '../../src/crypto/note.ts'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import { claim } from '../../src/settlement/claim.ts'
import type { SettlementClients } from '../../src/settlement/clients.ts'
import { compileContracts } from '../../src/settlement/compileContracts.ts'
import { deployTestToken } from '../../src/settlement/deployTestToken.ts'
import { deposit } from '../../src/settlement/deposit.ts'
import { rollupAbi, rollupBytecode, testTokenAbi } from '../../src/settlement/generated/contracts.ts'
import { deployRollup } from '../../src/settlement/deployRollup.ts'
import { readRollupState } from '../../src/settlement/readRollupState.ts'
import { reclaimDeposit } from '../../src/settlement/reclaimDeposit.ts'
import { toSettlementError } from '../../src/settlement/sendRollupTransaction.ts'
import { toRollupTransfer } from '../../src/settlement/rollupTransfer.ts'
import { submitBatch } from '../../src/settlement/submitBatch.ts'
import { syncFromL1 } from '../../src/settlement/syncFromL1.ts'
import { Actor, type Devnet, leafIndexes, MerkleTree, proveBatchFor, startDevnet } from '../helpers/rollup.ts'

// Rollup.sol on a real anvil with real proofs: deposits, transfers and withdrawals of ETH and
// two kinds of ERC-20, batches of one and of several, every revert by name, the escape hatch,
// deferred payouts, reentrancy, and the state rebuilt from events alone. The tests run in
// order and share one chain, the way a rollup's life does.

const ETH = 0n
const ESCAPE_DELAY = 50n
const DEPOSIT_TIMEOUT = 10n
const testContracts = compileContracts(['contracts/test/NoBoolToken.sol', 'contracts/test/Reentrant.sol', 'contracts/test/TestToken.sol'])

let devnet: Devnet
let sequencer: SettlementClients
let aliceL1: SettlementClients
let bobL1: SettlementClients
let rollup: Address
let token: Address
let noBoolToken: Address
let tree: MerkleTree
let alice: Actor
let bob: Actor
type Owned = { note: Note; leafIndex: number }

async function deployTest(name: string, args: readonly unknown[] = []): Promise<Address> {
  const { abi, bytecode } = testContracts[name]!
  const hash = await sequencer.walletClient.deployContract({ abi, bytecode, args, gas: 3_000_000n })
  return (await devnet.publicClient.waitForTransactionReceipt({ hash })).contractAddress!
}

async function write(clients: SettlementClients, address: Address, abi: Abi, functionName: string, args: readonly unknown[]) {
  const hash = await clients.walletClient.writeContract({ address, abi, functionName, args, gas: 500_000n, chain: null } as never)
  const receipt = await devnet.publicClient.waitForTransactionReceipt({ hash })
  expect(receipt.status).toBe('success')
}

const read = (address: Address, abi: Abi, functionName: string, args: readonly unknown[] = []) =>
  devnet.publicClient.readContract({ address, abi, functionName, args }) as Promise<unknown>

/** Calls the rollup without the SDK's argument checks, for reverts the SDK would catch first. */
async function simulate(clients: SettlementClients, functionName: string, args: readonly unknown[], value = 0n) {
  try {
    await devnet.publicClient.simulateContract({ address: rollup, abi: rollupAbi, functionName, args, value, account: clients.walletClient.account } as never)
  } catch (error) {
    throw toSettlementError(error, functionName)
  }
}

const rejectsWith = (promise: Promise<unknown>, errorName: string, args?: Record<string, bigint | string>) =>
  expect(promise).rejects.toMatchObject({ name: 'RollupRevertedError', code: 'ROLLUP_REVERTED', errorName, ...(args ? { args } : {}) })

/** A copy of `tx` with some fields replaced, and its ext-data hash recomputed when asked. */
function tamper(tx: ShieldedTransaction, change: Partial<ShieldedTransaction>, extData?: Partial<ShieldedTransaction['extData']>, rehash = false) {
  const out = { ...tx, ...change, extData: { ...tx.extData, ...extData } }
  if (rehash) out.extDataHash = extDataHash(out.extData)
  return out
}

beforeAll(async () => {
  await initCrypto()
  tree = new MerkleTree()
  alice = new Actor(1)
  bob = new Actor(2)
  devnet = await startDevnet({ escapeDelay: ESCAPE_DELAY, depositTimeout: DEPOSIT_TIMEOUT })
  ;[sequencer, aliceL1, bobL1] = devnet.accounts as [SettlementClients, SettlementClients, SettlementClients]
  rollup = devnet.rollup
  token = await deployTestToken(sequencer, { name: 'Test Dollar', symbol: 'TUSD' })
  noBoolToken = await deployTest('NoBoolToken')
  await write(sequencer, token, testTokenAbi, 'mint', [aliceL1.walletClient.account.address, 1_000_000n])
  await write(sequencer, noBoolToken, testContracts.NoBoolToken!.abi, 'mint', [bobL1.walletClient.account.address, 1_000_000n])
})

afterAll(async () => {
  await devnet?.stop()
  await terminateProver()
})

const ethBalance = (address: Address) => devnet.publicClient.getBalance({ address })
const tokenBalance = (asset: Address, address: Address) => read(asset, erc20Abi, 'balanceOf', [address]) as Promise<bigint>
const freshAddress = () => privateKeyToAccount(generatePrivateKey()).address

let aliceEth: Owned
let spentWithdrawal: ShieldedTransaction

describe('Rollup.sol on anvil', () => {
  it('default: the deployed rollup starts at the empty tree, with the sequencer and delays it was given', async () => {
    const state = await readRollupState(devnet.publicClient, { rollup })
    expect(state.currentRoot).toBe(tree.root)
    expect(state.nextLeafIndex).toBe(0n)
    expect(state.batchCount).toBe(0n)
    expect(state.sequencer).toBe(sequencer.walletClient.account.address)
    expect(state.escapeDelay).toBe(ESCAPE_DELAY)
    expect(state.depositTimeout).toBe(DEPOSIT_TIMEOUT)
    expect(await read(rollup, rollupAbi, 'knownRoots', [tree.root])).toBe(true)
  })

  it('default: an ETH deposit settles in a batch of one, and only once its funds are escrowed', async () => {
    const { tx, change } = await alice.transact(tree, { asset: ETH, extAmount: 1000n })
    const batch = await proveBatchFor(tree, rollup, [tx])
    await rejectsWith(submitBatch(sequencer, batch), 'Rollup__DepositNotEscrowed', { txIndex: 0n })

    const { key } = await deposit(aliceL1, { rollup, asset: zeroAddress, amount: 1000n, extDataHash: tx.extDataHash, commitments: tx.commitments })
    expect(await read(rollup, rollupAbi, 'escrows', [key])).toEqual([aliceL1.walletClient.account.address, expect.any(BigInt), 0])
    expect(await ethBalance(rollup)).toBe(1000n)

    const { receipt } = await submitBatch(sequencer, batch)
    batch.commit()
    const state = await readRollupState(devnet.publicClient, { rollup })
    expect(state.currentRoot).toBe(tree.root)
    expect(state.nextLeafIndex).toBe(64n)
    expect(state.batchCount).toBe(1n)
    expect(state.lastSequencerBatchBlock).toBe(receipt.blockNumber)
    expect(await read(rollup, rollupAbi, 'escrows', [key])).toEqual([zeroAddress, 0n, 0])
    expect(await read(rollup, rollupAbi, 'nullifierSpent', [tx.nullifiers[0]])).toBe(true)
    expect(await read(rollup, rollupAbi, 'nullifierSpent', [tx.nullifiers[1]])).toBe(true)
    aliceEth = { note: change, leafIndex: leafIndexes(batch.startIndex, 0)[1] }
    expect(tree.leaf(aliceEth.leafIndex)).toBe(tx.commitments[1])
  })

  it('default: an ETH withdrawal pays its recipient and owes the fee to the fee recipient, who claims it', async () => {
    const recipient = freshAddress()
    const { tx, change } = await alice.transact(tree, { asset: ETH, inputs: [aliceEth], extAmount: -300n, fee: 10n, recipient })
    expect(tx.publicAmount).toBe(FIELD_SIZE - 310n)
    expect(tx.publicAsset).toBe(ETH)
    const batch = await proveBatchFor(tree, rollup, [tx])
    const feeRecipient = sequencer.walletClient.account.address
    await submitBatch(sequencer, { ...batch, feeRecipient })
    batch.commit()
    expect(await ethBalance(recipient)).toBe(300n)
    expect(await ethBalance(rollup)).toBe(700n)
    expect(await read(rollup, rollupAbi, 'owed', [feeRecipient, zeroAddress])).toBe(10n)

    await claim(sequencer, { rollup, asset: zeroAddress })
    expect(await read(rollup, rollupAbi, 'owed', [feeRecipient, zeroAddress])).toBe(0n)
    expect(await ethBalance(rollup)).toBe(690n)
    await rejectsWith(claim(sequencer, { rollup, asset: zeroAddress }), 'Rollup__NothingToClaim')
    aliceEth = { note: change, leafIndex: leafIndexes(batch.startIndex, 0)[1] }
    expect(change.amount).toBe(690n)
    spentWithdrawal = tx
  })

  let batch3: Awaited<ReturnType<typeof proveBatchFor>>
  let depositToken: ShieldedTransaction
  let depositNoBool: ShieldedTransaction
  let privateTransfer: ShieldedTransaction
  let aliceToken: Owned
  let bobNoBool: Owned
  let bobEth: Owned

  it('error: each check of a transaction reverts with its own error and index before any proof is checked', async () => {
    const tokenAsset = BigInt(token)
    const a = await alice.transact(tree, { asset: tokenAsset, extAmount: 5000n })
    const b = await bob.transact(tree, { asset: BigInt(noBoolToken), extAmount: 700n })
    const c = await alice.transact(tree, { asset: ETH, inputs: [aliceEth], pay: { to: bob, amount: 500n } })
    ;[depositToken, depositNoBool, privateTransfer] = [a.tx, b.tx, c.tx]
    expect(privateTransfer.publicAmount).toBe(0n)
    expect(privateTransfer.publicAsset).toBe(0n) // a pure transfer hides its asset
    batch3 = await proveBatchFor(tree, rollup, [depositToken, depositNoBool, privateTransfer])
    aliceToken = { note: a.change, leafIndex: leafIndexes(batch3.startIndex, 0)[1] }
    bobNoBool = { note: b.change, leafIndex: leafIndexes(batch3.startIndex, 1)[1] }
    bobEth = { note: c.payment, leafIndex: leafIndexes(batch3.startIndex, 2)[0] }
    aliceEth = { note: c.change, leafIndex: leafIndexes(batch3.startIndex, 2)[1] }

    // Nothing escrowed yet: the first deposit transaction is refused.
    await rejectsWith(submitBatch(sequencer, batch3), 'Rollup__DepositNotEscrowed', { txIndex: 0n })
    await deposit(aliceL1, { rollup, asset: token, amount: 5000n, extDataHash: depositToken.extDataHash, commitments: depositToken.commitments })
    // NoBoolToken's approve returns nothing, so approve with its own ABI; deposit() then sees the allowance.
    await write(bobL1, noBoolToken, testContracts.NoBoolToken!.abi, 'approve', [rollup, 700n])
    await deposit(bobL1, { rollup, asset: noBoolToken, amount: 700n, extDataHash: depositNoBool.extDataHash, commitments: depositNoBool.commitments })
    expect(await tokenBalance(token, rollup)).toBe(5000n)
    expect(await tokenBalance(noBoolToken, rollup)).toBe(700n)

    const at = (i: number, tx: ShieldedTransaction) => ({ ...batch3, transactions: batch3.transactions.map((t, j) => (j === i ? tx : t)) })
    const root = await read(rollup, rollupAbi, 'currentRoot')
    await rejectsWith(submitBatch(sequencer, { ...batch3, oldRoot: batch3.oldRoot + 1n }), 'Rollup__StaleRoot', { currentRoot: root as bigint, oldRoot: batch3.oldRoot + 1n })
    await rejectsWith(submitBatch(sequencer, { ...batch3, newRoot: FIELD_SIZE }), 'Rollup__InvalidNewRoot')
    const args = (transfers: ShieldedTransaction[]) => [batch3.oldRoot, batch3.newRoot, transfers.map(toRollupTransfer), batch3.batchProof, zeroAddress]
    await rejectsWith(simulate(sequencer, 'submitBatch', args([])), 'Rollup__BatchSize', { transfers: 0n })
    // 21 transactions of 3 outputs fill 63 of a batch's 64 leaves: a 22nd does not fit.
    await rejectsWith(simulate(sequencer, 'submitBatch', args(Array(22).fill(privateTransfer))), 'Rollup__BatchSize', { transfers: 22n })
    await rejectsWith(
      submitBatch(sequencer, at(2, tamper(privateTransfer, { nullifiers: [privateTransfer.nullifiers[0] + FIELD_SIZE, privateTransfer.nullifiers[1]] }))),
      'Rollup__FieldOverflow',
      { txIndex: 2n },
    )
    // The fee note's commitment (the third) is held to the field too.
    const [c0, c1, c2] = privateTransfer.commitments
    await rejectsWith(submitBatch(sequencer, at(2, tamper(privateTransfer, { commitments: [c0, c1, c2 + FIELD_SIZE] }))), 'Rollup__FieldOverflow', { txIndex: 2n })
    await rejectsWith(submitBatch(sequencer, at(0, tamper(depositToken, { publicAsset: 1n << 160n }))), 'Rollup__InvalidAsset', { txIndex: 0n })
    // No public flow leaves the asset unbound by the proof: naming one is refused.
    await rejectsWith(submitBatch(sequencer, at(2, tamper(privateTransfer, { publicAsset: tokenAsset }))), 'Rollup__InvalidAsset', { txIndex: 2n })
    await rejectsWith(submitBatch(sequencer, at(1, tamper(depositNoBool, { root: randomFieldElement() }))), 'Rollup__UnknownRoot', { txIndex: 1n })
    await rejectsWith(
      submitBatch(sequencer, { ...batch3, transactions: [spentWithdrawal, privateTransfer] }),
      'Rollup__NullifierSpent',
      { txIndex: 0n, nullifier: spentWithdrawal.nullifiers[0] },
    )
    await rejectsWith(
      submitBatch(sequencer, { ...batch3, transactions: [privateTransfer, depositToken, privateTransfer] }),
      'Rollup__NullifierSpent',
      { txIndex: 2n, nullifier: privateTransfer.nullifiers[0] },
    )
    await rejectsWith(submitBatch(sequencer, at(0, tamper(depositToken, {}, { fee: 1n }))), 'Rollup__ExtDataMismatch', { txIndex: 0n })
    await rejectsWith(submitBatch(sequencer, at(0, tamper(depositToken, {}, { fee: 1n << 128n }, true))), 'Rollup__AmountOutOfRange', { txIndex: 0n })
    await rejectsWith(submitBatch(sequencer, at(0, tamper(depositToken, {}, { extAmount: -(1n << 128n) }, true))), 'Rollup__AmountOutOfRange', { txIndex: 0n })
    await rejectsWith(submitBatch(sequencer, at(1, tamper(depositNoBool, { publicAmount: 701n }))), 'Rollup__PublicAmountMismatch', { txIndex: 1n })
    // A deposit paying only its fee would move money without public flow.
    await rejectsWith(
      submitBatch(sequencer, at(1, tamper(depositNoBool, { publicAmount: 0n, publicAsset: 0n }, { fee: 700n }, true))),
      'Rollup__PublicAmountMismatch',
      { txIndex: 1n },
    )
    await rejectsWith(
      submitBatch(sequencer, at(1, tamper(depositNoBool, { publicAmount: FIELD_SIZE - 700n }, { extAmount: -700n, recipient: zeroAddress }, true))),
      'Rollup__InvalidRecipient',
      { txIndex: 1n },
    )
  })

  it('error: a tampered transfer proof in the middle of a batch, a tampered batch proof and a point off the curve all fail verification', async () => {
    const middle = tamper(depositNoBool, { proof: { ...depositNoBool.proof, c: depositToken.proof.c } })
    await rejectsWith(submitBatch(sequencer, { ...batch3, transactions: [depositToken, middle, privateTransfer] }), 'Rollup__InvalidProof')
    await rejectsWith(submitBatch(sequencer, { ...batch3, batchProof: { ...batch3.batchProof, a: depositToken.proof.a } }), 'Rollup__InvalidProof')
    const offCurve = tamper(privateTransfer, { proof: { ...privateTransfer.proof, a: [1n, 3n] } })
    await rejectsWith(submitBatch(sequencer, { ...batch3, transactions: [depositToken, depositNoBool, offCurve] }), 'Rollup__InvalidProof')
    // The same batch with every commitment swapped for another changes the batch proof's leaves.
    const [c0, c1, c2] = privateTransfer.commitments
    const swapped = tamper(privateTransfer, { commitments: [c1, c0, c2] })
    await rejectsWith(submitBatch(sequencer, { ...batch3, transactions: [depositToken, depositNoBool, swapped] }), 'Rollup__InvalidProof')
    // The fee note's leaf is bound the same way: change and fee note swapped fail too.
    const feeSwapped = tamper(privateTransfer, { commitments: [c0, c2, c1] })
    await rejectsWith(submitBatch(sequencer, { ...batch3, transactions: [depositToken, depositNoBool, feeSwapped] }), 'Rollup__InvalidProof')

    // Short of gas for the pairing: a named error, never an "invalid proof" that would make a
    // sequencer drop good transactions.
    const needed = await devnet.publicClient.estimateContractGas({
      address: rollup,
      abi: rollupAbi,
      functionName: 'submitBatch',
      args: [batch3.oldRoot, batch3.newRoot, batch3.transactions.map(toRollupTransfer), batch3.batchProof, zeroAddress],
      account: sequencer.walletClient.account,
    })
    await rejectsWith(submitBatch(sequencer, { ...batch3, gas: needed - 150_000n }), 'Rollup__InsufficientGas', { pairingGas: 45_000n + 34_000n * 9n })

    await submitBatch(sequencer, batch3)
    batch3.commit()
    expect((await readRollupState(devnet.publicClient, { rollup })).currentRoot).toBe(tree.root)
  })

  it('behavior: only the sequencer submits until the escape delay passes; then anyone may, and payouts that fail are owed', async () => {
    const tokenAsset = BigInt(token)
    const reentrant = await deployTest('ReentrantRecipient')
    const refusing = await deployTest('RefusingRecipient')
    // The reentrant recipient tries to claim from inside its payout.
    await write(sequencer, reentrant, testContracts.ReentrantRecipient!.abi, 'arm', [rollup, encodeClaim(zeroAddress)])
    const tokenRecipient = freshAddress()
    const noBoolRecipient = freshAddress()
    const w1 = await alice.transact(tree, { asset: tokenAsset, inputs: [aliceToken], extAmount: -2000n, recipient: tokenRecipient })
    const w2 = await bob.transact(tree, { asset: ETH, inputs: [bobEth], extAmount: -500n, recipient: reentrant })
    const w3 = await alice.transact(tree, { asset: ETH, inputs: [aliceEth], extAmount: -190n, recipient: refusing })
    const w4 = await bob.transact(tree, { asset: BigInt(noBoolToken), inputs: [bobNoBool], extAmount: -700n, recipient: noBoolRecipient })
    const batch = await proveBatchFor(tree, rollup, [w1.tx, w2.tx, w3.tx, w4.tx])

    const { lastSequencerBatchBlock } = await readRollupState(devnet.publicClient, { rollup })
    await rejectsWith(submitBatch(bobL1, batch), 'Rollup__NotSequencer', { openFromBlock: lastSequencerBatchBlock + ESCAPE_DELAY })
    await devnet.testClient.mine({ blocks: Number(ESCAPE_DELAY) })
    const { receipt } = await submitBatch(bobL1, batch)
    batch.commit()

    expect(await tokenBalance(token, tokenRecipient)).toBe(2000n)
    expect(await tokenBalance(noBoolToken, noBoolRecipient)).toBe(700n)
    expect(await ethBalance(reentrant)).toBe(500n)
    expect(await read(reentrant, testContracts.ReentrantRecipient!.abi, 'attempted')).toBe(true)
    expect(await read(reentrant, testContracts.ReentrantRecipient!.abi, 'reentrySucceeded')).toBe(false)
    expect(await read(reentrant, testContracts.ReentrantRecipient!.abi, 'reentryError')).toBe(toFunctionSelector('Rollup__Reentrancy()'))
    // The refusing recipient is owed its 190 instead; the batch went through.
    expect(await ethBalance(refusing)).toBe(0n)
    expect(await read(rollup, rollupAbi, 'owed', [refusing, zeroAddress])).toBe(190n)
    const deferred = receipt.logs.filter((l) => l.topics[0] === keccak256(new TextEncoder().encode('PayoutDeferred(address,address,uint256)')))
    expect(deferred).toHaveLength(1)
    await write(sequencer, refusing, testContracts.RefusingRecipient!.abi, 'setAccepting', [true])
    await write(sequencer, refusing, testContracts.RefusingRecipient!.abi, 'claimFrom', [rollup, zeroAddress])
    expect(await ethBalance(refusing)).toBe(190n)
    expect(await read(rollup, rollupAbi, 'owed', [refusing, zeroAddress])).toBe(0n)
    // What stays in the rollup is exactly the shielded value: alice's 3000 tokens.
    expect(await ethBalance(rollup)).toBe(0n)
    expect(await tokenBalance(token, rollup)).toBe(3000n)
    expect(await tokenBalance(noBoolToken, rollup)).toBe(0n)
  })

  it('error: the constructor refuses an escape delay of 0 (anyone could post in front of every batch) or beyond 2^32 − 1 blocks, and a deposit timeout beyond it', async () => {
    const u32 = (1n << 32n) - 1n
    for (const [escapeDelay, depositTimeout] of [[0n, 10n], [u32 + 1n, 10n], [10n, u32 + 1n]] as const) {
      const data = encodeDeployData({ abi: rollupAbi, bytecode: rollupBytecode, args: [sequencer.walletClient.account.address, escapeDelay, depositTimeout] })
      const reverted = await devnet.publicClient.call({ data, account: sequencer.walletClient.account }).catch((e: { walk: (f: (e: unknown) => boolean) => unknown }) => e.walk((x) => typeof (x as { data?: unknown }).data === 'string'))
      expect(decodeErrorResult({ abi: rollupAbi, data: (reverted as { data: Hex }).data }).errorName).toBe('Rollup__InvalidParameters')
    }
    await expect(deployRollup(sequencer, { escapeDelay: 0n })).rejects.toMatchObject({ code: 'INVALID_PARAMETER' })
  })

  it('error: deposits with a bad amount, value or token, or made twice, are refused', async () => {
    const hash = randomFieldElement()
    const outs = [randomFieldElement(), randomFieldElement(), randomFieldElement()] as const
    await rejectsWith(simulate(aliceL1, 'deposit', [zeroAddress, 0n, hash, outs]), 'Rollup__InvalidDeposit')
    await rejectsWith(simulate(aliceL1, 'deposit', [token, 1n << 128n, hash, outs]), 'Rollup__InvalidDeposit')
    await rejectsWith(simulate(aliceL1, 'deposit', [zeroAddress, 5n, hash, outs], 4n), 'Rollup__InvalidDeposit')
    await rejectsWith(simulate(aliceL1, 'deposit', [token, 5n, hash, outs], 5n), 'Rollup__InvalidDeposit')
    await rejectsWith(simulate(aliceL1, 'deposit', [zeroAddress, 5n, FIELD_SIZE, outs], 5n), 'Rollup__InvalidDeposit')
    await rejectsWith(simulate(aliceL1, 'deposit', [zeroAddress, 5n, hash, [outs[0], FIELD_SIZE, outs[2]]], 5n), 'Rollup__InvalidDeposit')
    await rejectsWith(simulate(aliceL1, 'deposit', [zeroAddress, 5n, hash, [outs[0], outs[1], FIELD_SIZE]], 5n), 'Rollup__InvalidDeposit')
    // An address without code is no token: a call to it "succeeds" and moves nothing.
    await rejectsWith(simulate(aliceL1, 'deposit', [freshAddress(), 5n, hash, outs]), 'Rollup__TransferFailed')
    await rejectsWith(deposit(aliceL1, { rollup, asset: token, amount: 2_000_000n, extDataHash: hash, commitments: outs }), 'Rollup__TransferFailed', { asset: getAddress(token) })
    await deposit(aliceL1, { rollup, asset: zeroAddress, amount: 5n, extDataHash: hash, commitments: outs })
    await rejectsWith(deposit(aliceL1, { rollup, asset: zeroAddress, amount: 5n, extDataHash: hash, commitments: outs }), 'Rollup__DepositExists')
    // The same ext data with other outputs is another escrow: the key binds the notes.
    await deposit(aliceL1, { rollup, asset: zeroAddress, amount: 5n, extDataHash: hash, commitments: [outs[1], outs[0], outs[2]] })
    await deposit(aliceL1, { rollup, asset: zeroAddress, amount: 5n, extDataHash: hash, commitments: [outs[0], outs[2], outs[1]] })
  })

  it('behavior: a deposit no batch consumed is reclaimed by its depositor after the timeout, once', async () => {
    const escrow = { rollup, asset: zeroAddress, amount: 77n, extDataHash: randomFieldElement(), commitments: [randomFieldElement(), randomFieldElement(), randomFieldElement()] as const }
    const before = await ethBalance(rollup)
    const { hash: depositHash } = await deposit(aliceL1, escrow)
    const receipt = await devnet.publicClient.getTransactionReceipt({ hash: depositHash })
    await rejectsWith(reclaimDeposit(bobL1, escrow), 'Rollup__NotDepositor')
    await rejectsWith(reclaimDeposit(aliceL1, escrow), 'Rollup__DepositLocked', {
      unlockBlock: receipt.blockNumber + DEPOSIT_TIMEOUT,
    })
    await devnet.testClient.mine({ blocks: Number(DEPOSIT_TIMEOUT) })
    await rejectsWith(reclaimDeposit(aliceL1, { ...escrow, commitments: [escrow.commitments[1], escrow.commitments[0], escrow.commitments[2]] }), 'Rollup__DepositUnknown')
    await rejectsWith(reclaimDeposit(aliceL1, { ...escrow, commitments: [escrow.commitments[0], escrow.commitments[1], randomFieldElement()] }), 'Rollup__DepositUnknown')
    await reclaimDeposit(aliceL1, escrow)
    expect(await ethBalance(rollup)).toBe(before)
    await rejectsWith(reclaimDeposit(aliceL1, escrow), 'Rollup__DepositUnknown')
  })

  it('behavior: a token that calls back into the rollup during a deposit is stopped by the reentrancy guard', async () => {
    const evil = await deployTest('ReentrantToken')
    const evilAbi = testContracts.ReentrantToken!.abi
    const me = aliceL1.walletClient.account.address
    await write(aliceL1, evil, evilAbi, 'mint', [me, 1000n])
    await write(aliceL1, evil, evilAbi, 'approve', [rollup, 1000n])
    await write(aliceL1, evil, evilAbi, 'arm', [rollup, encodeClaim(evil)])
    await deposit(aliceL1, { rollup, asset: evil, amount: 1000n, extDataHash: randomFieldElement(), commitments: [randomFieldElement(), randomFieldElement(), randomFieldElement()] })
    expect(await read(evil, evilAbi, 'attempted')).toBe(true)
    expect(await read(evil, evilAbi, 'reentrySucceeded')).toBe(false)
    expect(await read(evil, evilAbi, 'reentryError')).toBe(toFunctionSelector('Rollup__Reentrancy()'))
    expect(await tokenBalance(evil, rollup)).toBe(1000n)
  })

  it('default: a fresh process rebuilds the tree from L1 events alone, equal to the contract', async () => {
    const state = await readRollupState(devnet.publicClient, { rollup })
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'test/helpers/syncFromL1.script.ts', devnet.anvil.rpcUrl, rollup, String(devnet.deployBlock)])
    const synced = JSON.parse(stdout) as { root: string; size: number; batches: number; nullifiers: number }
    expect(BigInt(synced.root)).toBe(state.currentRoot)
    expect(BigInt(synced.size)).toBe(state.nextLeafIndex)
    expect(synced).toMatchObject({ batches: 4, nullifiers: 2 * (1 + 1 + 3 + 4) })
  })

  it('behavior: syncFromL1 resumes from its cursor and refuses a tree that does not fit', async () => {
    const resumed = new MerkleTree()
    const middle = devnet.deployBlock + (await devnet.publicClient.getBlockNumber() - devnet.deployBlock) / 2n
    const first = await syncFromL1(devnet.publicClient, { rollup, fromBlock: devnet.deployBlock, toBlock: middle, tree: resumed })
    const second = await syncFromL1(devnet.publicClient, { rollup, fromBlock: first.nextBlock, tree: resumed })
    expect(first.batches.length + second.batches.length).toBe(4)
    expect(resumed.root).toBe(tree.root)
    const batches = [...first.batches, ...second.batches]
    const transactions = batches.flatMap((b) => b.transactions)
    expect(transactions.map((t) => [t.commitments.length, t.ciphertexts.length])).toEqual(Array(1 + 1 + 3 + 4).fill([3, 3]))
    // Each transaction's three outputs take leaves startIndex + 3·i to + 2, holding its commitments.
    for (const b of batches) {
      b.transactions.forEach((t, i) => {
        expect(t.leafIndex).toBe(leafIndexes(b.startIndex, i)[0])
        expect(leafIndexes(b.startIndex, i).map((l) => tree.leaf(l))).toEqual(t.commitments)
      })
    }
    const ciphertexts = transactions.flatMap((t) => t.ciphertexts) as Hex[]
    expect(ciphertexts.every((c) => (c.length - 2) / 2 === 214)).toBe(true)
    // Starting over on a tree that already holds the leaves is refused, not silently doubled.
    await expect(syncFromL1(devnet.publicClient, { rollup, fromBlock: devnet.deployBlock, tree: resumed })).rejects.toMatchObject({ code: 'SETTLEMENT_FAILED' })
  })
})

function encodeClaim(asset: Address): Hex {
  return `${toFunctionSelector('claim(address)')}${asset.slice(2).toLowerCase().padStart(64, '0')}` as Hex
}
