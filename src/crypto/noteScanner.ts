import { InvalidParameterError } from '../errors/index.ts'
import { bigIntToBytes, bytesToBigInt } from './field.ts'
import { availableCores } from './nodeBuiltin.ts'
import { type DecryptedNote, decryptNotes, NOTE_CIPHERTEXT_SIZE } from './noteEncryption.ts'
import { WorkerPool } from './workerPool.ts'

/** The outputs of one transaction, as a wallet syncs them from the node or from L1 events. */
export type EncryptedTransaction = {
  epk: Uint8Array
  ciphertexts: Uint8Array[]
  commitments: bigint[]
}

/** What a scan decrypts with: an incoming viewing key, plus the internal key for a wallet or a full viewing key. */
export type ScanKey = { vsk: Uint8Array; ownerPk: bigint; internalKey?: Uint8Array | undefined }
export type ScanRequest = ScanKey & { offset: number; packed: Uint8Array }
export type ScanResponse = (DecryptedNote & { txIndex: number })[]

/** Below this many transactions a worker round trip costs more than it saves. */
const MIN_PARALLEL = 256

/**
 * Trial-decrypts many transactions on worker threads (one per core by default). Wallet sync is
 * bound by one x25519 per transaction: spreading it over the cores is the one lever left once
 * the native ECDH is in use.
 *
 * @example
 * const scanner = new NoteScanner()
 * const mine = await scanner.scan({ vsk, ownerPk, internalKey }, txs) // [{ txIndex, index, note, memo, commitment, internal }]
 * await scanner.close()
 */
export class NoteScanner {
  private pool: WorkerPool<ScanRequest, ScanResponse>
  readonly threads: number

  constructor(options: { threads?: number } = {}) {
    const threads = options.threads ?? availableCores()
    if (!Number.isInteger(threads) || threads < 1) throw new InvalidParameterError('threads', 'expected a positive integer')
    this.threads = threads
    this.pool = new WorkerPool(new URL('./noteScanner.worker.ts', import.meta.url), threads)
  }

  /**
   * Returns the notes among `txs` that belong to the key, with their transaction index: the
   * notes sent to its address and, with `internalKey`, those the account sent itself.
   */
  async scan(key: ScanKey, txs: readonly EncryptedTransaction[]): Promise<ScanResponse> {
    const { vsk, ownerPk, internalKey } = key
    if (txs.length < MIN_PARALLEL || this.threads === 1) {
      return txs.flatMap((tx, txIndex) => decryptNotes({ vsk, ownerPk, internalKey, ...tx }).flatMap((n) => (n ? [{ txIndex, ...n }] : [])))
    }
    const chunk = Math.ceil(txs.length / this.threads)
    const parts = await Promise.all(
      Array.from({ length: this.threads }, (_, w) => {
        const offset = w * chunk
        const packed = packTransactions(txs.slice(offset, offset + chunk))
        return this.pool.run({ vsk, ownerPk, internalKey, offset, packed }, [packed.buffer as ArrayBuffer])
      }),
    )
    return parts.flat()
  }

  /** Stops the worker threads; the scanner starts them again if used after. */
  close(): Promise<void> {
    return this.pool.close()
  }
}

/**
 * Transactions as one flat buffer, moved (not cloned) to a worker: per transaction
 * `n (u8) ‖ epk (32) ‖ n × (ciphertext length u16 ‖ ciphertext ‖ commitment (32))`.
 * Structured-cloning thousands of small objects cost more than decrypting them.
 *
 * A ciphertext of any other size than NOTE_CIPHERTEXT_SIZE can never decrypt, and one of 64 KiB
 * or more would wrap its 16-bit length and shift every later field (wrong leaf indexes, notes
 * that are not there): such a ciphertext is packed empty instead, an output nobody owns.
 */
export function packTransactions(txs: readonly EncryptedTransaction[]): Uint8Array {
  const fits = (c: Uint8Array) => c.length === NOTE_CIPHERTEXT_SIZE
  let size = 0
  for (const tx of txs) size += 33 + tx.ciphertexts.reduce((a, c) => a + 2 + (fits(c) ? c.length : 0) + 32, 0)
  const out = new Uint8Array(size)
  let o = 0
  for (const tx of txs) {
    if (tx.ciphertexts.length > 255 || tx.commitments.length !== tx.ciphertexts.length || tx.epk.length !== 32) {
      throw new InvalidParameterError('txs', 'each transaction needs a 32-byte epk and one commitment per ciphertext (at most 255)')
    }
    out[o] = tx.ciphertexts.length
    out.set(tx.epk, o + 1)
    o += 33
    tx.ciphertexts.forEach((ciphertext, i) => {
      const c = fits(ciphertext) ? ciphertext : EMPTY
      out[o] = c.length >> 8
      out[o + 1] = c.length & 0xff
      out.set(c, o + 2)
      o += 2 + c.length
      out.set(bigIntToBytes(tx.commitments[i]!, 32), o)
      o += 32
    })
  }
  return out
}

const EMPTY = new Uint8Array(0)

export function unpackTransactions(packed: Uint8Array): EncryptedTransaction[] {
  const txs: EncryptedTransaction[] = []
  let o = 0
  while (o < packed.length) {
    const n = packed[o]!
    const tx: EncryptedTransaction = { epk: packed.subarray(o + 1, o + 33), ciphertexts: [], commitments: [] }
    o += 33
    for (let i = 0; i < n; i++) {
      const length = (packed[o]! << 8) | packed[o + 1]!
      tx.ciphertexts.push(packed.subarray(o + 2, o + 2 + length))
      o += 2 + length
      tx.commitments.push(bytesToBigInt(packed.subarray(o, o + 32)))
      o += 32
    }
    txs.push(tx)
  }
  return txs
}
