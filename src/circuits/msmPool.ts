import { buildBn128 } from 'wasmcurves'
import { ModuleBuilder } from 'wasmbuilder'
import Worker from 'web-worker'

// No node: imports here: the browser's prover worker bundles this file (see groth16.ts).

/**
 * Multi-exponentiations over bases that stay in the workers: a proving key's points are copied
 * into each worker's wasm memory once, when the circuit is loaded, and a proof sends only its
 * scalars.
 *
 * Why not ffjavascript's `G.multiExpAffine`: it posts every point of the key with every window
 * (26 tasks of ~1.3 MB per G1 multi-exponentiation of the transfer circuit), some 190 MB of
 * structured clones per proof. Node copies that in ~0.1 s; Chromium, whose array buffers come
 * fresh from the kernel, took ~1.4 s of a 2.9 s proof in its Web Worker. The arithmetic is the
 * same as ffjavascript's: wasmcurves' `g1m_multiexpAffine_chunk`/`g2m_…` (one window of
 * Pippenger's buckets per call, its window width by the same table) in workers, the windows
 * combined by doubling on the calling thread's curve.
 *
 * Each loaded key has a wasm instance of its own in every worker, so a key that is dropped (a
 * FinalizationRegistry notices) frees its memory whole.
 */

type Group = 'G1' | 'G2'
/** ffjavascript's curve: its groups' Jacobian arithmetic on the calling thread, and its thread count. */
// ffjavascript ships no types; its curve object is used as snarkjs uses it.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Curve = any

/** Bytes per affine base, as the zkey stores them, and per Jacobian result. */
const AFFINE_BYTES: Record<Group, number> = { G1: 64, G2: 128 }
const JACOBIAN_BYTES: Record<Group, number> = { G1: 96, G2: 192 }
const SCALAR_BYTES = 32
const WASM_FN: Record<Group, string> = { G1: 'g1m_multiexpAffine_chunk', G2: 'g2m_multiexpAffine_chunk' }

/** Window width by log2(points): ffjavascript's table (engine_multiexp.js), so the work is the same. */
const WINDOW_BITS = [1, 1, 1, 1, 2, 3, 4, 5, 6, 7, 7, 8, 9, 10, 11, 12, 13, 13, 14, 15, 16, 16, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17]

/** The wasm memory the curve module starts with (ffjavascript's too), in 64 KiB pages. */
const INITIAL_PAGES = 25

/**
 * At most this many workers, whatever the core count: each holds every loaded key's points
 * (about 5.5 MB a circuit), and a proof's 26 windows per multi-exponentiation give more workers
 * little to share.
 */
const MAX_THREADS = 8

/**
 * The worker, as source (it runs from a Blob or data: URL, as ffjavascript's threads do, so that
 * one file serves Node and the browser and no bundler has to know about it). Messages:
 * `init {code}`, `load {handle, bases: {name: bytes}}`, `free {handle}`,
 * `msm {handle, bases, group, scalars, from, to, bits, fn, jacobianBytes}` → `{id, out}` with
 * one Jacobian point per window of [from, to), or `{id, error}`.
 */
