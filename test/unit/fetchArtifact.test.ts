import { createHash } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { fetchArtifact } from '../../src/browser/artifacts.ts'

// fetchArtifact against a Cache Storage stand-in and a fetch that counts: the browser e2e test
// (test/e2e/browserProver.test.ts) runs it in Chromium; these pin down each branch.

const URL_ = 'https://app.example/circuits/transfer.zkey'
const good = new Uint8Array([1, 2, 3, 4, 5])
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')

let served: Uint8Array
let status: number
let fetches: number
let store: Map<string, Map<string, Uint8Array>>

beforeEach(() => {
  served = good
  status = 200
  fetches = 0
  store = new Map()
  vi.stubGlobal('fetch', async () => {
    fetches++
    return new Response(served.slice(), { status })
  })
  vi.stubGlobal('caches', {
    async open(name: string) {
      const entries = store.get(name) ?? new Map<string, Uint8Array>()
      store.set(name, entries)
      return {
        match: async (url: string) => (entries.has(url) ? new Response(entries.get(url)!.slice()) : undefined),
        put: async (url: string, response: Response) => void entries.set(url, new Uint8Array(await response.arrayBuffer())),
        delete: async (url: string) => entries.delete(url),
      }
    },
  })
})

afterEach(() => vi.unstubAllGlobals())

describe('fetchArtifact', () => {
  it('default: downloads, checks and caches; the next call reads the cache and downloads nothing', async () => {
    expect(await fetchArtifact(URL_, sha(good), { cache: 'c' })).toEqual(good)
    expect(fetches).toBe(1)
    expect(store.get('c')!.get(URL_)).toEqual(good)
    expect(await fetchArtifact(URL_, sha(good).toUpperCase(), { cache: 'c' })).toEqual(good)
    expect(fetches).toBe(1)
  })

  it('behavior: without a cache name every call downloads', async () => {
    await fetchArtifact(URL_, sha(good))
    await fetchArtifact(URL_, sha(good))
    expect(fetches).toBe(2)
    expect(store.size).toBe(0)
  })

  it('error: a download that does not match the hash is CIRCUIT_ARTIFACT_INVALID naming the file, and is not cached', async () => {
    served = new Uint8Array([1, 2, 3, 4, 6])
    await expect(fetchArtifact(URL_, sha(good), { cache: 'c' })).rejects.toMatchObject({
      name: 'CircuitArtifactError',
      code: 'CIRCUIT_ARTIFACT_INVALID',
      shortMessage: 'The circuit artifact transfer.zkey does not match the manifest: refusing to use it.',
    })
    expect(store.get('c')!.has(URL_)).toBe(false)
  })

  it('behavior: a cached copy that no longer matches (a new manifest) is dropped and the new file downloaded', async () => {
    const older = new Uint8Array([9, 9, 9])
    store.set('c', new Map([[URL_, older]]))
    expect(await fetchArtifact(URL_, sha(good), { cache: 'c' })).toEqual(good)
    expect(fetches).toBe(1)
    expect(store.get('c')!.get(URL_)).toEqual(good)
  })

  it('error: an HTTP error or a failed fetch is CIRCUIT_ARTIFACT_INVALID naming the file', async () => {
    status = 404
    await expect(fetchArtifact(URL_, sha(good), { cache: 'c' })).rejects.toMatchObject({ code: 'CIRCUIT_ARTIFACT_INVALID', shortMessage: 'Could not download the circuit artifact transfer.zkey (HTTP 404).' })
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch')
    })
    await expect(fetchArtifact(URL_, sha(good))).rejects.toMatchObject({ code: 'CIRCUIT_ARTIFACT_INVALID', cause: expect.any(TypeError) })
  })

  it('args: the hash must be 64 hex digits, the URL a non-empty string', async () => {
    await expect(fetchArtifact(URL_, 'abc')).rejects.toMatchObject({ code: 'INVALID_PARAMETER', parameter: 'sha256Hex' })
    await expect(fetchArtifact('', sha(good))).rejects.toMatchObject({ code: 'INVALID_PARAMETER', parameter: 'url' })
    expect(fetches).toBe(0)
  })
})
