import { Field } from '@noble/curves/abstract/modular.js'
import { poseidon as noblePoseidon, type PoseidonFn } from '@noble/curves/abstract/poseidon.js'
import { InvalidParameterError } from '../errors/index.ts'
import { FIELD_SIZE } from './field.ts'
import { nodeBuiltin } from './nodeBuiltin.ts'

/**
 * Poseidon exactly as circomlib's circuits compute it (circomlibjs's optimised constants, run
 * by its WebAssembly implementation). The wasm works on field elements in Montgomery form,
 * 32 bytes little-endian; the Merkle tree keeps its nodes in that form so that a level can be
 * hashed without converting every node to and from a bigint.
 */
type PoseidonEngine = {
  /** wasm linear memory; re-read after anything that may grow it */
  memory: () => Uint8Array
  run: (nInputs: number) => void
  pState: number
  pIn: number
  pOut: number
}

let engine: PoseidonEngine | undefined
let ready: Promise<void> | undefined

const R = (1n << 256n) % FIELD_SIZE
const R_INV = modInverse(R, FIELD_SIZE)

/**
 * Builds the fast Poseidon engine (circomlibjs's WebAssembly; about half a second) once. Hashing
 * works without it, in JavaScript and slower: a command that hashes a few times (deriving keys,
 * checking a stored tree) never pays for the build. Code that hashes in bulk (tree appends, a
 * node, the provers) awaits it first.
 *
 * @example
 * await initCrypto()
 * const h = poseidon([1n, 2n])
 */
export function initCrypto(): Promise<void> {
  ready ??= (async () => {
    // Loaded here, not at import: circomlibjs is slow to load, and code that never hashes (a
    // trial-decryption worker that finds nothing) should not pay for it.
    const [{ buildPoseidonWasm }, { getCurveFromName }] = await Promise.all([import('circomlibjs'), import('ffjavascript')])
    // singleThread: hashing is a short synchronous call; worker threads would only add latency.
    const curve = await getCurveFromName('bn128', true, buildPoseidonWasm)
    const tm = curve.tm
    const pState = tm.alloc(32) as number
    const pIn = tm.alloc(32 * 16) as number
    const pOut = tm.alloc(32) as number
    const exports = tm.instance.exports
    engine = {
      memory: () => tm.u8 as Uint8Array,
      run: (n) => exports.poseidon(pState, pIn, n, pOut, 1),
      pState,
      pIn,
      pOut,
    }
    engine.memory().fill(0, pState, pState + 32) // capacity element: 0, as circomlib's Poseidon
  })()
  return ready
}

/**
 * circomlib's Poseidon in JavaScript, for widths t = n + 1 as they are first needed: the same
 * permutation with the same reference constants (circomlibjs's poseidon_constants.json, the
 * parameters its circuits use: 8 full rounds, x^5, the partial rounds of its table), through
 * @noble/curves. Tests check it against the engine for every width.
 */
const N_ROUNDS_P = [56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68]
const fallback = new Map<number, PoseidonFn>()
let referenceConstants: { C: string[][]; M: string[][][] } | undefined
const Fr = Field(FIELD_SIZE)

function jsPoseidon(inputs: readonly bigint[]): bigint {
  if (!referenceConstants) {
    // circomlibjs's package exports do not include its constants: read the file beside its entry.
    // Through `require` (it parses JSON by its path), so that this module needs no file system API.
    const [module, url] = [nodeBuiltin('node:module'), nodeBuiltin('node:url')]
    if (!module || !url) throw new Error('Poseidon in JavaScript reads its constants from circomlibjs on Node: elsewhere, await initCrypto() before hashing.')
    const require = module.createRequire(import.meta.url)
    const file = new URL('../src/poseidon_constants.json', url.pathToFileURL(require.resolve('circomlibjs')))
    referenceConstants = require(url.fileURLToPath(file)) as { C: string[][]; M: string[][][] }
    // A known answer (circomlib's own test vector) before any key is derived with it: another
    // layout or version of that file must fail here, not derive other keys.
    if (permutationFor(3)([0n, 1n, 2n])[0] !== KNOWN_ANSWER) {
      referenceConstants = undefined
      throw new Error("Poseidon's reference constants from circomlibjs give a wrong hash: check the installed circomlibjs")
    }
  }
  return permutationFor(inputs.length + 1)([0n, ...inputs])[0]!
}

