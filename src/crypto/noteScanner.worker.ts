import { decryptNotes } from './noteEncryption.ts'
import { type ScanRequest, type ScanResponse, unpackTransactions } from './noteScanner.ts'
import { initCrypto } from './poseidon.ts'
import { serveRequests } from './workerPool.ts'

// One wallet-sync worker: trial-decrypts the packed transactions it is handed, returns the hits.
await initCrypto()
serveRequests<ScanRequest, ScanResponse>((request) => {
  const found: ScanResponse = []
  unpackTransactions(request.packed).forEach((tx, txIndex) => {
    for (const note of decryptNotes({ vsk: request.vsk, ownerPk: request.ownerPk, ...tx })) {
      if (note) found.push({ txIndex: txIndex + request.offset, ...note })
    }
  })
  return found
})
