// Helpers for circuit witness tests: compile small instances of the templates, compute
// witnesses with snarkjs, and the reference values the circuits must reproduce.
//
// Expected values come from src/crypto (re-exported here for the circuit tests).
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as snarkjs from 'snarkjs'
import { compileCircuit, type CompileCircuitReturnType } from '../../src/circuits/compile.ts'
import { FIELD_SIZE } from '../../src/crypto/field.ts'
import { type AccountKeys, deriveKeys } from '../../src/crypto/keys.ts'
import { MerkleTree, zeroHashes } from '../../src/crypto/merkleTree.ts'
import { AMOUNT_LIMIT, ASSET_LIMIT, type Note, noteCommitment, noteNullifier } from '../../src/crypto/note.ts'
import { initCrypto, poseidon } from '../../src/crypto/poseidon.ts'

export { type AccountKeys, FIELD_SIZE, initCrypto, MerkleTree, type Note, noteCommitment, noteNullifier, poseidon, zeroHashes }

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

export type CompiledCircuit = CompileCircuitReturnType & { name: string }

/**
 * Compiles a small test instance of a template: writes a wrapper with a `main` component
 * into `.cache/circuits/<name>/` (gitignored) and compiles it with the same compiler and
 * flags as production. Cached by a hash of all sources, so reruns cost nothing.
 *
 * @example
 * await compileTestCircuit({ name: 'transfer-l4', include: 'circuits/lib/transfer.circom', main: 'Transfer(4, 3)', publics: ['root', ...] })
 */
export async function compileTestCircuit(parameters: {
  name: string
  /** Template file, relative to the project root (resolved through the `-l .` include dir). */
  include: string
  /** The main component's template instantiation, e.g. `Transfer(4, 3)`. */
  main: string
  publics: readonly string[]
}): Promise<CompiledCircuit> {
  const outDir = path.join(projectRoot, '.cache', 'circuits', parameters.name)
  const source = path.join(outDir, `${parameters.name}.circom`)
  const wrapper = [
    'pragma circom 2.1.0;',
    '',
    `include "${parameters.include}";`,
    '',
    parameters.publics.length > 0
      ? `component main {public [${parameters.publics.join(', ')}]} = ${parameters.main};`
      : `component main = ${parameters.main};`,
    '',
  ].join('\n')
  await mkdir(outDir, { recursive: true })
  // Rewrite only on change: the mtime does not matter to the cache, the content does.
  const previous = await readFile(source, 'utf8').catch(() => undefined)
  if (previous !== wrapper) await writeFile(source, wrapper)
  const compiled = await compileCircuit({ source, outDir })
  return { ...compiled, name: parameters.name }
}

export type CircuitInput = Record<string, bigint | number | readonly unknown[]>

/**
 * Runs the witness generator. Throws (with circom's "Assert Failed … Error in template …"
 * message) when the input violates a constraint. On success also checks the whole R1CS
 * against the witness (unless `checkR1cs: false`), so a constraint the generator does not
 * assert cannot slip through.
 * Returns the witness: `[1, ...public signals, ...private wires]`.
 */
export async function calculateWitness(circuit: CompiledCircuit, input: CircuitInput, options: { checkR1cs?: boolean } = {}): Promise<bigint[]> {
  const wtns: { type: 'mem'; data?: Uint8Array } = { type: 'mem' }
  // circom_runtime prints every failed assertion with console.error before throwing it;
  // the thrown error carries the same text, so keep test output clean.
  const consoleError = console.error
  console.error = () => {}
  try {
    await snarkjs.wtns.calculate(toJson(input) as Record<string, unknown>, circuit.wasmPath, wtns)
  } finally {
    console.error = consoleError
  }
  // The R1CS check costs more than the witness itself (~250 ms at test sizes); loops over
  // many witnesses whose outputs are compared with TypeScript may skip it.
  if (options.checkR1cs ?? true) {
    const ok = await snarkjs.wtns.check(circuit.r1csPath, wtns, silentLogger)
    if (!ok) throw new Error(`The witness of ${circuit.name} does not satisfy its R1CS.`)
  }
  return snarkjs.wtns.exportJson(wtns)
}

