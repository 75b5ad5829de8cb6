import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import type { Abi, Hex } from 'viem'
import { projectRoot } from '../circuits/artifacts.ts'
import { ContractCompileError } from '../errors/index.ts'

export type CompiledContract = { abi: Abi; bytecode: Hex; deployedSize: number }

type SolcOutput = {
  errors?: { severity: 'error' | 'warning' | 'info'; formattedMessage: string }[]
  contracts?: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>>
}

/** Compiler settings, part of the cache key: changing them recompiles. */
const SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: 'cancun',
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
} as const

/**
 * Compiles Solidity sources (paths relative to the project root) with solc-js, the version
 * pinned in package.json, and returns every contract by name. Results are cached in
 * .cache/contracts under a hash of the compiler version, settings and sources.
 *
 * @example
 * const { Rollup } = compileContracts(['contracts/Rollup.sol', 'contracts/interfaces/IRollup.sol', 'contracts/verifiers/VerifyingKeys.sol'])
 */
export function compileContracts(sources: readonly string[]): Record<string, CompiledContract> {
  const solc = createRequire(import.meta.url)('solc') as {
    version(): string
    compile(input: string, callbacks?: { import(file: string): { contents: string } | { error: string } }): string
  }
  const contents = Object.fromEntries(sources.map((s) => [s, { content: readFileSync(path.join(projectRoot, s), 'utf8') }]))
  const key = createHash('sha256').update(solc.version()).update(JSON.stringify(SETTINGS)).update(JSON.stringify(contents)).digest('hex').slice(0, 32)
  const cacheFile = path.join(projectRoot, '.cache/contracts', `${key}.json`)
  if (existsSync(cacheFile)) return JSON.parse(readFileSync(cacheFile, 'utf8')) as Record<string, CompiledContract>
  // Imports not listed in `sources` are read from the project (they are not part of the cache
  // key, so list every file a compilation depends on).
  const readImport = (file: string) => {
    const full = path.join(projectRoot, file)
    return existsSync(full) ? { contents: readFileSync(full, 'utf8') } : { error: `${file} not found` }
  }
  const output = JSON.parse(
    solc.compile(JSON.stringify({ language: 'Solidity', sources: contents, settings: SETTINGS }), { import: readImport }),
  ) as SolcOutput
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error')
  if (errors.length > 0) throw new ContractCompileError('The Solidity sources do not compile.', { details: errors.map((e) => e.formattedMessage).join('\n') })
  const contracts: Record<string, CompiledContract> = {}
  for (const file of Object.values(output.contracts ?? {})) {
    for (const [name, c] of Object.entries(file)) {
      contracts[name] = { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}`, deployedSize: c.evm.deployedBytecode.object.length / 2 }
    }
  }
  mkdirSync(path.dirname(cacheFile), { recursive: true })
  writeFileSync(cacheFile, JSON.stringify(contracts))
  return contracts
}
