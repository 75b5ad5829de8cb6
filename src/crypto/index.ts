export { ADDRESS_PREFIX, ADDRESS_VERSION, decodeAddress, encodeAddress, type Network, type PaymentAddress } from './address.ts'
export { type ExtData, encodeExtData, extDataAbiParameters, extDataHash } from './extData.ts'
export {
  assertFieldElement,
  bigIntToBytes,
  bytesToBigInt,
  FIELD_SIZE,
  fromHex32,
  type Hex32,
  isFieldElement,
  randomFieldElement,
  toField,
  toHex32,
} from './field.ts'
export { AccountKeys, deriveInternalKey, deriveKeys, generateMnemonic, mnemonicFromSeed, seedFromMnemonic } from './keys.ts'
export { type MerklePath, MerkleTree, rootFromPath, subtreeRoot, TREE_LEVELS, verifyMerklePath, zeroHashes } from './merkleTree.ts'
export { AMOUNT_LIMIT, ASSET_LIMIT, assertAmount, assertAsset, LEAF_INDEX_LIMIT, type Note, noteCommitment, noteNullifier, type Outputs, TRANSFER_OUTPUTS } from './note.ts'
export {
  type DecryptedNote,
  decryptNotes,
  type EncryptedNotes,
  encryptNotes,
  MEMO_SIZE,
  NOTE_CIPHERTEXT_SIZE,
  NOTE_PLAINTEXT_SIZE,
  type NoteOutput,
  type NoteRecipient,
} from './noteEncryption.ts'
export { BATCH_LEAVES, BATCH_SUBTREE_HEIGHT, BATCH_TRANSFERS } from './batch.ts'
export { initCrypto, poseidon } from './poseidon.ts'
export { getPrimitives, noblePrimitives, type Primitives, setPrimitives } from './primitives.ts'
export { exportViewingKey, importViewingKey, type ViewingKey } from './viewingKeys.ts'
export { type EncryptedTransaction, NoteScanner } from './noteScanner.ts'