/**
 * Whether a raw witness vector satisfies the compiled R1CS: what a Groth16 proof enforces,
 * independent of the witness generator's own asserts. Tests take a valid witness, change
 * one public signal, and expect `false`: the signal is bound by the constraints themselves.
 */
export async function satisfiesR1cs(circuit: CompiledCircuit, witness: readonly bigint[]): Promise<boolean> {
  return snarkjs.wtns.check(circuit.r1csPath, { type: 'mem', data: encodeWtns(witness) }, silentLogger)
}

/** The iden3 .wtns binary format (version 2): a header section (n8, prime, count), then the values, 32-byte little-endian. */
function encodeWtns(witness: readonly bigint[]): Uint8Array {
  const n8 = 32
  const header = 4 + n8 + 4
  const body = n8 * witness.length
  const buf = Buffer.alloc(12 + (12 + header) + (12 + body))
  let o = buf.write('wtns', 0, 'latin1')
  o = buf.writeUInt32LE(2, o) // version
  o = buf.writeUInt32LE(2, o) // sections
  o = buf.writeUInt32LE(1, o)
  o = buf.writeBigUInt64LE(BigInt(header), o)
  o = buf.writeUInt32LE(n8, o)
  o = writeLE(buf, o, FIELD_SIZE, n8)
  o = buf.writeUInt32LE(witness.length, o)
  o = buf.writeUInt32LE(2, o)
  o = buf.writeBigUInt64LE(BigInt(body), o)
  for (const value of witness) o = writeLE(buf, o, value, n8)
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length)
}

function writeLE(buf: Buffer, offset: number, value: bigint, length: number): number {
  let x = value
  for (let i = 0; i < length; i++) {
    buf[offset + i] = Number(x & 0xffn)
    x >>= 8n
  }
  return offset + length
}

/** The public signals of a witness, in the verifier's order. */
export function publicSignals(circuit: CompiledCircuit, witness: readonly bigint[]): bigint[] {
  return witness.slice(1, 1 + circuit.publicOutputs + circuit.publicInputs)
}

/**
 * The 1-based line of the first line in `file` (relative to the project root) that
 * contains `text`. Failing-witness tests use it to assert WHICH constraint failed: the
 * witness generator reports "Error in template <Name>_<id> line: <n>" for every frame.
 */
export async function lineOf(file: string, text: string): Promise<number> {
  const lines = (await readFile(path.join(projectRoot, file), 'utf8')).split('\n')
  const index = lines.findIndex((line) => line.includes(text))
  if (index < 0) throw new Error(`"${text}" not found in ${file}.`)
  return index + 1
}

/** A regular expression for circom's error frame at `template` (any instance id), `line`. */
export function failureAt(template: string, line: number): RegExp {
  return new RegExp(`Error in template ${template}_\\d+ line: ${line}\\b`)
}

const silentLogger = { info() {}, warn() {}, error() {}, debug() {} }

function toJson(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString()
  if (Array.isArray(value)) return value.map(toJson)
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)]))
  return value
}

// ---------------------------------------------------------------------------------------
// Reference values: src/crypto, plus what src/crypto rightly refuses to build.

/**
 * `cm = H(asset, amount, ownerPk, blinding)`: src/crypto's `noteCommitment` for a valid note;
 * for a note it refuses (amount >= 2^128, asset >= 2^160) the same Poseidon computed
 * directly, as a malicious prover would, so tests can show the circuit refuses it as well.
 */
export function commitmentOf(note: Note): bigint {
  const valid = note.amount >= 0n && note.amount < AMOUNT_LIMIT && note.asset >= 0n && note.asset < ASSET_LIMIT
  return valid ? noteCommitment(note) : poseidon([note.asset, note.amount, note.ownerPk, note.blinding])
}

/** Fixed, distinct test accounts: `deriveKeys` of a seed filled with `tag`. */
export function testKeys(tag: number): AccountKeys {
  return deriveKeys(new Uint8Array(32).fill(tag))
}
