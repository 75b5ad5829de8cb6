import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { type DecryptedNote, decryptNotes, NOTE_CIPHERTEXT_SIZE } from '../../crypto/noteEncryption.ts'
import { InvalidParameterError } from '../../errors/index.ts'
import type { ObservedOutput } from './types.ts'

/**
 * What the merchant decrypts with: the viewing secret and the owner key of its address. Never
 * the internal key, even when a full viewing key holds one (see `decryptOutputs`).
 */
export type PaymentKey = { vsk: Uint8Array; ownerPk: bigint }

/** An observed output that is a payment to the merchant, and its note. */
export type FoundPayment = { output: ObservedOutput; decrypted: DecryptedNote }

/** One output as bytes, where its transaction's outputs are decrypted together. */
type Slot = { epk: Uint8Array; ciphertext: Uint8Array; commitment: bigint; decrypted?: DecryptedNote | null }

const HEX = /^0x(?:[0-9a-fA-F]{2})*$/
const EMPTY = new Uint8Array(0)

function toBytes(value: unknown, parameter: string, size?: number): Uint8Array {
  const bytes = value instanceof Uint8Array ? value : typeof value === 'string' && HEX.test(value) ? hexToBytes(value.slice(2)) : undefined
  if (!bytes || (size !== undefined && bytes.length !== size)) throw new InvalidParameterError(parameter, size ? `expected ${size} bytes (hex or Uint8Array)` : 'expected hex or a Uint8Array')
  return bytes
}

/** The output's fields as bytes and a bigint, or an `InvalidParameterError` naming the bad one. */
function toSlot(o: ObservedOutput): Slot {
  const epk = toBytes(o.epk, 'epk', 32)
  // The contract takes only ciphertexts of this size: any other is no payment (and costs nothing to refuse).
  const ciphertext = toBytes(o.ciphertext, 'ciphertext', NOTE_CIPHERTEXT_SIZE)
  const commitment = typeof o.commitment === 'bigint' ? o.commitment : typeof o.commitment === 'string' && /^0x[0-9a-fA-F]{1,64}$/.test(o.commitment) ? BigInt(o.commitment) : undefined
  if (commitment === undefined) throw new InvalidParameterError('commitment', 'expected a bigint or 0x and at most 64 hex digits')
  if (!Number.isInteger(o.outputIndex) || o.outputIndex < 0 || o.outputIndex > 254) throw new InvalidParameterError('outputIndex', 'expected an integer from 0 to 254')
  return { epk, ciphertext, commitment }
}

/**
 * The payments to the merchant among `outputs`, in their order. The outputs of one transaction
 * share its ephemeral key, so they are decrypted together: one x25519 per transaction (per
 * distinct `epk`), then one KDF and one AEAD check per output, as DESIGN.md's note encryption
 * intends. An output's key depends on its index, so each sits at its `outputIndex`; an output
 * seen twice in the same call is decrypted once. Only payments: a zero-amount note (a
 * transaction's padding) is none.
 *
 * A malformed output (bad hex, an epk of the wrong size, an index out of range) throws an
 * `InvalidParameterError` naming the field; with `malformed: 'skip'` (what the node and L1
 * serve, which a buggy or hostile source may fill with anything) it is ignored instead.
 *
 * @example
 * const found = decryptOutputs({ vsk: key.vsk, ownerPk: key.ownerPk }, outputs, { malformed: 'skip' })
 * for (const { output, decrypted } of found) console.log(output.txId, decrypted.note.amount)
 */
export function decryptOutputs(key: PaymentKey, outputs: readonly ObservedOutput[], options: { malformed?: 'throw' | 'skip' } = {}): FoundPayment[] {
  const order: { output: ObservedOutput; slot: Slot }[] = []
  // Per epk, layers of outputs by index: more than one only when two different outputs claim the
  // same index under one key (a hostile source), each layer then costing one more x25519. Each
  // distinct output at (epk, index) is found by its bytes in one lookup, so a source that sends
  // many claimants costs linear time, not quadratic.
  const layersByEpk = new Map<string, Map<number, Slot>[]>()
  const claimants = new Map<string, Map<string, Slot>>()
  for (const output of outputs) {
    let slot: Slot
    try {
      slot = toSlot(output)
    } catch (error) {
      if (options.malformed === 'skip') continue
      throw error
    }
    const epkHex = bytesToHex(slot.epk)
    const layers = layersByEpk.get(epkHex) ?? []
    layersByEpk.set(epkHex, layers)
    const at = `${epkHex}:${output.outputIndex}`
    const seen = claimants.get(at) ?? new Map<string, Slot>()
    claimants.set(at, seen)
    const identity = `${slot.commitment}:${bytesToHex(slot.ciphertext)}`
    const there = seen.get(identity)
    if (there) slot = there
    else {
      // The n-th distinct output at this index goes into the n-th layer.
      const depth = seen.size
      seen.set(identity, slot)
      while (layers.length <= depth) layers.push(new Map())
      layers[depth]!.set(output.outputIndex, slot)
    }
    order.push({ output, slot })
  }
  for (const layers of layersByEpk.values()) {
    for (const layer of layers) {
      const length = Math.max(...layer.keys()) + 1
      const ciphertexts = Array.from({ length }, (_, i) => layer.get(i)?.ciphertext ?? EMPTY)
      const commitments = Array.from({ length }, (_, i) => layer.get(i)?.commitment ?? 0n)
      const [first] = layer.values()
      // Payments only: never the internal key, even from a full viewing key. Notes the account
      // sends itself (change, deposits, a withdrawal's change) are not payments to the shop.
      const notes = decryptNotes({ vsk: key.vsk, ownerPk: key.ownerPk, epk: first!.epk, ciphertexts, commitments })
      for (const [index, slot] of layer) slot.decrypted = notes[index] ?? null
    }
  }
  // A zero-amount note is padding (a transaction's unused output), not a payment.
  return order.flatMap(({ output, slot }) => (slot.decrypted && slot.decrypted.note.amount > 0n ? [{ output, decrypted: slot.decrypted }] : []))
}
