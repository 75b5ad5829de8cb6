import { createPublicClient, createWalletClient, decodeFunctionResult, encodeFunctionData, http, type PublicClient } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  buildBatchWitness,
  buildTransferWitness,
  deriveKeys,
  FIELD_SIZE,
  initCrypto,
  MerkleTree,
  noteCommitment,
  proveBatch,
  proveTransfer,
  randomFieldElement,
  terminateProver,
} from '../../src/index.ts'
import { compileContracts } from '../../src/settlement/compileContracts.ts'
import { type Anvil, startAnvil } from '../../src/settlement/startAnvil.ts'

// The Groth16 verifiers generated from the committed keys, compiled by solc-js and run on a
// real EVM (anvil), against real proofs.
const DEV_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80' // anvil's first dev account

let anvil: Anvil
let client: PublicClient
let deploy: (name: string) => Promise<`0x${string}`>
const contracts = compileContracts(['contracts/verifiers/TransferVerifier.sol', 'contracts/verifiers/BatchVerifier.sol'])

beforeAll(async () => {
  await initCrypto()
  anvil = await startAnvil()
  client = createPublicClient({ chain: foundry, transport: http(anvil.rpcUrl) })
  const wallet = createWalletClient({ account: privateKeyToAccount(DEV_KEY), chain: foundry, transport: http(anvil.rpcUrl) })
  deploy = async (name) => {
    const hash = await wallet.deployContract({ abi: contracts[name]!.abi, bytecode: contracts[name]!.bytecode })
    const receipt = await client.waitForTransactionReceipt({ hash })
    return receipt.contractAddress!
  }
})
afterAll(async () => {
  await anvil?.stop()
  await terminateProver()
})

const solidityArgs = (proof: { a: bigint[]; b: bigint[][]; c: bigint[] }, signals: bigint[]) => [proof.a, proof.b, proof.c, signals] as const

describe('Solidity verifiers on anvil', () => {
  it('default: TransferVerifier accepts a real transfer proof and rejects a changed signal', async () => {
    const address = await deploy('TransferVerifier')
    const keys = deriveKeys(new Uint8Array(32).fill(3))
    const tree = new MerkleTree()
    const input = { asset: 0n, amount: 50n, ownerPk: keys.ownerPk, blinding: randomFieldElement() }
    tree.insert(noteCommitment(input))
    const out = (amount: bigint) => ({ asset: 0n, amount, ownerPk: keys.ownerPk, blinding: randomFieldElement() })
    const { proof, publicSignals } = await proveTransfer(
      buildTransferWitness({
        keys,
        root: tree.root,
        inputs: [
          { note: input, leafIndex: 0, path: tree.path(0) },
          { note: out(0n), leafIndex: 1 },
        ],
        outputs: [out(20n), out(30n)],
        publicAmount: 0n,
        publicAsset: 0n,
        extDataHash: 12345n,
      }),
    )
    const abi = contracts.TransferVerifier!.abi
    const call = (signals: bigint[]) => client.readContract({ address, abi, functionName: 'verifyProof', args: solidityArgs(proof, signals) })
    expect(await call(publicSignals)).toBe(true)
    expect(await call(publicSignals.map((s, i) => (i === 3 ? (s + 1n) % FIELD_SIZE : s)))).toBe(false)
    // The stock snarkjs verifier answers false instead of reverting when the pairing runs out
    // of gas, so gas estimation settles on an amount that fails: why Rollup.sol must not rely
    // on its return value alone (see the settlement issue).
    const gas = await client.estimateContractGas({ address, abi, functionName: 'verifyProof', args: solidityArgs(proof, publicSignals) })
    expect(gas).toBeLessThan(100_000n)
    const callWithGas = async (g: bigint) => {
      const data = encodeFunctionData({ abi, functionName: 'verifyProof', args: solidityArgs(proof, publicSignals) })
      const result = await client.call({ to: address, data, gas: g })
      return decodeFunctionResult({ abi, functionName: 'verifyProof', data: result.data! })
    }
    expect(await callWithGas(gas)).toBe(false)
    expect(await callWithGas(1_000_000n)).toBe(true)
  })

  it('default: BatchVerifier accepts a real batch proof with its 64 public leaves', async () => {
    const address = await deploy('BatchVerifier')
    const witness = buildBatchWitness(new MerkleTree(), [1n, 2n, 3n])
    const { proof, publicSignals } = await proveBatch(witness)
    const abi = contracts.BatchVerifier!.abi
    const call = (signals: bigint[]) => client.readContract({ address, abi, functionName: 'verifyProof', args: solidityArgs(proof, signals) })
    expect(await call(publicSignals)).toBe(true)
    expect(await call(publicSignals.map((s, i) => (i === 5 ? 9n : s)))).toBe(false)
  })
})

describe('startAnvil', () => {
  it('behavior: two devnets run side by side on free ports and stop cleanly', async () => {
    const second = await startAnvil({ chainId: 31338 })
    expect(second.port).not.toBe(anvil.port)
    const c = createPublicClient({ transport: http(second.rpcUrl) })
    expect(await c.getChainId()).toBe(31338)
    await second.stop()
    await expect(c.getChainId()).rejects.toThrow()
    await second.stop() // idempotent
  })

  it('error: a port already taken is reported, not hung on', async () => {
    await expect(startAnvil({ port: anvil.port, timeoutMs: 10_000 })).rejects.toMatchObject({ code: 'DEVNET_FAILED' })
  })
})
