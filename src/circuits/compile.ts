import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { CircuitCompileError } from '../errors/index.ts'

export type CompileCircuitParameters = {
  /** The `.circom` file that declares `component main`; absolute or relative to `root`. */
  source: string
  /** Where the artifacts go (`<name>.r1cs`, `<name>.wasm`, `<name>.sym`, `<name>.json`). */
  outDir: string
  /** Base name of the artifacts. Defaults to the source file's name without `.circom`. */
  name?: string
  /** The project root: circom2 runs there. Defaults to the root of this package. */
  root?: string
  /** Include directories, relative to `root`, searched in order after the including file's own directory. */
  includeDirs?: readonly string[]
  /** Compile even if the cached artifacts match the sources. */
  force?: boolean
}

export type CompileCircuitReturnType = {
  r1csPath: string
  wasmPath: string
  symPath: string
  /** Number of R1CS constraints after `--O2`. */
  constraints: number
  publicInputs: number
  publicOutputs: number
  privateInputs: number
  wires: number
  /** SHA-256 over the compiler version, its arguments and every `.circom` file the source includes. */
  sourceHash: string
  /** True when the artifacts came from the cache and nothing was compiled. */
  cached: boolean
  /** Wall time of the compilation (of the original one, for cached artifacts). */
  compileMs: number
}

type Manifest = Omit<CompileCircuitReturnType, 'r1csPath' | 'wasmPath' | 'symPath' | 'cached'>

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const defaultIncludeDirs = ['node_modules', '.'] as const

/**
 * Compiles a Circom 2 circuit with the npm WASM build of circom (`circom2`), `--O2`, to an
 * R1CS, a witness-generator WASM and a symbol file, and reads the constraint count from
 * the R1CS header.
 *
 * Artifacts are cached in `outDir` under a hash of the sources (the source file and every
 * file it includes, transitively), so an unchanged circuit is never recompiled. Outputs
 * are compiled into a private temporary folder and moved into place, so two processes
 * compiling the same circuit cannot leave a half-written artifact behind.
 *
 * circom2 quirks handled here: it runs under WASI with the working directory and its
 * parents preopened, so it runs with `cwd = root` and is given relative paths only.
 *
 * @example
 * const { r1csPath, wasmPath, constraints } = await compileCircuit({
 *   source: 'circuits/transfer.circom',
 *   outDir: '.cache/circuits/transfer',
 * })
 */
export async function compileCircuit(parameters: CompileCircuitParameters): Promise<CompileCircuitReturnType> {
  const root = path.resolve(parameters.root ?? packageRoot)
  const includeDirs = parameters.includeDirs ?? defaultIncludeDirs
  const sourceAbs = path.resolve(root, parameters.source)
  const outDirAbs = path.resolve(root, parameters.outDir)
  const name = parameters.name ?? path.basename(sourceAbs, '.circom')
  if (!/^[\w.-]+$/.test(name)) throw new CircuitCompileError(`Circuit name "${name}" may only use letters, digits, "_", "-" and ".".`)
  if (!existsSync(sourceAbs)) throw new CircuitCompileError(`Circuit source ${sourceAbs} does not exist.`)

  const compilerPath = path.join(root, 'node_modules', 'circom2', 'cli.js')
  const compilerVersion = await readCompilerVersion(root)
  const args = ['--r1cs', '--wasm', '--sym', '--O2', ...includeDirs.flatMap((dir) => ['-l', dir])]
  const sourceHash = await hashSources({ root, source: sourceAbs, includeDirs, salt: `${compilerVersion}\0${args.join(' ')}` })

  const artifacts = {
    r1csPath: path.join(outDirAbs, `${name}.r1cs`),
    wasmPath: path.join(outDirAbs, `${name}.wasm`),
    symPath: path.join(outDirAbs, `${name}.sym`),
  }
  const manifestPath = path.join(outDirAbs, `${name}.json`)

  if (!parameters.force) {
    const manifest = await readManifest(manifestPath)
    const complete = Object.values(artifacts).every((file) => existsSync(file))
    if (manifest?.sourceHash === sourceHash && complete) return { ...artifacts, ...manifest, cached: true }
  }

  await mkdir(outDirAbs, { recursive: true })
  const tmpDir = path.join(outDirAbs, `.tmp-${name}-${process.pid}-${randomBytes(4).toString('hex')}`)
  await mkdir(tmpDir)
  try {
    const started = performance.now()
    // circom2 resolves every path inside a WASI sandbox rooted at the preopened cwd and
    // its parents: absolute paths do not resolve, relative ones from `root` do.
    await run(process.execPath, [compilerPath, rel(root, sourceAbs), ...args, '-o', rel(root, tmpDir)], root)
    const compileMs = Math.round(performance.now() - started)

    // Invalidate the old manifest before replacing artifacts: a crash half-way must not
    // leave a manifest that vouches for a mix of old and new files.
    await rm(manifestPath, { force: true })
    const base = path.basename(sourceAbs, '.circom')
    await rename(path.join(tmpDir, `${base}.r1cs`), artifacts.r1csPath)
    await rename(path.join(tmpDir, `${base}_js`, `${base}.wasm`), artifacts.wasmPath)
    await rename(path.join(tmpDir, `${base}.sym`), artifacts.symPath)

    const header = await readR1csHeader(artifacts.r1csPath)
    const manifest: Manifest = { ...header, sourceHash, compileMs }
    // The manifest is written last and atomically: it is what marks the cache as valid.
    const manifestTmp = path.join(tmpDir, 'manifest.json')
    await writeFile(manifestTmp, `${JSON.stringify(manifest, null, 2)}\n`)
    await rename(manifestTmp, manifestPath)
    return { ...artifacts, ...manifest, cached: false }
  } finally {
    await rm(tmpDir, { recursive: true, force: true })
  }
}

