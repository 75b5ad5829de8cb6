import { CryptoNotReadyError } from '../errors/index.ts'
import { decryptNotes } from './noteEncryption.ts'
import { type ScanRequest, type ScanResponse, unpackTransactions } from './noteScanner.ts'
import { initCrypto } from './poseidon.ts'
import { serveRequests } from './workerPool.ts'

// One wallet-sync worker: trial-decrypts the packed transactions it is handed, returns the hits.
// Poseidon (to check a decrypted note's commitment) is built on the first hit only: most
// outputs are someone else's, and building it doubled the worker's start.
function scan(request: ScanRequest): ScanResponse {
  const found: ScanResponse = []
  unpackTransactions(request.packed).forEach((tx, txIndex) => {
    for (const note of decryptNotes({ vsk: request.vsk, ownerPk: request.ownerPk, internalKey: request.internalKey, ...tx })) {
      if (note) found.push({ txIndex: txIndex + request.offset, ...note })
    }
  })
  return found
}

serveRequests<ScanRequest, ScanResponse>(async (request) => {
  try {
    return scan(request)
  } catch (error) {
    if (!(error instanceof CryptoNotReadyError)) throw error
    await initCrypto()
    return scan(request)
  }
})
