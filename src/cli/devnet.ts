import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { BATCH_TRANSFERS } from '../crypto/batch.ts'
import { type Address, createPublicClient, createWalletClient, type Hex, http, type PublicClient, toHex } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { loadConfig, nodeConfig } from '../config/index.ts'
import { encodeAddress } from '../crypto/address.ts'
import { deriveKeys, generateMnemonic, seedFromMnemonic } from '../crypto/keys.ts'
import { initCrypto } from '../crypto/poseidon.ts'
import { exportViewingKey } from '../crypto/viewingKeys.ts'
import { createLogger, type Logger } from '../log/index.ts'
import { deployRollup } from '../settlement/deployRollup.ts'
import { deployTestToken } from '../settlement/deployTestToken.ts'
import { testTokenAbi } from '../settlement/generated/contracts.ts'
import { type Anvil, startAnvil } from '../settlement/startAnvil.ts'
import { type RunningNode, runNode } from './runNode.ts'

/** anvil's public dev mnemonic: its accounts are funded with 10,000 ETH each. Never use on a real chain. */
export const DEV_MNEMONIC = 'test test test test test test test test test test test junk'

export type DevnetInfo = {
  rpcUrl: string
  sequencerUrl: string
  rollupAddress: Address
  tokenAddress: Address
  chainId: number
  deployBlock: string
  /** dev accounts with ETH and test tokens; [0] is the operator */
  accounts: { address: Address; privateKey: Hex }[]
  /**
   * the operator's shielded fee account (a fresh mnemonic per devnet: a wallet made from it
   * spends the fees) and the prices per transaction in each asset's units; null without fees
   */
  fees: { mnemonic: string; address: string; prices: { eth: string; token: string } } | null
}

/** The devnet's prices per transaction: small, but enough that a flood of free transactions is refused. */
export const DEVNET_FEES = { eth: '0.00001', token: '0.01' } as const

export type Devnet = { info: DevnetInfo; anvil: Anvil; node: RunningNode; stop(): Promise<void> }

const devAccount = (addressIndex: number) => {
  const account = mnemonicToAccount(DEV_MNEMONIC, { addressIndex })
  return { account, privateKey: toHex(account.getHdKey().privateKey!) }
}

/**
 * The embedded devnet: anvil on a free port, the rollup and a test ERC-20 deployed, dev accounts
 * funded with tokens, and an operator node on loopback. Writes `<dir>/devnet.json`.
 *
 * @example
 * const devnet = await startDevnet({ dir: '.zkpay' })
 * console.log(devnet.info.sequencerUrl)
 */
export async function startDevnet(
  options: { dir?: string; batchSize?: number; batchMaxAgeMs?: number; logger?: Logger; accounts?: number; fees?: { eth: string; token: string } | null } = {},
): Promise<Devnet> {
  const dir = options.dir ?? '.zkpay'
  const logger = options.logger ?? createLogger('devnet')
  const anvil = await startAnvil()
  try {
    const transport = http(anvil.rpcUrl)
    const publicClient = createPublicClient({ chain: foundry, transport, pollingInterval: 100 }) as PublicClient
    const accounts = Array.from({ length: options.accounts ?? 4 }, (_, i) => devAccount(i))
    const operator = { publicClient, walletClient: createWalletClient({ account: accounts[0]!.account, chain: foundry, transport }) }
    // Short delays suit a devnet: a deposit can be reclaimed, and the hatch opens, after 100 blocks.
    const rollup = await deployRollup(operator, { escapeDelay: 100n, depositTimeout: 100n })
    const tokenAddress = await deployTestToken(operator, { name: 'Test Dollar', symbol: 'TUSD' })
    for (const { account } of accounts) {
      const hash = await operator.walletClient.writeContract({ address: tokenAddress, abi: testTokenAbi, functionName: 'mint', args: [account.address, 10n ** 24n], gas: 100_000n })
      await publicClient.waitForTransactionReceipt({ hash })
    }
    const dataDir = path.join(dir, 'devnet-node')
    rmSync(dataDir, { recursive: true, force: true }) // a fresh chain needs a fresh node
    const prices = options.fees === undefined ? DEVNET_FEES : options.fees
    await initCrypto()
    const feeMnemonic = generateMnemonic()
    const feeKeys = deriveKeys(seedFromMnemonic(feeMnemonic))
    const config = loadConfig(nodeConfig, {
      env: {},
      overrides: {
        rpcUrl: anvil.rpcUrl,
        rollupAddress: rollup.address,
        fromBlock: rollup.blockNumber,
        apiPort: 0,
        dataDir,
        batchSize: options.batchSize ?? BATCH_TRANSFERS,
        batchMaxAgeMs: options.batchMaxAgeMs ?? 1_000,
        fees: prices ? `ETH=${prices.eth},${tokenAddress}=${prices.token}` : [],
      },
    })
    const node = await runNode(config, accounts[0]!.privateKey, { logger, feeKey: exportViewingKey(feeKeys, 'incoming', 'testnet') })
    const info: DevnetInfo = {
      rpcUrl: anvil.rpcUrl,
      sequencerUrl: node.url,
      rollupAddress: rollup.address,
      tokenAddress,
      chainId: foundry.id,
      deployBlock: rollup.blockNumber.toString(),
      accounts: accounts.map(({ account, privateKey }) => ({ address: account.address, privateKey })),
      fees: prices ? { mnemonic: feeMnemonic, address: encodeAddress({ ownerPk: feeKeys.ownerPk, vpk: feeKeys.vpk }, 'testnet'), prices: { ...prices } } : null,
    }
    mkdirSync(dir, { recursive: true, mode: 0o700 }) // it also holds the wallet and node folders
    // Owner-only: it holds the dev accounts' keys and the fee account's mnemonic.
    const file = path.join(dir, 'devnet.json')
    writeFileSync(file, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 })
    chmodSync(file, 0o600) // a file left by an earlier devnet keeps its old mode otherwise
    return {
      info,
      anvil,
      node,
      async stop() {
        await node.stop()
        await anvil.stop()
      },
    }
  } catch (error) {
    await anvil.stop()
    throw error
  }
}