function rel(root: string, file: string): string {
  return path.relative(root, file) || '.'
}

async function readCompilerVersion(root: string): Promise<string> {
  const pkg = JSON.parse(await readFile(path.join(root, 'node_modules', 'circom2', 'package.json'), 'utf8')) as { version: string }
  return `circom2@${pkg.version}`
}

async function readManifest(file: string): Promise<Manifest | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Manifest
  } catch {
    return undefined
  }
}

/**
 * Hashes the source and its include closure. Includes resolve as circom resolves them:
 * first against the including file's folder, then against each include directory.
 */
async function hashSources(options: { root: string; source: string; includeDirs: readonly string[]; salt: string }): Promise<string> {
  const { root, includeDirs } = options
  const seen = new Map<string, string>()
  const pending = [options.source]
  while (pending.length > 0) {
    const file = pending.pop() as string
    if (seen.has(file)) continue
    const text = await readFile(file, 'utf8')
    seen.set(file, text)
    for (const match of text.matchAll(/^\s*include\s+"([^"]+)"\s*;/gm)) {
      const target = match[1] as string
      const candidates = [path.resolve(path.dirname(file), target), ...includeDirs.map((dir) => path.resolve(root, dir, target))]
      const found = candidates.find((candidate) => existsSync(candidate))
      if (found === undefined) throw new CircuitCompileError(`Cannot resolve include "${target}" in ${file}.`)
      pending.push(found)
    }
  }
  const hash = createHash('sha256').update(options.salt)
  for (const file of [...seen.keys()].sort()) hash.update(`\0${rel(root, file)}\0${seen.get(file)}`)
  return hash.digest('hex')
}

function run(command: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('error', (error) => reject(new CircuitCompileError(`Could not start circom2 (${command}).`, { cause: error })))
    child.on('close', (code) => {
      if (code === 0) return resolve()
      // circom colours its diagnostics; strip the escapes so the message reads in logs.
      // eslint-disable-next-line no-control-regex
      const plain = output.replace(/\u001b\[[0-9;]*m/g, '').trim()
      reject(new CircuitCompileError(`circom2 failed to compile ${args[1]} (exit code ${code}); see the details for its diagnostics.`, { details: plain }))
    })
  })
}

/** Reads the header section of an .r1cs file (iden3 binary format, version 1). */
async function readR1csHeader(file: string): Promise<Pick<Manifest, 'constraints' | 'publicInputs' | 'publicOutputs' | 'privateInputs' | 'wires'>> {
  const buf = await readFile(file)
  if (buf.toString('latin1', 0, 4) !== 'r1cs') throw new CircuitCompileError(`${file} is not an R1CS file.`)
  const sections = buf.readUInt32LE(8)
  let offset = 12
  for (let i = 0; i < sections; i++) {
    const type = buf.readUInt32LE(offset)
    const size = Number(buf.readBigUInt64LE(offset + 4))
    const body = offset + 12
    if (type === 1) {
      const fieldSize = buf.readUInt32LE(body)
      let p = body + 4 + fieldSize
      const wires = buf.readUInt32LE(p)
      const publicOutputs = buf.readUInt32LE((p += 4))
      const publicInputs = buf.readUInt32LE((p += 4))
      const privateInputs = buf.readUInt32LE((p += 4))
      p += 4 + 8 // skip nLabels (u64)
      const constraints = buf.readUInt32LE(p)
      return { constraints, publicInputs, publicOutputs, privateInputs, wires }
    }
    offset = body + size
  }
  throw new CircuitCompileError(`${file} has no R1CS header section.`)
}
