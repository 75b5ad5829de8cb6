// Bundles zkpay's browser code into dist/web/ (`npm run build:web`, after `npm run build`,
// which empties dist/): ESM for the browser, minified, with the packages' `browser` builds
// (ffjavascript's starts its own Web Workers from a Blob). One line per entry in `entries`.
//
// A bundle must pull no Node built-in: a `node:` import anywhere under an entry fails the build,
// naming the importer. The only bare built-ins allowed are fastfile's `fs` and `constants`:
// they serve its file backend, which in-memory files (all the browser ever gives it) never reach,
// and they are replaced by an empty module.
import { cpSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { builtinModules } from 'node:module'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { gzipSync } from 'node:zlib'
import * as esbuild from 'esbuild'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const outdir = path.join(root, 'dist', 'web')

/** Browser entry points: source → dist/web/<out>.js */
const entries = [
  { in: 'src/browser/prover.worker.ts', out: 'prover.worker' },
  { in: 'src/web/app.ts', out: 'app' },
]
/** Files of the web wallet copied as they are. */
const copied = ['src/web/index.html', 'src/web/app.css']

/**
 * circomlibjs's root module pulls ethers and blake-hash (its contract generators and other
 * hashes); zkpay uses its Poseidon only (`initCrypto`), which is one module of it.
 */
const alias = { circomlibjs: './node_modules/circomlibjs/src/poseidon_wasm.js' }

/** Bare Node built-ins a package may import without the bundle using them, and why. */
const emptyBuiltins = {
  fs: 'fastfile (its file backend; the browser hands it in-memory files only)',
  constants: 'fastfile (open() flags of its file backend)',
}

const builtins = new Set(builtinModules)
const nodeGuard = {
  name: 'no-node-builtins',
  setup(build) {
    build.onResolve({ filter: /^[a-z_:/]+$/ }, (args) => {
      const name = args.path.replace(/^node:/, '')
      if (!args.path.startsWith('node:') && !builtins.has(name)) return undefined
      const importer = path.relative(root, args.importer)
      const allowed = !args.path.startsWith('node:') && emptyBuiltins[name] && importer.includes(`node_modules${path.sep}fastfile${path.sep}`)
      if (allowed) return { path: name, namespace: 'empty-builtin' }
      return { errors: [{ text: `${importer} imports the Node built-in "${args.path}": the browser bundle must not pull Node modules. Keep node: imports out of the browser path (split the module).` }] }
    })
    build.onLoad({ filter: /.*/, namespace: 'empty-builtin' }, () => ({ contents: 'module.exports = {}', loader: 'js' }))
  },
}

/**
 * The esbuild options of every zkpay browser bundle: ESM for the browser, the packages' `browser`
 * builds, `process.browser` defined, circomlibjs's Poseidon alone, and the Node built-in guard.
 * dist/web/ adds its entries, minification and source maps; a page bundled on the fly (the
 * browser benchmark's) spreads the same options, so it runs the code the web wallet ships.
 *
 * @example
 * const page = await esbuild.build({ ...browserBuildOptions, entryPoints: ['bench/browserRestore.page.ts'], write: false })
 */
export const browserBuildOptions = {
  absWorkingDir: root,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  conditions: ['browser'],
  define: { 'process.browser': 'true' },
  logLevel: 'silent',
  plugins: [nodeGuard],
  alias,
}

/**
 * Bundles every entry; returns `[{ file, bytes, gzipBytes }]`. Throws on any build error.
 *
 * @example
 * const sizes = await buildWeb() // dist/web/prover.worker.js, dist/web/app.js, …
 */
export async function buildWeb() {
  rmSync(outdir, { recursive: true, force: true })
  mkdirSync(outdir, { recursive: true })
  const result = await esbuild.build({
    ...browserBuildOptions,
    entryPoints: entries,
    outdir,
    minify: true,
    sourcemap: 'linked',
    metafile: true,
  })
  for (const file of copied) cpSync(path.join(root, file), path.join(outdir, path.basename(file)))
  for (const warning of result.warnings) console.warn(`warning: ${warning.text}`)
  const sizes = Object.keys(result.metafile.outputs)
    .filter((file) => file.endsWith('.js'))
    .map((file) => {
      const bytes = readFileSync(path.join(root, file))
      return { file, bytes: statSync(path.join(root, file)).size, gzipBytes: gzipSync(bytes, { level: 9 }).length }
    })
  for (const s of sizes) console.log(`${s.file}: ${(s.bytes / 1024).toFixed(0)} KiB, ${(s.gzipBytes / 1024).toFixed(0)} KiB gzipped`)
  return sizes
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  try {
    await buildWeb()
  } catch (error) {
    // esbuild has printed nothing (logLevel silent): its errors, each with where it happened.
    for (const e of error.errors ?? [error]) console.error(`error: ${e.text ?? e.message}${e.location ? ` (${e.location.file}:${e.location.line})` : ''}`)
    process.exit(1)
  }
}