const WORKER_SOURCE = `
let wasmModule
const keys = new Map()
function ensure(memory, end) {
  const have = memory.buffer.byteLength
  if (end > have) memory.grow(Math.ceil((end - have) / 65536))
}
function freePointer(memory) { return new Uint32Array(memory.buffer, 0, 1) }
async function handle(m) {
  if (m.type === 'init') { wasmModule = await WebAssembly.compile(m.code); return {} }
  if (m.type === 'load') {
    const memory = new WebAssembly.Memory({ initial: m.pages })
    const instance = await WebAssembly.instantiate(wasmModule, { env: { memory } })
    let free = freePointer(memory)[0]
    const pointers = {}
    for (const name of Object.keys(m.bases)) {
      const bytes = m.bases[name]
      free = (free + 63) & ~63
      ensure(memory, free + bytes.byteLength)
      new Uint8Array(memory.buffer).set(bytes, free)
      pointers[name] = { pointer: free, bytes: bytes.byteLength }
      free += bytes.byteLength
    }
    freePointer(memory)[0] = (free + 63) & ~63
    keys.set(m.handle, { memory, instance, pointers })
    return {}
  }
  if (m.type === 'free') { keys.delete(m.handle); return {} }
  if (m.type === 'msm') {
    const key = keys.get(m.handle)
    if (!key) throw new Error('no key ' + m.handle + ' is loaded in this worker')
    const bases = key.pointers[m.bases]
    if (!bases) throw new Error('the key has no bases ' + m.bases)
    const { memory, instance } = key
    const start = freePointer(memory)[0]
    const scalars = start
    // the window reader loads 4 bytes at a time: room past the last scalar
    const out = (scalars + m.scalars.byteLength + 8 + 63) & ~63
    const windows = m.to - m.from
    const top = out + windows * m.jacobianBytes
    ensure(memory, top + (1 << m.bits) * m.jacobianBytes + 65536)
    new Uint8Array(memory.buffer).set(m.scalars, scalars)
    freePointer(memory)[0] = top
    const fn = instance.exports[m.fn]
    const n = m.scalars.byteLength / ${SCALAR_BYTES}
    const totalBits = ${SCALAR_BYTES * 8}
    try {
      for (let i = m.from; i < m.to; i++) {
        fn(bases.pointer, scalars, ${SCALAR_BYTES}, n, i * m.bits, Math.min(totalBits - i * m.bits, m.bits), out + (i - m.from) * m.jacobianBytes)
      }
      return { out: new Uint8Array(memory.buffer, out, windows * m.jacobianBytes).slice() }
    } finally {
      freePointer(memory)[0] = start
    }
  }
  throw new Error('unknown message ' + m.type)
}
self.onmessage = (event) => {
  const m = event.data
  handle(m).then(
    (result) => self.postMessage({ id: m.id, ...result }, result.out ? [result.out.buffer] : []),
    (error) => self.postMessage({ id: m.id, error: String((error && error.message) || error) }),
  )
}
`

type Reply = { id: number; out?: Uint8Array; error?: string }
type Pending = { resolve: (reply: Reply) => void; reject: (error: Error) => void }
/** A part of a multi-exponentiation; it holds its key so that the key is not freed while queued. */
type Task = { message: Record<string, unknown> & { id: number }; transfer: Transferable[]; pending: Pending; key: MsmKey }
type PoolWorker = { worker: Worker; busy: boolean; pending: Map<number, Pending> }

/** The bases of one proving key, loaded in every worker of a pool. */
export type MsmKey = { readonly handle: number; readonly points: Readonly<Record<string, { group: Group; count: number }>> }

/** A Blob URL in the browser; in Node, web-worker takes data: URLs (Node's blob: URLs it cannot load). */
function workerUrl(): string {
  const inNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string'
  if (inNode) return `data:application/javascript;base64,${btoa(WORKER_SOURCE)}`
  return URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'application/javascript' }))
}

function log2(n: number): number {
  return 31 - Math.clz32(n)
}

/**
 * What the pool throws when it cannot work (it was terminated, a worker crashed or failed): a
 * fault of the machine, not of the inputs, so callers can say so.
 *
 * @example
 * if (cause instanceof MsmPoolError) throw new ProofGenerationError('The prover failed: try again.', { cause })
 */
export class MsmPoolError extends Error {
  override name = 'MsmPoolError'
}

const terminatedError = () => new MsmPoolError('The multi-exponentiation pool was terminated.')

/**
 * A pool of multi-exponentiation workers on one ffjavascript curve: `load` a proving key's bases
 * once, then `multiExp` as often as wanted. One pool per curve (`msmPool(curve)`).
 *
 * @example
 * const pool = msmPool(curve)
 * const key = await pool.load({ A: { group: 'G1', bytes: basesA } })
 * const piA = await pool.multiExp(key, 'A', witnessBytes) // a Jacobian point, as G1.multiExpAffine gives
 */
export class MsmPool {
  readonly #curve: Curve
  readonly #workers: PoolWorker[]
  readonly #queue: Task[] = []
  readonly #ready: Promise<void>
  #nextId = 1
  #nextHandle = 1
  #closed = false
  readonly #finalizer = new FinalizationRegistry<number>((handle) => this.#free(handle))

