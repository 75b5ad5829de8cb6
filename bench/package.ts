import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { Row } from './crypto.ts'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/** Milliseconds one `import()` of `file` takes in a new `node` process (its start-up excluded). */
function importTime(file: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); console.log(performance.now() - t)`
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).trim())
}

/**
 * The package as a consumer meets it: `import 'zkpay'` and `import 'zkpay/merchant'` from the
 * built files (median of 7 new processes, each importing once, cold as a script's first import
 * is), and the size of what `npm pack` ships.
 */
export async function benchPackage(log: (line: string) => void): Promise<Row[]> {
  execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { stdio: 'ignore' })
  const rows: Row[] = []
  for (const [key, entry, file, target] of [
    ['importRoot', 'zkpay', 'dist/index.js', '≤ 150'],
    ['importMerchant', 'zkpay/merchant', 'dist/sdk/merchant/index.js', undefined],
  ] as const) {
    const runs = Array.from({ length: 7 }, () => importTime(path.join(root, file)))
    log(`import '${entry}': ${median(runs).toFixed(0)} ms (median of 7; runs ${runs.map((r) => r.toFixed(0)).join(', ')} ms)`)
    rows.push({ key, label: `\`import '${entry}'\` in a new process, median of 7`, value: median(runs), unit: 'ms', ...(target ? { target } : {}) })
  }
  const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 })) as [{ size: number; unpackedSize: number; entryCount: number }]
  log(`npm pack: ${(pack.size / 2 ** 20).toFixed(1)} MiB packed, ${(pack.unpackedSize / 2 ** 20).toFixed(1)} MiB unpacked, ${pack.entryCount} files`)
  rows.push({ key: 'packed', label: '`npm pack` tarball', value: pack.size / 2 ** 20, unit: 'MiB' })
  rows.push({ key: 'unpacked', label: 'installed package (unpacked), of which circuit artifacts are most', value: pack.unpackedSize / 2 ** 20, unit: 'MiB' })
  return rows
}
