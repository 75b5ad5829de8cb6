import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createNodeClient, watchBatchEvents } from '../../src/sdk/nodeClient.ts'

// The wallet's view of /v1/events: batch events wake waits; a refused, broken or hostile stream
// leaves waits to their own timeouts.

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const close of closers.splice(0)) await close()
})

/** A stand-in node whose /v1/events is `serve`. */
async function nodeWithEvents(serve: (res: ServerResponse) => void): Promise<string> {
  const server = createServer((req, res) => (req.url === '/v1/events' ? serve(res) : res.writeHead(404).end()))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  closers.push(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

describe('watchBatchEvents', () => {
  it('default: a batch event wakes every waiter at once', async () => {
    let stream: ServerResponse | undefined
    const url = await nodeWithEvents((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write(': open\n\n')
      stream = res
    })
    const watch = watchBatchEvents(createNodeClient(url))
    closers.push(async () => watch.close())
    await vi.waitFor(() => expect(watch.live).toBe(true))
    let woken = 0
    const waits = [watch.next(600_000), watch.next(600_000)].map((p) => p.then(() => woken++))
    stream!.write('event: batch\ndata: {"type":"batch","number":1,"state":"sealed"}\n\n')
    await Promise.all(waits)
    expect(woken).toBe(2)
  })

  it('error: an event longer than any the node sends ends the stream, and waits fall back to their timeouts', async () => {
    const url = await nodeWithEvents((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write('event: batch\n')
      res.write(`data: ${'x'.repeat(200_000)}`) // and never a line end
    })
    const watch = watchBatchEvents(createNodeClient(url))
    closers.push(async () => watch.close())
    await vi.waitFor(() => expect(watch.live).toBe(false))
    await watch.next(10)
    expect(watch.live).toBe(false)
  })

  it('error: a refused stream (503 TOO_MANY_STREAMS) is never live; waits time out', async () => {
    const url = await nodeWithEvents((res) => res.writeHead(503, { 'content-type': 'application/json' }).end('{"code":"TOO_MANY_STREAMS","message":"busy"}'))
    const watch = watchBatchEvents(createNodeClient(url))
    closers.push(async () => watch.close())
    await watch.next(50)
    expect(watch.live).toBe(false)
  })
})
