import { describe, expect, it } from 'vitest'
import { fromTransactionJson, proofCodec, type TransactionJson, toTransactionJson, transactionCodec } from '../../src/circuits/codec.ts'
import { FIELD_SIZE } from '../../src/crypto/field.ts'
import { startOfflineSequencer } from '../helpers/node.ts'
import { makeTransaction } from '../helpers/storeFixtures.ts'

// The one wire format of transactions and proofs: what the API admits, the store keeps, the
// prover returns and the wallet sends. Decoding checks, encoding is canonical and checks too.

const json: TransactionJson = makeTransaction(1).payload
const hex = (x: bigint) => `0x${x.toString(16).padStart(64, '0')}` as const

describe('transactionCodec', () => {
  it('default: decodes JSON into the typed transaction and encodes it back to the same JSON', () => {
    const tx = fromTransactionJson(json)
    expect(tx.root).toBe(BigInt(json.root))
    expect(tx.extData.fee).toBe(10n)
    expect(tx.proof.b[1][0]).toBe(BigInt(json.proof.b[1][0]))
    expect(toTransactionJson(tx)).toEqual(json)
  })

  it('behavior: the encoding is canonical: uppercase hex comes back lowercase, a negative extAmount as a signed decimal', () => {
    const upper = { ...json, root: json.root.toUpperCase().replace('0X', '0x') as `0x${string}`, extData: { ...json.extData, extAmount: '-5' } }
    const tx = transactionCodec.decode(upper)
    expect(tx.extData.extAmount).toBe(-5n)
    expect(toTransactionJson(tx).root).toBe(json.root.toLowerCase())
    expect(toTransactionJson(tx).extData.extAmount).toBe('-5')
  })

  const refused: [string, unknown][] = [
    ['a field element of 63 digits', { ...json, root: `0x${'1'.repeat(63)}` }],
    ['a field element equal to r', { ...json, extDataHash: hex(FIELD_SIZE) }],
    ['a nullifier above r', { ...json, nullifiers: [json.nullifiers[0], hex(FIELD_SIZE + 1n)] }],
    ['two commitments', { ...json, commitments: json.commitments.slice(0, 2) }],
    ['an unknown field', { ...json, memo: 'x' }],
    ['a ciphertext one byte short', { ...json, extData: { ...json.extData, ciphertexts: [`0x${'00'.repeat(213)}`, ...json.extData.ciphertexts.slice(1)] } }],
    ['a negative fee', { ...json, extData: { ...json.extData, fee: '-1' } }],
    ['a decimal fee with a fraction', { ...json, extData: { ...json.extData, fee: '1.5' } }],
    ['a short recipient', { ...json, extData: { ...json.extData, recipient: '0x1234' } }],
    ['a proof coordinate of variable width', { ...json, proof: { ...json.proof, a: ['0x1', json.proof.a[1]] } }],
  ]
  for (const [what, value] of refused) {
    it(`error: refuses ${what}`, () => {
      expect(transactionCodec.safeParse(value).success).toBe(false)
    })
  }

  it('error: admission called directly (not through the API) with a transaction the codec cannot encode answers INVALID_SCHEMA, nothing written', async () => {
    const node = await startOfflineSequencer()
    try {
      const verdict = await node.sequencer.submit({ ...fromTransactionJson(json), root: FIELD_SIZE })
      expect(verdict).toMatchObject({ ok: false, code: 'INVALID_SCHEMA', message: expect.stringContaining('root') })
      expect(await node.store.listUnsettledTransactions(10, 0)).toEqual([])
    } finally {
      await node.stop()
    }
  })

  it('error: encoding a transaction no node would admit throws rather than send it', () => {
    const tx = fromTransactionJson(json)
    expect(() => toTransactionJson({ ...tx, root: FIELD_SIZE })).toThrow('expected a field element below r')
  })
})

describe('proofCodec', () => {
  it('default: coordinates as fixed-width hex, the base field\'s range too (checked against the curve where proofs are verified)', () => {
    const proof = { a: [1n, 2n ** 255n] as [bigint, bigint], b: [[3n, 4n], [5n, 6n]] as [[bigint, bigint], [bigint, bigint]], c: [7n, 8n] as [bigint, bigint] }
    const encoded = proofCodec.encode(proof)
    expect(encoded.a).toEqual([hex(1n), hex(2n ** 255n)])
    expect(proofCodec.decode(encoded)).toEqual(proof)
  })

  it('error: refuses a proof without its G2 point, and coordinates of variable width', () => {
    expect(proofCodec.safeParse({ a: [hex(1n), hex(2n)], c: [hex(1n), hex(2n)] }).success).toBe(false)
    expect(proofCodec.safeParse({ a: ['0x1', '0x2'], b: [['0x3', '0x4'], ['0x5', '0x6']], c: ['0x7', '0x8'] }).success).toBe(false)
  })
})
