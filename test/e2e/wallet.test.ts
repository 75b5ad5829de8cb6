import { parseEther } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { terminateProver } from '../../src/circuits/index.ts'
import { generateMnemonic } from '../../src/crypto/keys.ts'
import { initCrypto } from '../../src/crypto/poseidon.ts'
import { createWallet, type Wallet } from '../../src/sdk/index.ts'
import { startTestNode, type TestNode } from '../helpers/node.ts'
import { type Devnet, startDevnet } from '../helpers/rollup.ts'

// The SDK wallet against a running node on anvil, with real proofs.

let devnet: Devnet
let node: TestNode
let mnemonic: string
let alice: Wallet
const open = (m: string, sequencerUrl = node.url) =>
  createWallet({ mnemonic: m, sequencerUrl, rollupAddress: devnet.rollup, fromBlock: devnet.deployBlock, l1: devnet.accounts[1]! })

beforeAll(async () => {
  await initCrypto()
  devnet = await startDevnet()
  node = await startTestNode(devnet)
  mnemonic = generateMnemonic()
  alice = open(mnemonic)
})

afterAll(async () => {
  await node?.stop()
  await devnet?.stop()
  await terminateProver()
})

describe('SDK wallet', () => {
  it('default: a deposit and a payment settle; a wallet restored from the mnemonic finds the same balance on L1 alone', async () => {
    await (await alice.deposit({ amount: parseEther('1') })).wait('settled')
    expect(alice.balance()).toBe(parseEther('1'))
    const bob = open(generateMnemonic())
    const paid = await (await alice.transfer({ to: bob.address, amount: parseEther('0.4'), memo: 'rent' })).wait('settled')
    expect(paid.l1TxHash).toMatch(/^0x[0-9a-f]{64}$/)
    expect(alice.balance()).toBe(parseEther('0.6'))
    await bob.sync()
    expect(bob.balance()).toBe(parseEther('0.4'))
    expect(bob.notes()[0]!.memo).toBe('rent')

    // The restored wallet reads L1 events only: its sequencer URL points nowhere.
    const restored = open(mnemonic, 'http://127.0.0.1:9')
    await restored.sync()
    expect(restored.balance()).toBe(parseEther('0.6'))
    expect(restored.notes().map((n) => n.leafIndex)).toEqual(alice.notes().map((n) => n.leafIndex))
  })

  it('error: too little balance, a bad address, an unreachable node, and a double spend are clear errors that lock nothing', async () => {
    await expect(alice.transfer({ to: alice.address, amount: parseEther('5') })).rejects.toMatchObject({ code: 'INSUFFICIENT_BALANCE' })
    await expect(alice.transfer({ to: 'zkpt1notanaddress', amount: 1n })).rejects.toMatchObject({ code: expect.stringMatching(/^ADDRESS_/) })
    await expect(alice.withdraw({ to: '0x1234' as `0x${string}`, amount: 1n })).rejects.toMatchObject({ code: 'INVALID_PARAMETER' })
    const offline = open(mnemonic, 'http://127.0.0.1:9')
    await offline.sync()
    await expect(offline.transfer({ to: alice.address, amount: 1n })).rejects.toMatchObject({ code: 'NODE_UNREACHABLE' })
    expect(offline.balance()).toBe(parseEther('0.6')) // the note it tried to spend is free again

    // A second copy of the wallet spends the same note first: the first copy's spend is refused
    // by the sequencer, and its note is released.
    const twin = open(mnemonic)
    await twin.sync()
    const first = await twin.withdraw({ to: privateKeyToAccount(generatePrivateKey()).address, amount: parseEther('0.1') })
    await expect(alice.transfer({ to: alice.address, amount: parseEther('0.1') })).rejects.toMatchObject({ code: 'TRANSACTION_REJECTED', reason: expect.stringMatching(/^NULLIFIER_(PENDING|SPENT)$/) })
    expect(alice.balance()).toBe(parseEther('0.6'))
    await first.wait('settled')
    await alice.sync()
    expect(alice.balance()).toBe(parseEther('0.5'))
  })
})
