import { type Account, type Chain, createPublicClient, createWalletClient, defineChain, type Hex, type PublicClient, type Transport, type WalletClient } from 'viem'
import { type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts'
import { readSecretEnv, redactUrl } from '../config/index.ts'
import { ConfigError } from '../errors/index.ts'
import { rpcTransport } from '../settlement/rpcTransport.ts'
import { toL1Error } from '../settlement/toL1Error.ts'

/**
 * The operator's L1 account from the variable `variable` names (`--operator-key-env`), checked
 * before anything connects: unset, or not a secp256k1 private key, is a CONFIG_INVALID that names
 * the variable and never shows its value.
 */
export function readOperatorKey(variable: string, purpose: string): { key: Hex; account: PrivateKeyAccount } {
  const key = readSecretEnv(variable, { purpose }).reveal()
  const invalid = () => new ConfigError(variable, `${variable} does not hold a private key: expected 0x followed by 64 hex digits.`)
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) throw invalid()
  try {
    return { key: key as Hex, account: privateKeyToAccount(key as Hex) }
  } catch {
    throw invalid() // zero or above the curve order
  }
}

export type L1Connection = {
  chainId: number
  publicClient: PublicClient
  walletClient: WalletClient<Transport, Chain, Account>
}

/**
 * Clients for the chain at `rpcUrl`, whatever its id (asked first: an unreachable RPC is
 * L1_UNREACHABLE, one that answers with an error L1_REQUEST_FAILED, each named by its origin
 * only since the URL may carry a provider token).
 */
export async function connectL1(rpcUrl: string, account: Account, options: { pollingInterval?: number } = {}): Promise<L1Connection> {
  const { chainId, publicClient, chain, transport } = await connectL1Reader(rpcUrl, options)
  return { chainId, publicClient, walletClient: createWalletClient({ account, chain, transport }) }
}

/** `connectL1` without an account: what a process that only reads the chain (an api replica) needs. */
export async function connectL1Reader(rpcUrl: string, options: { pollingInterval?: number } = {}): Promise<Omit<L1Connection, 'walletClient'> & { chain: Chain; transport: Transport }> {
  // The URL may carry the provider's token: viem, and so every error and log line, sees its origin only.
  const transport = rpcTransport(rpcUrl)
  let chainId: number
  try {
    chainId = await createPublicClient({ transport }).getChainId()
  } catch (cause) {
    throw toL1Error(cause, redactUrl(rpcUrl))
  }
  const chain = defineChain({ id: chainId, name: `chain ${chainId}`, nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [redactUrl(rpcUrl)] } } })
  const publicClient = createPublicClient({ chain, transport, pollingInterval: options.pollingInterval ?? 250 }) as PublicClient
  return { chainId, publicClient, chain, transport }
}
