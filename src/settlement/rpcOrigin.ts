/**
 * The origin of the RPC a client talks to, for error messages (`http://127.0.0.1:8545`);
 * undefined for a transport without one URL. The transport's URL is already the one viem sees
 * (`rpcTransport` keeps the rest of it to itself).
 *
 * @example
 * rpcOrigin(createPublicClient({ transport: rpcTransport('https://mainnet.example.io/v3/0123abcd') })) // 'https://mainnet.example.io'
 */
export function rpcOrigin(client: { transport: Readonly<Record<string, unknown>> }): string | undefined {
  const url = client.transport.url
  if (typeof url !== 'string') return undefined
  try {
    return new URL(url).origin
  } catch {
    return undefined
  }
}
