import type { Transferable, Worker } from 'node:worker_threads'
import { nodeBuiltin } from './nodeBuiltin.ts'

/** Node's worker threads (a browser bundle of the modules that import this one never starts a pool). */
function threads(): typeof import('node:worker_threads') {
  const module = nodeBuiltin('node:worker_threads')
  if (!module) throw new Error('Worker threads need Node.js: in a browser, scan and hash on the calling thread (threads: 1).')
  return module
}

const TS_ENTRY = new URL('./tsWorker.mjs', import.meta.url)
/** This module runs compiled (from dist/), not from its TypeScript source. */
const COMPILED = import.meta.url.endsWith('.js')

/**
 * Starts a worker thread running `url`. Run from its TypeScript sources (vitest, tsx scripts), a
 * `.ts` worker starts from a small JS entry that registers tsx in the new thread first; the
 * compiled package (the CLI, `npm start`) runs the `.js` sibling directly.
 */
function spawnWorker(url: URL): Worker {
  // ffjavascript (under circomlibjs and snarkjs) loads the `web-worker` package, which takes
  // over any worker thread it is loaded in and imports `workerData.mod`: hand it an empty module.
  const workerData = { mod: 'data:text/javascript,', name: 'zkpay', type: 'module', tsModule: url.href }
  // Compiled (dist/), the worker is the `.js` file beside this one; from source, tsx loads the `.ts`.
  if (url.pathname.endsWith('.ts') && COMPILED) return new (threads().Worker)(new URL(url.href.replace(/\.ts$/, '.js')), { workerData })
  return new (threads().Worker)(url.pathname.endsWith('.ts') ? TS_ENTRY : url, { workerData })
}

type Envelope<T> = { id: number; result?: T; error?: string } | { ready: true }

/**
 * A fixed set of worker threads running one module that answers requests (see `serveRequests`).
 * Workers keep the process alive only while they have work, so an idle pool never blocks exit.
 *
 * @example
 * const pool = new WorkerPool<Request, Response>(new URL('./my.worker.ts', import.meta.url), 2)
 * const answers = await Promise.all(parts.map((p) => pool.run(p)))
 * await pool.close()
 */
export class WorkerPool<Request, Response> {
  private workers: Worker[] = []
  private started: Promise<void> | undefined
  private pending = new Map<number, { resolve: (r: Response) => void; reject: (e: unknown) => void }>()
  private nextId = 0
  private next = 0

  constructor(
    private readonly url: URL,
    readonly size: number,
  ) {}

  /** Sends `request` to the next worker (round robin); `transfer` lists buffers to move, not copy. */
  async run(request: Request, transfer: Transferable[] = []): Promise<Response> {
    await this.start()
    const worker = this.workers[this.next++ % this.workers.length]
    if (!worker) throw new Error('The worker pool was closed.')
    const id = this.nextId++
    if (this.pending.size === 0) for (const w of this.workers) w.ref()
    try {
      return await new Promise<Response>((resolve, reject) => {
        this.pending.set(id, { resolve, reject })
        worker.postMessage({ id, request }, transfer)
      })
    } finally {
      if (this.pending.size === 0) for (const w of this.workers) w.unref()
    }
  }

  /** Stops the workers; requests still running are rejected. The next `run` starts new ones. */
  async close(): Promise<void> {
    const workers = this.workers
    this.reset(new Error('The worker pool was closed.'))
    await Promise.all(workers.map((w) => w.terminate()))
  }

  /** Forgets the workers and fails every request in flight: after a crash, or on close. */
  private reset(reason: Error): void {
    const workers = this.workers
    this.workers = []
    this.started = undefined
    for (const p of this.pending.values()) p.reject(reason)
    this.pending.clear()
    for (const w of workers) void w.terminate()
  }

  private start(): Promise<void> {
    this.started ??= Promise.all(
      Array.from({ length: this.size }, () => {
        const worker = spawnWorker(this.url)
        this.workers.push(worker)
        return new Promise<void>((ready, fail) => {
          worker.on('message', (m: Envelope<Response>) => {
            if ('ready' in m) return ready()
            const p = this.pending.get(m.id)
            this.pending.delete(m.id)
            if (m.error !== undefined) p?.reject(new Error(m.error))
            else p?.resolve(m.result as Response)
          })
          worker.on('error', (e) => {
            fail(e)
            if (this.workers.includes(worker)) this.reset(e)
          })
          // A worker that dies (killed, out of memory) takes its requests with it: fail them
          // instead of leaving their promises pending forever.
          worker.on('exit', (code) => {
            const e = new Error(`A worker thread stopped (exit code ${code}).`)
            fail(e)
            if (this.workers.includes(worker)) this.reset(e)
          })
        })
      }),
    ).then(() => undefined)
    return this.started
  }
}

/**
 * The worker side of `WorkerPool`: answers each request with `handler`'s result (moving the
 * buffers `transfer` picks out), then announces that it is ready. The announcement matters:
 * messages that arrive before this listener exists are swallowed by the `web-worker` shim.
 */
export function serveRequests<Request, Response>(
  handler: (request: Request) => Response | Promise<Response>,
  transfer: (response: Response) => Transferable[] = () => [],
): void {
  const port = threads().parentPort
  if (!port) throw new Error('serveRequests() must run in a worker thread.')
  port.on('message', async ({ id, request }: { id: number; request: Request }) => {
    try {
      const result = await handler(request)
      port.postMessage({ id, result }, transfer(result))
    } catch (e) {
      port.postMessage({ id, error: e instanceof Error ? e.message : String(e) })
    }
  })
  port.postMessage({ ready: true })
}
