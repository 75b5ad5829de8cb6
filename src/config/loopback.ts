/**
 * Whether a host name or address is this machine's loopback (`localhost`, 127.0.0.0/8, `::1`,
 * also bracketed or IPv4-mapped): what may be served without TLS or a token.
 *
 * @example
 * isLoopback('127.0.0.1') // true; isLoopback('0.0.0.0') // false
 */
export function isLoopback(host: string): boolean {
  return /^(localhost|127(\.\d{1,3}){3}|::1|\[::1\]|::ffff:127(\.\d{1,3}){3})$/i.test(host)
}
