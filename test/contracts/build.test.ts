import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { CONTRACTS_MODULE, renderContractsModule } from '../../src/settlement/buildContracts.ts'
import { compileContracts } from '../../src/settlement/compileContracts.ts'

describe('contract build', () => {
  it('default: the committed ABIs and bytecode are what solc-js makes of contracts/ today', () => {
    expect(readFileSync(CONTRACTS_MODULE, 'utf8'), 'run npm run build:contracts').toBe(renderContractsModule())
  })

  it('default: Rollup.sol fits the EVM code-size limit', () => {
    const { Rollup } = compileContracts(['contracts/Rollup.sol', 'contracts/interfaces/IRollup.sol', 'contracts/verifiers/VerifyingKeys.sol'])
    expect(Rollup!.deployedSize).toBeLessThanOrEqual(24_576)
    expect(Rollup!.deployedSize).toBeGreaterThan(0)
  })
})
