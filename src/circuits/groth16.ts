import { readBinFile, readSection } from '@iden3/binfileutils'
import { WitnessCalculatorBuilder } from 'circom_runtime'
import { FIELD_SIZE } from '../crypto/field.ts'
import { CircuitArtifactError } from '../errors/index.ts'
import { bn128 } from './curve.ts'
import { type MsmKey, type MsmPool, msmPool } from './msmPool.ts'

// No node: imports here, nor in anything this imports: the browser's prover worker
// (src/browser/prover.worker.ts) bundles this file. groth16Prover.ts adds Node's path loader.

/**
 * A Groth16 prover over snarkjs's zkey format, with the circuit's witness generator, the
 * proving key and the sparse QAP matrices loaded once and kept in memory.
 *
 * Why not `snarkjs.groth16.fullProve`: per proof it re-instantiates the witness wasm, re-reads
 * the key, and evaluates the QAP matrices (A·w, B·w over ~10^5 coefficients) one wasm call per
 * coefficient with fresh buffers: 0.85 s of a 3.8 s transfer proof here. Below that is one
 * BigInt multiply-add per coefficient (~20 ms). FFTs are ffjavascript's, on its worker threads,
 * as snarkjs runs them. The multi-exponentiations are wasmcurves' too, but on msmPool.ts's
 * workers, which keep the key's points from load on: ffjavascript posts every point again with
 * every window of every proof, which cost a browser half its proving time.
 *
 * The algorithm (Groth16 with snarkjs's key layout): h's evaluations on the odd coset of the
 * 2^(k+1) roots come from A, B, C by iFFT → ×ω^i → FFT, then A·B − C pointwise; the zkey's H
 * points are already the matching basis. π_A = α + Σwᵢ·Aᵢ + r·δ, π_B = β + Σwᵢ·B2ᵢ + s·δ,
 * π_C = Σwᵢ·Cᵢ (private i) + Σhᵢ·Hᵢ + s·π_A + r·(β₁ + Σwᵢ·B1ᵢ + s·δ₁) − r·s·δ₁.
 */

const R_INV = modPow(1n << 256n, FIELD_SIZE - 2n, FIELD_SIZE) // Montgomery: x·R⁻¹ undoes one R

type Curve = any

type ProvingKey = {
  curve: Curve
  nVars: number
  nPublic: number
  domainSize: number
  power: number
  alpha1: unknown
  beta1: unknown
  beta2: unknown
  delta1: unknown
  delta2: unknown
  /** per QAP coefficient: matrix (0 = A, 1 = B), constraint row, signal, value·R⁻¹ */
  coefMatrix: Uint8Array
  coefRow: Uint32Array
  coefSignal: Uint32Array
  coefValue: bigint[]
  /** the points of A, B1, B2, C and H, as the zkey has them */
  points: Record<'A' | 'B1' | 'B2' | 'C' | 'H', { group: 'G1' | 'G2'; bytes: Uint8Array }>
  /** the same points loaded in the curve's multi-exponentiation pool, and which pool */
  loaded?: { pool: MsmPool; bases: Promise<MsmKey> }
}

/**
 * The key's points in the curve's current pool: loaded once, and again into a new pool if the
 * last one stopped (a worker crashed), so that one crash does not stop every later proof.
 */
function loadedBases(key: ProvingKey): { pool: MsmPool; bases: Promise<MsmKey> } {
  const pool = msmPool(key.curve)
  if (key.loaded?.pool !== pool) {
    const loaded = { pool, bases: pool.load(key.points) }
    // A load that failed is tried again by the next proof, not kept as the key's answer.
    loaded.bases.catch(() => {
      if (key.loaded === loaded) key.loaded = undefined
    })
    key.loaded = loaded
  }
  return key.loaded
}

export type LoadedCircuit = { key: ProvingKey; witness: { calculateWitness(input: unknown, sanityCheck: boolean): Promise<bigint[]> } }

function readU32(b: Uint8Array, o: number): number {
  return new DataView(b.buffer, b.byteOffset + o, 4).getUint32(0, true)
}

const viewOf = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength)

/** The little-endian 256-bit integer at byte `o` of a view. */
function readLE(v: DataView, o: number): bigint {
  return v.getBigUint64(o, true) | (v.getBigUint64(o + 8, true) << 64n) | (v.getBigUint64(o + 16, true) << 128n) | (v.getBigUint64(o + 24, true) << 192n)
}

function writeLE(v: DataView, o: number, x: bigint): void {
  v.setBigUint64(o, BigInt.asUintN(64, x), true)
  v.setBigUint64(o + 8, BigInt.asUintN(64, x >> 64n), true)
  v.setBigUint64(o + 16, BigInt.asUintN(64, x >> 128n), true)
  v.setBigUint64(o + 24, x >> 192n, true)
}

function modPow(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n
  b %= m
  while (e > 0n) {
    if (e & 1n) r = (r * b) % m
    b = (b * b) % m
    e >>= 1n
  }
  return r
}

