import { readFile } from 'node:fs/promises'
import { type LoadedCircuit, loadCircuitFromBytes } from './groth16.ts'

// The prover itself is groth16.ts, free of node: imports so that the browser's worker bundles
// it; this file adds what only Node has: reading the artifacts from paths.
export { groth16Prove, type LoadedCircuit, loadCircuitFromBytes } from './groth16.ts'

/**
 * Reads a zkey and the circuit's witness generator from files into memory (once per circuit).
 *
 * @example
 * const paths = artifactPaths('transfer')
 * const circuit = await loadCircuit(paths.wasm, paths.zkey)
 */
export async function loadCircuit(wasmPath: string, zkeyPath: string): Promise<LoadedCircuit> {
  const [wasm, zkey] = await Promise.all([readFile(wasmPath), readFile(zkeyPath)])
  return loadCircuitFromBytes(wasm, zkey, { name: zkeyPath })
}
