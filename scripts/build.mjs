// Compiles src/ to dist/ as plain ESM JavaScript (with source maps), one file at a time: zkpay
// is written with isolatedModules, so no file needs another to be compiled, and this takes a
// couple of seconds where a full `tsc` emit takes a minute. Type checking is `npm run typecheck`.
// Non-TypeScript files the code reads at run time (SQL migrations) are copied beside it.
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
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
      else walk(from)
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