async function section(fd: unknown, sections: unknown, id: number): Promise<Uint8Array> {
  const s = await readSection(fd, sections, id)
  return s instanceof Uint8Array ? s : new Uint8Array(s.slice(0, s.byteLength))
}

/**
 * Starts the curve's worker threads and its multi-exponentiation pool, without a key, so that a
 * `loadCircuitFromBytes` that follows finds them running: the browser's prover worker calls it
 * while the artifacts download (about 0.4 s of a cold visit's load there).
 *
 * @example
 * const ready = startProver()
 * const [wasm, zkey] = await Promise.all([fetchArtifact(wasmUrl, entry.wasmSha256), fetchArtifact(zkeyUrl, entry.zkeySha256)])
 * await ready
 */
export async function startProver(): Promise<void> {
  msmPool(await bn128())
}

/**
 * Reads a zkey and the circuit's witness generator from bytes into memory (once per circuit):
 * how the browser's prover worker loads the artifacts it fetched and checked. Throws
 * `CircuitArtifactError` when `zkey` is not a zkey file; `name` (say `transfer.zkey`) goes in
 * the message.
 *
 * @example
 * const circuit = await loadCircuitFromBytes(await fetchArtifact(wasmUrl, entry.wasmSha256), await fetchArtifact(zkeyUrl, entry.zkeySha256))
 * const { proof, publicSignals } = await groth16Prove(circuit, input)
 */
export async function loadCircuitFromBytes(wasm: Uint8Array, zkey: Uint8Array, options: { name?: string } = {}): Promise<LoadedCircuit> {
  const name = options.name ?? 'The proving key'
  // binfileutils names the file in its own errors; an in-memory one has no name, so check the
  // magic here and say which file it was.
  if (zkey.byteLength < 12 || String.fromCharCode(...zkey.subarray(0, 4)) !== 'zkey') {
    throw new CircuitArtifactError(`${name} is not a zkey file.`, { details: `${zkey.byteLength} bytes` })
  }
  const curve = await bn128()
  const { fd, sections } = await readBinFile({ type: 'mem', data: zkey }, 'zkey', 2)
  const header = await section(fd, sections, 2)
  const n8q = readU32(header, 0)
  let o = 4 + n8q
  const n8r = readU32(header, o)
  o += 4 + n8r
  const nVars = readU32(header, o)
  const nPublic = readU32(header, o + 4)
  const domainSize = readU32(header, o + 8)
  o += 12
  const g1 = () => {
    const p = curve.G1.fromRprLEM(header, o)
    o += 2 * n8q
    return p
  }
  const g2 = () => {
    const p = curve.G2.fromRprLEM(header, o)
    o += 4 * n8q
    return p
  }
  const alpha1 = g1()
  const beta1 = g1()
  const beta2 = g2()
  g2() // gamma2: verifier only
  const delta1 = g1()
  const delta2 = g2()

  const coeffs = await section(fd, sections, 4)
  const nCoef = readU32(coeffs, 0)
  const coeffsView = viewOf(coeffs)
  const coefMatrix = new Uint8Array(nCoef)
  const coefRow = new Uint32Array(nCoef)
  const coefSignal = new Uint32Array(nCoef)
  const coefValue = new Array<bigint>(nCoef)
  for (let i = 0, p = 4; i < nCoef; i++, p += 12 + n8r) {
    coefMatrix[i] = readU32(coeffs, p)
    coefRow[i] = readU32(coeffs, p + 4)
    coefSignal[i] = readU32(coeffs, p + 8)
    // snarkjs multiplies the stored value by the witness as Montgomery operands (x·w·R⁻¹):
    // folding R⁻¹ in here leaves one plain multiply per coefficient per proof.
    coefValue[i] = (readLE(coeffsView, p + 12) * R_INV) % FIELD_SIZE
  }
  const key: ProvingKey = {
    curve,
    nVars,
    nPublic,
    domainSize,
    power: Math.log2(domainSize),
    alpha1,
    beta1,
    beta2,
    delta1,
    delta2,
    coefMatrix,
    coefRow,
    coefSignal,
    coefValue,
    points: {
      A: { group: 'G1', bytes: await section(fd, sections, 5) },
      B1: { group: 'G1', bytes: await section(fd, sections, 6) },
      B2: { group: 'G2', bytes: await section(fd, sections, 7) },
      C: { group: 'G1', bytes: await section(fd, sections, 8) },
      H: { group: 'G1', bytes: await section(fd, sections, 9) },
    },
  }
  await (fd as { close(): Promise<void> }).close()
  await loadedBases(key).bases // into the workers now, not in the first proof's time
  const witness = await WitnessCalculatorBuilder(wasm)
  return { key, witness }
}

/**
 * Proves `input` (signals as bigints or decimal strings); returns the proof in snarkjs's JSON
 * shape and the public signals as decimal strings. Throws circom's assertion error when the
 * input violates a constraint. One proof at a time per circuit: the witness generator is one
 * wasm instance (see prove.ts).
 *
 * @example
 * const { proof, publicSignals } = await groth16Prove(await loadCircuit(paths.wasm, paths.zkey), witness.input)
 */
