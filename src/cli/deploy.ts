import { existsSync } from 'node:fs'
import { deployConfig, loadConfig } from '../config/index.ts'
import { DEVNET_CHAIN_ID } from '../circuits/devKeys.ts'
import { InvalidParameterError } from '../errors/index.ts'
import { deployRollup, type DeployRollupParameters } from '../settlement/deployRollup.ts'
import { toDeployment, writeDeploymentFile } from './deploymentFile.ts'
import { connectL1, readOperatorKey } from './l1.ts'

export type DeployFlags = {
  rpcUrl?: string
  operatorKeyEnv?: string
  sequencer?: string
  escapeDelay?: string
  depositTimeout?: string
  insecureDevKeys?: boolean
  write?: string
  json?: boolean
}

/**
 * `zkpay deploy`: deploys contracts/Rollup.sol with the operator key and prints (and with
 * `--write`, records) where it is. Every argument is checked before the RPC is contacted, so a
 * typo costs nothing; the dev keys are refused off the devnet by `deployRollup` itself.
 */
export async function runDeploy(flags: DeployFlags): Promise<void> {
  const config = loadConfig(deployConfig, {
    overrides: {
      rpcUrl: flags.rpcUrl,
      operatorKeyEnv: flags.operatorKeyEnv,
      sequencer: flags.sequencer,
      escapeDelay: flags.escapeDelay,
      depositTimeout: flags.depositTimeout,
      insecureDevKeys: flags.insecureDevKeys,
    },
  })
  // Never overwrite a deployment record: it may be the only note of another rollup's address.
  if (flags.write !== undefined && existsSync(flags.write)) throw new InvalidParameterError('write', `${flags.write} exists; choose another file or remove it first`)
  const { account } = readOperatorKey(config.operatorKeyEnv, 'sign the deployment')
  const parameters: DeployRollupParameters = {
    sequencer: config.sequencer,
    escapeDelay: config.escapeDelay,
    depositTimeout: config.depositTimeout,
    allowInsecureDevKeys: config.insecureDevKeys,
  }

  const l1 = await connectL1(config.rpcUrl, account)
  const deployed = await deployRollup(l1, parameters)
  const deployment = toDeployment(deployed)
  const insecure = deployed.verifyingKeys.dev && deployed.chainId !== DEVNET_CHAIN_ID
  if (insecure) {
    console.error(`WARNING: the rollup on chain ${deployed.chainId} holds the DEV verifying keys (--insecure-dev-keys): anyone can forge proofs and take every deposit. Never send real funds to it.`)
  }
  if (flags.json) console.log(JSON.stringify({ ...deployment, transactionHash: deployed.hash }, null, 2))
  else {
    const keys = deployed.verifyingKeys
    console.log(`deployed the rollup at ${deployed.address} in block ${deployed.blockNumber} (chain ${deployed.chainId}, transaction ${deployed.hash})`)
    console.log(`sequencer ${deployed.sequencer}, escape delay ${deployed.escapeDelay} blocks, deposit timeout ${deployed.depositTimeout} blocks`)
    console.log(`verifying keys: ${keys.dev ? 'dev (forgeable: devnet only)' : 'ceremony'}; vkey SHA-256 transfer ${keys.circuits.transfer.vkeySha256}, batch ${keys.circuits.batch.vkeySha256}`)
  }
  if (flags.write !== undefined) {
    writeDeploymentFile(flags.write, deployment)
    if (!flags.json) console.log(`wrote ${flags.write}: start the node with \`zkpay node --deployment ${flags.write}\``)
  }
}
