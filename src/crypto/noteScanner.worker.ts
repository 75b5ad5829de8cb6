import { decryptNotes } from './noteEncryption.ts'
import { type ScanRequest, type ScanResponse, unpackTransactions } from './noteScanner.ts'
import { serveRequests } from './workerPool.ts'

// One wallet-sync worker: trial-decrypts the packed transactions it is handed, returns the hits.
// Poseidon (to check a decrypted note's commitment) runs in JavaScript, without the engine's
// build: hits are the wallet's own notes, few among the outputs, and building it doubled the
// worker's start.
function scan(request: ScanRequest): ScanResponse {
  const found: ScanResponse = []
  unpackTransactions(request.packed).forEach((tx, txIndex) => {
    for (const note of decryptNotes({ vsk: request.vsk, ownerPk: request.ownerPk, internalKey: request.internalKey, ...tx })) {
      if (note) found.push({ txIndex: txIndex + request.offset, ...note })
    }
  })
  return found
}

serveRequests<ScanRequest, ScanResponse>(async (request) => scan(request))
