import { zeroAddress } from 'viem'
import { artifactPaths } from '../src/circuits/artifacts.ts'
import { loadCircuit } from '../src/circuits/groth16Prover.ts'
import { buildBatchWitness, buildTransferWitness, proveBatch, proveTransfer, terminateProver } from '../src/circuits/index.ts'
import { deriveKeys, extDataHash, initCrypto, MerkleTree, noteCommitment, randomFieldElement } from '../src/crypto/index.ts'

/**
 * One circuit's proving figures, in a process of its own so that its peak memory (snarkjs's
 * worker threads included) is the process's: `tsx bench/proveOnce.ts transfer|batch runs`.
 * Prints one JSON line.
 */
const [circuit = 'transfer', runsArg = '5'] = process.argv.slice(2)
const runs = Number(runsArg)
await initCrypto()

function transferWitness() {
  const keys = deriveKeys(new Uint8Array(32).fill(7))
  const tree = new MerkleTree()
  const notes = [60n, 40n].map((amount) => ({ asset: 0n, amount, ownerPk: keys.ownerPk, blinding: randomFieldElement() }))
  tree.insertMany(notes.map(noteCommitment))
  const out = [85n, 10n, 5n].map((amount) => ({ asset: 0n, amount, ownerPk: keys.ownerPk, blinding: randomFieldElement() }))
  return buildTransferWitness({
    keys,
    root: tree.root,
    inputs: [
      { note: notes[0]!, leafIndex: 0, path: tree.path(0) },
      { note: notes[1]!, leafIndex: 1, path: tree.path(1) },
    ],
    outputs: [out[0]!, out[1]!, out[2]!],
    publicAmount: 0n,
    publicAsset: 0n,
    extDataHash: extDataHash({ recipient: zeroAddress, extAmount: 0n, fee: 0n, epk: `0x${'00'.repeat(32)}`, ciphertexts: ['0x', '0x', '0x'] }),
  })
}

function batchWitness() {
  const tree = new MerkleTree()
  tree.insertMany(Array.from({ length: 640 }, (_, i) => BigInt(i + 1)))
  return buildBatchWitness(
    tree,
    Array.from({ length: 64 }, () => randomFieldElement()),
  )
}

const witness = circuit === 'batch' ? batchWitness() : transferWitness()
const prove = () => (circuit === 'batch' ? proveBatch(witness as ReturnType<typeof batchWitness>) : proveTransfer(witness as ReturnType<typeof transferWitness>))
let t = performance.now()
await prove()
const warmupMs = performance.now() - t
const timesMs: number[] = []
for (let i = 0; i < runs; i++) {
  t = performance.now()
  await prove()
  timesMs.push(performance.now() - t)
}
const paths = artifactPaths(circuit === 'batch' ? 'batch' : 'transfer')
const loaded = await loadCircuit(paths.wasm, paths.zkey)
await loaded.witness.calculateWitness(witness.input, true)
t = performance.now()
await loaded.witness.calculateWitness(witness.input, true)
const witnessMs = performance.now() - t
await terminateProver()
const sorted = [...timesMs].sort((a, b) => a - b)
console.log(JSON.stringify({ circuit, warmupMs, timesMs, medianMs: sorted[Math.floor(sorted.length / 2)], witnessMs, maxRssMB: process.resourceUsage().maxRSS / 1024 }))
