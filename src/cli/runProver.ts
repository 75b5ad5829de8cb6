import type { ProverConfig } from '../config/index.ts'
import { isLoopback } from '../config/loopback.ts'
import { initCrypto } from '../crypto/poseidon.ts'
import { ConfigError } from '../errors/index.ts'
import { createLocalProver, createProverApp } from '../prover/index.ts'
import { type HttpServer, serveHttp } from './serveHttp.ts'

/** Shorter tokens could be guessed over the network; 16 random characters cannot. */
const MIN_TOKEN_LENGTH = 16


/**
 * `zkpay prover`: the in-process batch prover behind the HTTP service, with its token, queue
 * bound and timeouts. A service reachable from other machines must authenticate its clients:
 * without a token it refuses to start on anything but loopback.
 *
 * @example
 * const prover = await runProver(loadConfig(proverConfig, { overrides: { port: 8090 } }), process.env.ZKPAY_PROVER_TOKEN)
 */
export async function runProver(config: ProverConfig, token: string | undefined): Promise<HttpServer> {
  if (token === undefined && !isLoopback(config.host)) {
    throw new ConfigError(
      config.tokenEnv,
      `${config.tokenEnv} is not set, and a prover listening on ${config.host} would prove for anyone who reaches it: set ${config.tokenEnv} to a random token of at least ${MIN_TOKEN_LENGTH} characters (and give the nodes the same), or listen on 127.0.0.1.`,
    )
  }
  if (token !== undefined && token.length < MIN_TOKEN_LENGTH) {
    throw new ConfigError(config.tokenEnv, `${config.tokenEnv} holds a token shorter than ${MIN_TOKEN_LENGTH} characters: use a longer random one.`)
  }
  await initCrypto()
  return serveHttp({
    fetch: createProverApp(createLocalProver(), { ...(token === undefined ? {} : { token }), maxQueue: config.queue }).fetch,
    port: config.port,
    hostname: config.host,
    headersTimeoutMs: config.httpHeadersTimeoutMs,
    requestTimeoutMs: config.httpRequestTimeoutMs,
  })
}
