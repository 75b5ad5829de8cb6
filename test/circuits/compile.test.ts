import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { compileCircuit } from '../../src/circuits/compile.ts'
import { compileContracts } from '../../src/settlement/compileContracts.ts'
import { projectRoot } from '../helpers/circuit.ts'

// Sources that do not build must say why, with the compiler's diagnostics attached.
const dir = path.join(projectRoot, '.cache', 'compile-errors')
mkdirSync(dir, { recursive: true })
const write = (name: string, text: string) => {
  writeFileSync(path.join(dir, name), text)
  return path.relative(projectRoot, path.join(dir, name))
}

describe('compileCircuit', () => {
  it('error: a bad name, a missing source or include, and a syntax error are CIRCUIT_COMPILE_FAILED', async () => {
    const failed = expect.objectContaining({ code: 'CIRCUIT_COMPILE_FAILED' })
    await expect(compileCircuit({ source: 'circuits/transfer.circom', outDir: '.cache/x', name: '../evil' })).rejects.toThrow(failed)
    await expect(compileCircuit({ source: 'circuits/nope.circom', outDir: '.cache/x' })).rejects.toThrow(/does not exist/)
    const noInclude = write('noinclude.circom', 'pragma circom 2.1.0;\ninclude "not/there.circom";\n')
    await expect(compileCircuit({ source: noInclude, outDir: '.cache/compile-errors/out' })).rejects.toThrow(/Cannot resolve include "not\/there.circom"/)
    const broken = write('broken.circom', 'pragma circom 2.1.0;\ntemplate T() { signal input a; a === ; }\ncomponent main = T();\n')
    const error = await compileCircuit({ source: broken, outDir: '.cache/compile-errors/out', force: true }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'CIRCUIT_COMPILE_FAILED' })
    expect((error as { details?: string }).details).toMatch(/error/i)
  }, 60_000)
})

describe('compileContracts', () => {
  it('error: Solidity that does not compile is CONTRACT_COMPILE_FAILED with solc diagnostics', () => {
    const bad = write('Bad.sol', '// SPDX-License-Identifier: MIT\npragma solidity ^0.8.0;\ncontract Bad { function f() public { undefinedThing(); } }\n')
    let error: unknown
    try {
      compileContracts([bad])
    } catch (e) {
      error = e
    }
    expect(error).toMatchObject({ code: 'CONTRACT_COMPILE_FAILED' })
    expect((error as { details?: string }).details).toMatch(/undefinedThing/)
  })
})
