import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Circuit compilation and proving are CPU-bound: run files one after another on these 2 cores.
    fileParallelism: false,
    // One worker for all files, its modules loaded once: the files would otherwise spend over a
    // minute in all re-importing viem, snarkjs and the SDK. Every file still starts its own
    // anvil, node and stores, and stops them (test/helpers/cleanups.ts).
    isolate: false,
    testTimeout: 120_000,
    hookTimeout: 600_000,
  },
})
