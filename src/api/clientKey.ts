import { BlockList, isIP } from 'node:net'
import type { Context } from 'hono'

/**
 * Who a request counts against for rate limiting. The socket's peer address, unless the peer is
 * one of `trustedProxies` (addresses or CIDR ranges): then the right-most address of
 * `X-Forwarded-For` that is not a trusted proxy, since each proxy appends the address it was
 * connected from and only the part right of the first untrusted hop was written by our own
 * proxies. From any other peer the header is ignored: a client cannot pick its own bucket.
 *
 * IPv6 clients count per /64, the block a single subscriber is usually given: per address, one
 * host could rotate through 2^64 of them.
 *
 * @example
 * const key = createClientKey(['10.0.0.0/8'])
 * key(c) // '203.0.113.7' for a request from 10.0.0.2 with `X-Forwarded-For: 203.0.113.7`
 */
export function createClientKey(trustedProxies: readonly string[] = []): (c: Context) => string {
  const trusted = new BlockList()
  for (const entry of trustedProxies) {
    const [address = '', bits] = entry.split('/')
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4'
    if (bits === undefined) trusted.addAddress(address, family)
    else trusted.addSubnet(address, Number(bits), family)
  }
  const isTrusted = (address: string) => trustedProxies.length > 0 && trusted.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4')

  return (c) => {
    const peer = plainAddress((c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket?.remoteAddress)
    if (!peer) return 'local' // no socket: app.request() in tests, or a runtime without one
    let client = peer
    if (isTrusted(peer)) {
      const hops = (c.req.header('x-forwarded-for') ?? '').split(',')
      for (let i = hops.length - 1; i >= 0; i--) {
        const hop = plainAddress(hops[i])
        if (!hop) break // not an address: trust stops at the last hop our proxies wrote
        client = hop
        if (!isTrusted(hop)) break
      }
    }
    return isIP(client) === 6 ? ipv6Prefix64(client) : client
  }
}

/** An address as `net` writes it: without brackets, port or zone, IPv4-mapped IPv6 as IPv4; undefined if none. */
function plainAddress(raw: string | undefined): string | undefined {
  let s = raw?.trim() ?? ''
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(s)
  if (bracketed) s = bracketed[1]!
  else if (/^[\d.]+:\d+$/.test(s)) s = s.slice(0, s.lastIndexOf(':'))
  s = s.replace(/%.*$/, '')
  const mapped = /^::ffff:([\d.]+)$/i.exec(s)
  if (mapped) s = mapped[1]!
  return isIP(s) === 0 ? undefined : s.toLowerCase()
}

/** `2001:db8:1:2::/64` for any address in that /64. */
function ipv6Prefix64(address: string): string {
  const groups = (part: string) => (part === '' ? [] : part.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])))
  const [head = '', tail] = address.split('::')
  const left = groups(head)
  const right = tail === undefined ? [] : groups(tail)
  const full = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
  return `${full
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(':')}::/64`
}
