// Compiles src/ to dist/ as plain ESM JavaScript (with source maps), one file at a time: zkpay
// is written with isolatedModules, so no file needs another to be compiled, and this takes a
// couple of seconds where a full `tsc` emit takes a minute. Type checking is `npm run typecheck`.
// Non-TypeScript files the code reads at run time (SQL migrations) are copied beside it.
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as esbuild from 'esbuild'
import ts from 'typescript'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const src = path.join(root, 'src')
const out = path.join(root, 'dist')
const { config } = ts.readConfigFile(path.join(root, 'tsconfig.json'), ts.sys.readFile)
const { options } = ts.convertCompilerOptionsFromJson(
  // ESNext modules: one file alone cannot tell NodeNext it is ESM (package.json "type" says so).
  { ...config.compilerOptions, module: 'ESNext', moduleResolution: 'Bundler', noEmit: false, rewriteRelativeImportExtensions: true, sourceMap: true, declaration: false },
  root,
)

rmSync(out, { recursive: true, force: true })
let files = 0
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const from = path.join(dir, name)
    const to = path.join(out, path.relative(src, from))
    if (statSync(from).isDirectory()) {
      if (name === 'migrations') cpSync(from, to, { recursive: true })
      // The web wallet's page is bundled for the browser below, not compiled file by file.
      else if (from !== path.join(src, 'web')) walk(from)
    } else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) {
      const js = to.replace(/\.ts$/, '.js')
      const { outputText, sourceMapText, diagnostics } = ts.transpileModule(readFileSync(from, 'utf8'), { compilerOptions: options, fileName: from, reportDiagnostics: true })
      if (diagnostics?.length) throw new Error(`${from}: ${ts.flattenDiagnosticMessageText(diagnostics[0].messageText, '\n')}`)
      mkdirSync(path.dirname(js), { recursive: true })
      writeFileSync(js, outputText)
      writeFileSync(`${js}.map`, sourceMapText)
      files++
    }
  }
}
walk(src)
console.log(`built ${files} modules into dist/`)

