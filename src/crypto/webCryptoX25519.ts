/**
 * X25519 through WebCrypto (`crypto.subtle`), where the platform has it: Chromium, Firefox,
 * Safari 17+ and Node ≥ 20 do. In a browser it is native code, about 50× the pure-JS @noble
 * curve; its calls are asynchronous, so a scan computes every transaction's shared secret first,
 * in one batch, then decrypts synchronously (`decryptNotes` with `shared`).
 */

/** PKCS #8 wrapping of a raw X25519 private key (RFC 8410): WebCrypto imports no raw private keys. */
const PKCS8_X25519 = Uint8Array.of(0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20)
const X25519 = { name: 'X25519' } as const

/** A secret key imported once for many agreements. */
export type WebCryptoX25519 = {
  /** X25519(secret, point) for each point; null where the point is not 32 bytes or of low order (WebCrypto refuses an all-zero result). */
  sharedSecrets(points: readonly Uint8Array[]): Promise<(Uint8Array | null)[]>
}

/**
 * Imports `secretKey` for X25519 agreements, or resolves undefined when this platform's WebCrypto
 * has no X25519, or there is no WebCrypto (`subtle` null): the caller falls back to @noble.
 *
 * @example
 * const ecdh = await webCryptoX25519(keys.vsk)
 * const secrets = ecdh ? await ecdh.sharedSecrets(txs.map((t) => t.epk)) : undefined
 */
export async function webCryptoX25519(secretKey: Uint8Array, subtle: SubtleCrypto | null = globalThis.crypto?.subtle ?? null): Promise<WebCryptoX25519 | undefined> {
  if (!subtle || secretKey.length !== 32) return undefined
  const pkcs8 = new Uint8Array(PKCS8_X25519.length + 32)
  pkcs8.set(PKCS8_X25519)
  pkcs8.set(secretKey, PKCS8_X25519.length)
  let key: CryptoKey
  try {
    key = await subtle.importKey('pkcs8', pkcs8, X25519, false, ['deriveBits'])
  } catch {
    return undefined // no X25519 here
  } finally {
    pkcs8.fill(0)
  }
  const agree = async (point: Uint8Array): Promise<Uint8Array | null> => {
    if (point.length !== 32) return null
    try {
      const pub = await subtle.importKey('raw', point as Uint8Array<ArrayBuffer>, X25519, false, [])
      return new Uint8Array(await subtle.deriveBits({ name: 'X25519', public: pub }, key, 256))
    } catch {
      return null // a low-order point: the all-zero secret, refused
    }
  }
  return { sharedSecrets: (points) => Promise.all(points.map(agree)) }
}
