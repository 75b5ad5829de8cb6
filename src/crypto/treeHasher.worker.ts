import { initCrypto, poseidonMontgomery } from './poseidon.ts'
import { serveRequests } from './workerPool.ts'

// Hashes groups of four Montgomery-form nodes into their parents, for large tree appends.
await initCrypto()
serveRequests<Uint8Array, Uint8Array>(
  (children) => {
    const parents = new Uint8Array(children.length / 4)
    for (let p = 0; p < parents.length / 32; p++) poseidonMontgomery(children, p * 128, 4, parents, p * 32)
    return parents
  },
  (parents) => [parents.buffer as ArrayBuffer],
)
