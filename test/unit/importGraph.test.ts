import path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as esbuild from 'esbuild'
import { describe, expect, it } from 'vitest'

// What importing a client entry point loads: the modules reached from it through static
// imports only (a dynamic `import()` loads when its code first runs). The wallet and the
// merchant's client parts run in browsers next (a `browser` condition), and `import 'zkpay'`
// must stay quick: neither may load Node-only modules, SQLite, the prover or viem at import.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/** External packages and own files each module reaches without running any of its code. */
async function staticGraph(entry: string): Promise<{ modules: string[]; externals: Map<string, string> }> {
  const { metafile } = await esbuild.build({ entryPoints: [entry], absWorkingDir: root, bundle: true, write: false, metafile: true, platform: 'node', format: 'esm', packages: 'external', logLevel: 'silent' })
  const modules = new Set([entry])
  const externals = new Map<string, string>()
  const queue = [entry]
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    for (const imported of metafile.inputs[file]!.imports) {
      if (imported.kind !== 'import-statement') continue
      if (imported.external) externals.set(imported.path, file)
      else if (!modules.has(imported.path)) {
        modules.add(imported.path)
        queue.push(imported.path)
      }
    }
  }
  return { modules: [...modules], externals }
}

/** Packages no client entry point may load at import, by why. */
const FORBIDDEN: [RegExp, string][] = [
  [/^(node:)?fs(\/|$)/, 'Node-only (file system)'],
  [/^(node:)?worker_threads$/, 'Node-only (threads)'],
  [/^better-sqlite3$|^drizzle-orm\/better-sqlite3/, 'SQLite (a native addon)'],
  [/^sodium-native$/, 'a native addon'],
  [/^(snarkjs|circomlibjs|ffjavascript|circom_runtime|@iden3\/)/, 'the prover'],
  [/^viem(\/|$)/, "viem's barrels (0.5 s to load)"],
]

describe('client entry points load nothing heavy or Node-only at import', () => {
  for (const entry of ['src/index.ts', 'src/sdk/merchant/index.ts']) {
    it(`default: ${entry}`, async () => {
      const { modules, externals } = await staticGraph(entry)
      const offending = [...externals].filter(([pkg]) => FORBIDDEN.some(([pattern]) => pattern.test(pkg))).map(([pkg, from]) => `${pkg} (from ${from}): ${FORBIDDEN.find(([p]) => p.test(pkg))![1]}`)
      expect(offending).toEqual([])
      // Nor the wallet's or the merchant's engines, nor circuit artifacts: those load on first use.
      expect(modules.filter((m) => /sdk\/wallet\/(Wallet|WalletStore|nodeWallet)\.ts$|sdk\/merchant\/(Merchant|openMerchantStore)\.ts$|\/circuits\/|\/state\//.test(m))).toEqual([])
    })
  }

  it('error: the check sees a forbidden import (the Node wallet loads SQLite and viem)', async () => {
    const { externals } = await staticGraph('src/sdk/wallet/nodeWallet.ts')
    expect(externals.has('viem')).toBe(true)
    expect(externals.has('better-sqlite3')).toBe(true)
  })
})