export async function groth16Prove(circuit: LoadedCircuit, input: Record<string, unknown>) {
  const { key } = circuit
  const { curve, domainSize } = key
  const Fr = curve.Fr
  const G1 = curve.G1
  const G2 = curve.G2
  const w = await circuit.witness.calculateWitness(input, true)
  if (w.length !== key.nVars) throw new Error(`The witness has ${w.length} signals; the proving key expects ${key.nVars}.`)

  // A·w and B·w at each constraint row, in Montgomery form (value·R), then C = A∘B.
  const a = new Array<bigint>(domainSize).fill(0n)
  const b = new Array<bigint>(domainSize).fill(0n)
  for (let i = 0; i < key.coefValue.length; i++) {
    const target = key.coefMatrix[i] === 0 ? a : b
    const row = key.coefRow[i]!
    target[row] = target[row]! + key.coefValue[i]! * w[key.coefSignal[i]!]!
  }
  const buffA = new Uint8Array(domainSize * 32)
  const buffB = new Uint8Array(domainSize * 32)
  const buffC = new Uint8Array(domainSize * 32)
  const [vA, vB, vC] = [viewOf(buffA), viewOf(buffB), viewOf(buffC)]
  for (let i = 0; i < domainSize; i++) {
    const ai = a[i]! % FIELD_SIZE
    const bi = b[i]! % FIELD_SIZE
    if (ai === 0n || bi === 0n) {
      if (ai !== 0n) writeLE(vA, i * 32, ai)
      if (bi !== 0n) writeLE(vB, i * 32, bi)
      continue // padding rows past the last constraint are all zero
    }
    writeLE(vA, i * 32, ai)
    writeLE(vB, i * 32, bi)
    writeLE(vC, i * 32, (((ai * bi) % FIELD_SIZE) * R_INV) % FIELD_SIZE)
  }

  // Evaluations on the odd coset, where the vanishing polynomial is a constant.
  const inc = key.power === Fr.s ? Fr.shift : Fr.w[key.power + 1]
  const odd = async (buff: Uint8Array) => Fr.fft(await Fr.batchApplyKey(await Fr.ifft(buff), Fr.e(1), inc))
  const [aOdd, bOdd, cOdd] = (await Promise.all([odd(buffA), odd(buffB), odd(buffC)])) as Uint8Array[]
  const h = new Uint8Array(domainSize * 32)
  const [vAo, vBo, vCo, vH] = [viewOf(aOdd!), viewOf(bOdd!), viewOf(cOdd!), viewOf(h)]
  const R_INV2 = (R_INV * R_INV) % FIELD_SIZE
  for (let i = 0; i < domainSize; i++) {
    // (a·b·R⁻¹ − c)·R⁻¹ = a·b·R⁻² − c·R⁻¹: the Montgomery product, then out of Montgomery form
    const o = i * 32
    const x = (readLE(vAo, o) * readLE(vBo, o) * R_INV2 - readLE(vCo, o) * R_INV) % FIELD_SIZE
    writeLE(vH, o, x < 0n ? x + FIELD_SIZE : x)
  }

  const wBuff = new Uint8Array(key.nVars * 32)
  const vW = viewOf(wBuff)
  w.forEach((x, i) => writeLE(vW, i * 32, x))
  // The longest first (G2's), so that the workers finish together.
  const { pool, bases: loading } = loadedBases(key)
  const bases = await loading
  const [piB0, resH, piA0, piC0, piB10] = await Promise.all([
    pool.multiExp(bases, 'B2', wBuff),
    pool.multiExp(bases, 'H', h),
    pool.multiExp(bases, 'A', wBuff),
    pool.multiExp(bases, 'C', wBuff.subarray((key.nPublic + 1) * 32)),
    pool.multiExp(bases, 'B1', wBuff),
  ])

  const r = Fr.random()
  const s = Fr.random()
  const piA = G1.add(G1.add(piA0, key.alpha1), G1.timesFr(key.delta1, r))
  const piB = G2.add(G2.add(piB0, key.beta2), G2.timesFr(key.delta2, s))
  const piB1 = G1.add(G1.add(piB10, key.beta1), G1.timesFr(key.delta1, s))
  let piC = G1.add(piC0, resH)
  piC = G1.add(piC, G1.timesFr(piA, s))
  piC = G1.add(piC, G1.timesFr(piB1, r))
  piC = G1.add(piC, G1.timesFr(key.delta1, Fr.neg(Fr.mul(r, s))))

  const str = (x: unknown): unknown => (Array.isArray(x) ? x.map(str) : String(x))
  return {
    proof: {
      pi_a: str(G1.toObject(G1.toAffine(piA))) as string[],
      pi_b: str(G2.toObject(G2.toAffine(piB))) as string[][],
      pi_c: str(G1.toObject(G1.toAffine(piC))) as string[],
      protocol: 'groth16',
      curve: 'bn128',
    },
    publicSignals: w.slice(1, key.nPublic + 1).map(String),
  }
}
