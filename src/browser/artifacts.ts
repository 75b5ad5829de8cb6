import { CircuitArtifactError, InvalidParameterError } from '../errors/index.ts'

// Circuit artifacts for a browser: fetched once, checked against the manifest's SHA-256, kept in
// Cache Storage. The hash is checked on every read, the cached copy included: a copy from before
// a release that changed the keys must not be used, and Cache Storage is writable by any script
// of the origin. The manifest is the trust anchor; it comes with the app, not with the artifacts.

// The DOM's types are not in this project's lib (it is compiled for Node too): what is used of
// Cache Storage, structurally.
type CacheLike = {
  match(request: string): Promise<{ arrayBuffer(): Promise<ArrayBuffer> } | undefined>
  put(request: string, response: Response): Promise<void>
  delete(request: string): Promise<boolean>
}
type CacheStorageLike = { open(name: string): Promise<CacheLike> }

/**
 * The Cache Storage cache the prover worker keeps circuit artifacts in unless told otherwise.
 *
 * @example
 * await caches.delete(ARTIFACT_CACHE) // the next load downloads the artifacts again
 */
export const ARTIFACT_CACHE = 'zkpay-circuits'

const SHA256_HEX = /^[0-9a-f]{64}$/

/** The file's name for messages: the URL's last path segment. */
function fileName(url: string): string {
  return url.split(/[?#]/)[0]!.split('/').pop() || url
}

function toHex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('')
}

async function digestHex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  return toHex(await crypto.subtle.digest('SHA-256', bytes))
}

/**
 * A circuit artifact's bytes, once their SHA-256 is `sha256Hex` (from circuits/manifest.json).
 * With `cache` (a Cache Storage name), a copy there that still matches is used without any
 * request, and a fresh download that matches is stored for the next visit; a cached copy that
 * no longer matches (the manifest moved on) is dropped and downloaded again. Throws
 * `CircuitArtifactError` naming the file when the download fails or its hash differs; such
 * bytes are never cached.
 *
 * Without Cache Storage (an insecure context: plain http to anything but localhost) every call
 * downloads.
 *
 * @example
 * const entry = manifest.circuits.find((c) => c.name === 'transfer')!
 * const zkey = await fetchArtifact(`${base}/transfer.zkey`, entry.zkeySha256, { cache: ARTIFACT_CACHE })
 */
export async function fetchArtifact(url: string, sha256Hex: string, options: { cache?: string } = {}): Promise<Uint8Array> {
  if (typeof url !== 'string' || url === '') throw new InvalidParameterError('url', 'the artifact URL, a non-empty string')
  const expected = typeof sha256Hex === 'string' ? sha256Hex.toLowerCase() : ''
  if (!SHA256_HEX.test(expected)) throw new InvalidParameterError('sha256Hex', 'the artifact SHA-256 as 64 hex digits', String(sha256Hex))
  const file = fileName(url)
  const storage = (globalThis as { caches?: CacheStorageLike }).caches
  const cache = options.cache !== undefined && storage ? await storage.open(options.cache) : undefined

  const cached = await cache?.match(url)
  if (cached) {
    const bytes = new Uint8Array(await cached.arrayBuffer())
    if ((await digestHex(bytes)) === expected) return bytes
    await cache!.delete(url)
  }

  let response: Response
  try {
    response = await fetch(url)
  } catch (cause) {
    throw new CircuitArtifactError(`Could not download the circuit artifact ${file}: check the connection and try again.`, { details: url, cause })
  }
  if (!response.ok) throw new CircuitArtifactError(`Could not download the circuit artifact ${file} (HTTP ${response.status}).`, { details: url })
  const bytes = new Uint8Array(await response.arrayBuffer())
  const actual = await digestHex(bytes)
  if (actual !== expected) {
    throw new CircuitArtifactError(`The circuit artifact ${file} does not match the manifest: refusing to use it.`, {
      details: `${url}: SHA-256 ${actual}, the manifest says ${expected}`,
    })
  }
  if (cache) {
    // A full quota costs the next visit a download, not this proof: store what we can.
    await cache.put(url, new Response(bytes, { headers: { 'content-type': 'application/octet-stream' } })).catch(() => undefined)
  }
  return bytes
}