// Declarations for the package's consumers (dist/**/*.d.ts). The source imports with `.ts`
// extensions, which tsc keeps in declarations: they are rewritten to the `.js` files a
// consumer's resolver finds beside them. With --check (`npm test`), the same program also type
// checks the whole project (src, test, bench: tsconfig.json), so that the check and the
// declarations cost one tsc pass rather than two.
{
  const check = process.argv.includes('--check')
  const staging = path.join(root, '.cache', 'declarations')
  const parsed = ts.getParsedCommandLineOfConfigFile(
    path.join(root, check ? 'tsconfig.json' : 'tsconfig.build.json'),
    { noEmit: false, declaration: true, emitDeclarationOnly: true, declarationMap: false, rewriteRelativeImportExtensions: true, rootDir: root, outDir: staging },
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')) } },
  )
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options })
  const relativeTs = /((?:from|import)\s*\(?\s*['"]\.{1,2}\/[^'"]*?)\.ts(['"])/g
  const writeDeclaration = (fileName, text) => {
    const relative = path.relative(path.join(staging, 'src'), fileName)
    if (relative.startsWith('..')) return // test/ and bench/ are checked, not shipped
    const to = path.join(out, relative)
    mkdirSync(path.dirname(to), { recursive: true })
    writeFileSync(to, text.replace(relativeTs, '$1.js$2'))
  }
  const emitted = program.emit(undefined, writeDeclaration, undefined, true)
  // Declaration errors matter for what ships (src/), type errors everywhere.
  const shipped = (d) => d.file === undefined || d.file.fileName.startsWith(src + path.sep) || d.file.fileName.startsWith(`${src}/`)
  const typeErrors = check ? [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics(), ...program.getSyntacticDiagnostics(), ...program.getSemanticDiagnostics()] : []
  const problems = [...typeErrors, ...emitted.diagnostics.filter(shipped)]
  if (problems.length) {
    console.error(ts.formatDiagnostics(problems, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' }))
    process.exit(1)
  }
  if (check) {
    const undocumented = withoutExample(program)
    if (undocumented.length) {
      console.error(`Every value the package exports has a JSDoc @example; these do not:\n${undocumented.join('\n')}`)
      process.exit(1)
    }
  }
  console.log(check ? 'type checked the project and wrote the declarations into dist/' : 'wrote the declarations into dist/')
}

// The CLI as one bundle (with a chunk per lazily loaded command), tree-shaken: a command loads
// a few files instead of some two thousand modules (viem alone is 1,500), which is most of its
// start-up time. The library stays the per-file build above; the bundle is only what bin/zkpay
// runs. `import.meta.url` in a bundled file is rewritten to that file's own URL in dist/, so
// the paths it resolves (migrations, worker scripts, circuit artifacts) stay the per-file
// build's. Native addons and packages that load files or workers of their own stay external.
const binDir = path.join(out, 'bin')
const external = ['better-sqlite3', 'sodium-native', 'snarkjs', 'circomlibjs', 'ffjavascript', 'web-worker', 'circom_runtime', '@iden3/*', 'solc', 'circom2', '@foundry-rs/*', 'pino', 'playwright-core', 'typescript']
const result = await esbuild.build({
  entryPoints: { zkpay: path.join(out, 'cli', 'main.js') },
  outdir: binDir,
  chunkNames: 'chunk-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minifySyntax: true,
  external,
  logLevel: 'warning',
  // Bundled CommonJS packages that call require() get one bound to the bundle's location.
  banner: { js: "import { createRequire as __zkpayCreateRequire } from 'node:module'; const require = __zkpayCreateRequire(import.meta.url);" },
  plugins: [
    {
      name: 'own-import-meta-url',
      setup(build) {
        build.onLoad({ filter: /\.js$/ }, (args) => {
          if (!args.path.startsWith(out + path.sep)) return undefined
          const text = readFileSync(args.path, 'utf8')
          if (!text.includes('import.meta.url')) return undefined
          const own = `./${path.relative(binDir, args.path).split(path.sep).join('/')}`
          return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(own)}, import.meta.url).href`), loader: 'js', resolveDir: path.dirname(args.path) }
        })
      },
    },
  ],
})
if (result.errors.length) process.exit(1)
console.log('bundled the CLI into dist/bin/')

// The browser bundles: the web wallet and its prover worker (dist/web/).
{
  const { buildWeb } = await import('./buildWeb.mjs')
  const sizes = await buildWeb({ quiet: true })
  console.log(`bundled the web wallet into dist/web/ (${sizes.map((s) => `${path.basename(s.file)} ${(s.gzipBytes / 1024).toFixed(0)} KiB gzipped`).join(', ')})`)
}

/**
 * The values (functions, classes, constants) the package's entry points export whose JSDoc has no
 * `@example`, as `name (file)`. Errors are documented by their codes (src/errors), not here.
 */
function withoutExample(program) {
  const checker = program.getTypeChecker()
  const { exports } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'))
  const entries = Object.values(exports)
    .flatMap((e) => (typeof e === 'object' ? [e.default, e.browser?.default] : []))
    .filter((f) => f?.startsWith('./dist/'))
    .map((f) => path.join(src, f.slice('./dist/'.length).replace(/\.js$/, '.ts')))
  const missing = new Set()
  for (const entry of entries) {
    const file = program.getSourceFile(entry)
    if (!file) throw new Error(`${entry}: an entry point of package.json that the program does not hold`)
    for (let symbol of checker.getExportsOfModule(checker.getSymbolAtLocation(file))) {
      if (symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol)
      const declaration = symbol.declarations?.[0]
      if (!declaration || !(symbol.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Class | ts.SymbolFlags.Variable))) continue
      const fileName = declaration.getSourceFile().fileName
      if (!fileName.startsWith(src) || fileName.includes(`${path.sep}errors${path.sep}`)) continue
      const documented = ts.isVariableDeclaration(declaration) ? declaration.parent.parent : declaration
      if (!ts.getJSDocTags(documented).some((t) => t.tagName.text === 'example')) missing.add(`${symbol.name} (${path.relative(root, fileName)})`)
    }
  }
  return [...missing]
}
