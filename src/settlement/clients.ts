import type { Account, Chain, PublicClient, Transport, WalletClient } from 'viem'

/**
 * What the settlement actions run against: a public client for reads and receipts and a wallet
 * client with an account for transactions. Any JSON-RPC endpoint works; the embedded devnet is
 * one (see startAnvil).
 */
export type SettlementClients = {
  publicClient: PublicClient
  walletClient: WalletClient<Transport, Chain, Account>
}
