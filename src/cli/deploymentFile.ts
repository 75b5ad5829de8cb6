import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { z } from 'zod'
import { ConfigError } from '../errors/index.ts'
import type { DeployedRollup } from '../settlement/deployRollup.ts'

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/).transform((s) => s as `0x${string}`)
const uint = z.string().regex(/^\d+$/, { error: 'expected a decimal integer string' })
const sha256 = z.string().regex(/^[0-9a-f]{64}$/)
const circuitKeys = z.object({ vkeySha256: sha256, dev: z.boolean() })

/**
 * What `zkpay deploy --write` records and `zkpay node --deployment` reads: where the rollup is
 * (chain, address, first block), how it was constructed, and which verifying keys it holds.
 * Block counts are decimal strings, as in devnet.json.
 */
export const deploymentSchema = z.object({
  chainId: z.number().int().positive(),
  rollupAddress: address,
  deployBlock: uint,
  sequencer: address,
  escapeDelay: uint,
  depositTimeout: uint,
  verifyingKeys: z.object({ dev: z.boolean(), circuits: z.object({ transfer: circuitKeys, batch: circuitKeys }) }),
})

export type Deployment = z.output<typeof deploymentSchema>

/** The deployment record of a rollup that `deployRollup` just deployed. */
export function toDeployment(d: DeployedRollup): Deployment {
  return {
    chainId: d.chainId,
    rollupAddress: d.address,
    deployBlock: d.blockNumber.toString(),
    sequencer: d.sequencer,
    escapeDelay: d.escapeDelay.toString(),
    depositTimeout: d.depositTimeout.toString(),
    verifyingKeys: d.verifyingKeys,
  }
}

const VARIABLE = 'ZKPAY_DEPLOYMENT'

/** Reads and checks a deployment file; a missing or malformed one is CONFIG_INVALID naming the file. */
export function readDeploymentFile(file: string): Deployment {
  if (!existsSync(file)) throw new ConfigError(VARIABLE, `The deployment file ${file} does not exist: write it with \`zkpay deploy --write ${file}\`.`, { setting: 'deployment' })
  let json: unknown
  try {
    json = JSON.parse(readFileSync(file, 'utf8'))
  } catch {
    throw new ConfigError(VARIABLE, `The deployment file ${file} is not JSON.`, { setting: 'deployment' })
  }
  const parsed = deploymentSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new ConfigError(VARIABLE, `The deployment file ${file} is invalid: ${issue?.path.join('.') || 'its content'} ${issue?.message ?? 'does not parse'}.`, { setting: 'deployment' })
  }
  return parsed.data
}

/** Writes the deployment file (whole or not at all: a temporary file renamed into place). */
export function writeDeploymentFile(file: string, deployment: Deployment): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true })
  writeFileSync(`${file}.tmp`, `${JSON.stringify(deployment, null, 2)}\n`)
  renameSync(`${file}.tmp`, file)
}