  constructor(curve: Curve, threads: number) {
    this.#curve = curve
    const url = workerUrl()
    this.#workers = Array.from({ length: Math.min(MAX_THREADS, Math.max(1, threads)) }, () => {
      const w: PoolWorker = { worker: new Worker(url), busy: false, pending: new Map() }
      w.worker.addEventListener('message', (event: MessageEvent<Reply>) => this.#onReply(w, event.data))
      w.worker.addEventListener('error', (event: Event) => this.#onCrash(event))
      return w
    })
    const builder = new ModuleBuilder()
    builder.setMemory(INITIAL_PAGES)
    buildBn128(builder)
    const code: Uint8Array = builder.build()
    this.#ready = Promise.all(this.#workers.map((w) => this.#send(w, { type: 'init', code: code.slice() }))).then(() => undefined)
    this.#ready.catch(() => undefined) // a pool stopped before any load: the next call reports it
  }

  /** Whether the pool has stopped (terminated, or a worker crashed): it takes no more work. */
  get closed(): boolean {
    return this.#closed
  }

  /** How many workers share each multi-exponentiation. */
  get threads(): number {
    return this.#workers.length
  }

  /**
   * Copies `bases` (named sets of affine points in the zkey's layout) into every worker; they stay
   * there until the returned key is garbage-collected or the pool ends.
   */
  async load(bases: Record<string, { group: Group; bytes: Uint8Array }>): Promise<MsmKey> {
    const handle = this.#nextHandle++
    const points: Record<string, { group: Group; count: number }> = {}
    const bytes: Record<string, Uint8Array> = {}
    let total = 0
    for (const [name, set] of Object.entries(bases)) {
      const size = AFFINE_BYTES[set.group]
      if (set.bytes.byteLength % size !== 0) throw new Error(`The ${name} bases are ${set.bytes.byteLength} bytes, not a whole number of ${set.group} points.`)
      points[name] = { group: set.group, count: set.bytes.byteLength / size }
      bytes[name] = set.bytes
      total += set.bytes.byteLength
    }
    await this.#ready
    const pages = INITIAL_PAGES + Math.ceil(total / 65536) + 16
    const loads = await Promise.allSettled(this.#workers.map((w) => this.#send(w, { type: 'load', handle, pages, bases: bytes })))
    const failed = loads.find((l) => l.status === 'rejected')
    if (failed) {
      this.#free(handle) // the workers that did load it
      throw failed.reason
    }
    const key: MsmKey = { handle, points }
    this.#finalizer.register(key, handle)
    return key
  }

  /**
   * Σ scalarᵢ·baseᵢ over the bases `name` of `key`, with `scalars` as 32-byte little-endian
   * integers (one per base, in Montgomery form or not, as ffjavascript's multiExpAffine takes
   * them): a Jacobian point in the curve's buffer form. The windows are split among the workers.
   */
  async multiExp(key: MsmKey, name: string, scalars: Uint8Array): Promise<Uint8Array> {
    const set = key.points[name]
    if (!set) throw new Error(`The key has no bases named ${name}.`)
    const G = this.#curve[set.group]
    if (scalars.byteLength !== set.count * SCALAR_BYTES) {
      throw new Error(`${set.count} ${name} bases need ${set.count * SCALAR_BYTES} bytes of scalars, not ${scalars.byteLength}.`)
    }
    if (set.count === 0) return G.zero
    const bits = WINDOW_BITS[log2(set.count)]!
    const windows = Math.floor((SCALAR_BYTES * 8 - 1) / bits) + 1
    const parts = Math.min(this.#workers.length, windows)
    const jacobianBytes = JACOBIAN_BYTES[set.group]
    const replies = await Promise.all(
      Array.from({ length: parts }, (_, p) => {
        const from = Math.floor((p * windows) / parts)
        const to = Math.floor(((p + 1) * windows) / parts)
        const message = { type: 'msm', handle: key.handle, bases: name, fn: WASM_FN[set.group], scalars: scalars.slice(), from, to, bits, jacobianBytes }
        return this.#enqueue(key, message, [message.scalars.buffer]).then((reply) => ({ from, out: reply.out! }))
      }),
    )
    let result = G.zero
    for (let i = windows - 1; i >= 0; i--) {
      if (!G.isZero(result)) for (let j = 0; j < bits; j++) result = G.double(result)
      const part = replies.findLast((r) => r.from <= i)!
      const at = (i - part.from) * jacobianBytes
      result = G.add(result, part.out.slice(at, at + jacobianBytes))
    }
    return result
  }

  /** Stops the workers; pending and later calls reject. */
  terminate(): void {
    this.#stop(terminatedError())
  }

  /** Stops the workers and rejects every pending and queued call with `error`. */
  #stop(error: MsmPoolError): void {
    if (this.#closed) return
    this.#closed = true
    for (const w of this.#workers) {
      w.worker.terminate()
      const pending = [...w.pending.values()]
      w.pending.clear()
      for (const p of pending) p.reject(error)
    }
    for (const task of this.#queue.splice(0)) task.pending.reject(error)
  }

  #free(handle: number): void {
    if (this.#closed) return
    for (const w of this.#workers) w.worker.postMessage({ type: 'free', handle, id: 0 })
  }

  /** A message for one given worker, ahead of the queue (init and load go to every worker). */
  #send(w: PoolWorker, message: Record<string, unknown>): Promise<Reply> {
    if (this.#closed) return Promise.reject(terminatedError())
    const id = this.#nextId++
    return new Promise<Reply>((resolve, reject) => {
      w.pending.set(id, { resolve, reject })
      w.worker.postMessage({ ...message, id })
    })
  }

  /** A multi-exponentiation part for whichever worker is free first. */
  #enqueue(key: MsmKey, message: Record<string, unknown>, transfer: Transferable[]): Promise<Reply> {
    if (this.#closed) return Promise.reject(terminatedError())
    return new Promise<Reply>((resolve, reject) => {
      this.#queue.push({ message: { ...message, id: this.#nextId++ }, transfer, pending: { resolve, reject }, key })
      this.#dispatch()
    })
  }

  #dispatch(): void {
    if (this.#closed) return
    for (const w of this.#workers) {
      if (w.busy || this.#queue.length === 0) continue
      const task = this.#queue.shift()!
      w.busy = true
      // Only the answer to this task frees the worker (not one to a load beside it).
      const done = () => {
        w.busy = false
        this.#dispatch()
      }
      w.pending.set(task.message.id, {
        resolve: (reply) => {
          done()
          task.pending.resolve(reply)
        },
        reject: (error) => {
          done()
          task.pending.reject(error)
        },
      })
      w.worker.postMessage(task.message, task.transfer)
    }
  }

  #onReply(w: PoolWorker, reply: Reply): void {
    const pending = w.pending.get(reply.id)
    if (!pending) return
    w.pending.delete(reply.id)
    if (reply.error !== undefined) {
      pending.reject(new MsmPoolError(`A multi-exponentiation worker failed: ${reply.error}`))
      return
    }
    pending.resolve(reply)
  }

  #onCrash(event: Event): void {
    event.preventDefault?.() // handled here: not also an error of the prover worker that started it
    const message = (event as ErrorEvent).message ?? 'the worker stopped'
    this.#stop(new MsmPoolError(`A multi-exponentiation worker crashed: ${message}`))
  }
}

const pools = new WeakMap<object, MsmPool>()
/** Curves whose threads were stopped: a late caller must not start a pool nobody will stop. */
const terminatedCurves = new WeakSet<object>()

/**
 * The pool of `curve` (ffjavascript's bn128), started on first use with as many workers as the
 * curve has threads (at most 8), and started again if it stopped (a worker crashed). Throws
 * `MsmPoolError` for a curve that `terminateMsmPool` stopped. `terminateCurve` stops
 * it with the curve.
 *
 * @example
 * const key = await msmPool(curve).load({ H: { group: 'G1', bytes: basesH } })
 */
export function msmPool(curve: Curve): MsmPool {
  if (terminatedCurves.has(curve)) throw new MsmPoolError('The prover was terminated: its curve has no threads left.')
  let pool = pools.get(curve)
  if (!pool || pool.closed) {
    pool = new MsmPool(curve, curve.tm?.concurrency ?? 1)
    pools.set(curve, pool)
  }
  return pool
}

/**
 * Stops the pool of `curve`, if it has one, for good: `msmPool(curve)` refuses it from then on
 * (a new curve gets a new pool).
 *
 * @example
 * terminateMsmPool(curve); await curve.terminate()
 */
export function terminateMsmPool(curve: Curve): void {
  terminatedCurves.add(curve)
  pools.get(curve)?.terminate()
  pools.delete(curve)
}