/** circomlib's Poseidon of [1, 2]. */
const KNOWN_ANSWER = 0x115cc0f5e7d690413df64c6b9662e9cf2a3617f2743245519e19607a4417189an

function permutationFor(t: number): PoseidonFn {
  let permutation = fallback.get(t)
  if (!permutation) {
    if (!referenceConstants) throw new Error('Poseidon reference constants not loaded')
    const C = referenceConstants.C[t - 2]!.map(BigInt)
    const rounds = 8 + N_ROUNDS_P[t - 2]!
    permutation = noblePoseidon({
      Fp: Fr,
      t,
      roundsFull: 8,
      roundsPartial: N_ROUNDS_P[t - 2]!,
      sboxPower: 5,
      mds: referenceConstants.M[t - 2]!.map((row) => row.map(BigInt)),
      roundConstants: Array.from({ length: rounds }, (_, r) => C.slice(r * t, (r + 1) * t)),
    })
    fallback.set(t, permutation)
  }
  return permutation
}

/** Field element → 32-byte little-endian Montgomery form, written at `out[offset]`. */
export function toMontgomery(x: bigint, out: Uint8Array, offset: number): void {
  const m = (x * R) % FIELD_SIZE
  const view = new DataView(out.buffer, out.byteOffset + offset, 32)
  view.setBigUint64(0, BigInt.asUintN(64, m), true)
  view.setBigUint64(8, BigInt.asUintN(64, m >> 64n), true)
  view.setBigUint64(16, BigInt.asUintN(64, m >> 128n), true)
  view.setBigUint64(24, m >> 192n, true)
}

/** 32-byte little-endian Montgomery form at `buf[offset]` → field element. */
export function fromMontgomery(buf: Uint8Array, offset: number): bigint {
  const view = new DataView(buf.buffer, buf.byteOffset + offset, 32)
  const m = view.getBigUint64(0, true) | (view.getBigUint64(8, true) << 64n) | (view.getBigUint64(16, true) << 128n) | (view.getBigUint64(24, true) << 192n)
  return (m * R_INV) % FIELD_SIZE
}

/**
 * Hashes `n` consecutive Montgomery-form elements starting at `src[srcOffset]` and writes the
 * Montgomery-form digest to `dst[dstOffset]`. The Merkle tree's hot path.
 */
export function poseidonMontgomery(src: Uint8Array, srcOffset: number, n: number, dst: Uint8Array, dstOffset: number): void {
  const e = engine
  if (!e) {
    const inputs = Array.from({ length: n }, (_, i) => fromMontgomery(src, srcOffset + 32 * i))
    toMontgomery(jsPoseidon(inputs), dst, dstOffset)
    return
  }
  let mem = e.memory()
  mem.set(src.subarray(srcOffset, srcOffset + 32 * n), e.pIn)
  e.run(n)
  mem = e.memory()
  dst.set(mem.subarray(e.pOut, e.pOut + 32), dstOffset)
}

/**
 * `H(inputs…)`: circomlib Poseidon of 1 to 16 field elements.
 *
 * @example
 * await initCrypto()
 * poseidon([1n, 2n]) // 7853200120776062878684798364095072458815029376092732009249414926327459813530n
 */
export function poseidon(inputs: readonly bigint[]): bigint {
  if (inputs.length < 1 || inputs.length > 16) throw new InvalidParameterError('inputs', 'Poseidon takes 1 to 16 field elements')
  for (let i = 0; i < inputs.length; i++) {
    const x = inputs[i]!
    if (x < 0n || x >= FIELD_SIZE) throw new InvalidParameterError(`inputs[${i}]`, 'expected a field element in [0, r)')
  }
  const e = engine
  if (!e) return jsPoseidon(inputs)
  const mem = e.memory()
  for (let i = 0; i < inputs.length; i++) toMontgomery(inputs[i]!, mem, e.pIn + 32 * i)
  e.run(inputs.length)
  return fromMontgomery(e.memory(), e.pOut)
}

function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [a % m, m]
  let [oldS, s] = [1n, 0n]
  while (r !== 0n) {
    const q = oldR / r
    ;[oldR, r] = [r, oldR - q * r]
    ;[oldS, s] = [s, oldS - q * s]
  }
  return ((oldS % m) + m) % m
}
