import type { ProverConfig } from '../config/index.ts'
import { isLoopback } from '../config/loopback.ts'
import { initCrypto } from '../crypto/poseidon.ts'
import { ConfigError } from '../errors/index.ts'
import type { Logger } from '../log/index.ts'
import { type BatchProver, createLocalProver, createProverApp } from '../prover/index.ts'
import { openJobQueue, runQueueWorker } from '../prover/jobQueue.ts'
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
  if (config.port === undefined) throw new ConfigError('ZKPAY_PROVER_PORT', 'Give the port to listen on (--listen or ZKPAY_PROVER_PORT), or --database-url to work from the job queue.')
  const port = config.port
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
    port,
    hostname: config.host,
    headersTimeoutMs: config.httpHeadersTimeoutMs,
    requestTimeoutMs: config.httpRequestTimeoutMs,
  })
}

/**
 * `zkpay prover --database-url`: a worker that takes sealed batches off the node's job queue and
 * proves them in this process. Any number run on any machines; one that dies mid-proof has its
 * job retried elsewhere after the queue's timeout. Resolves to a function that stops it.
 *
 * @example
 * const stop = await runQueueProver(loadConfig(proverConfig), logger)
 */
export async function runQueueProver(config: ProverConfig & { databaseUrl: string }, logger: Logger): Promise<() => Promise<void>> {
  await initCrypto()
  const boss = await openJobQueue(config.databaseUrl, { applicationName: 'zkpay-prover' })
  const local = createLocalProver()
  const prover: BatchProver = {
    name: local.name,
    async prove(witness) {
      const proof = await local.prove(witness)
      // Benchmarks only: stands for a slower machine, so the pipeline is what they measure.
      if (config.benchDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, config.benchDelayMs))
      return proof
    },
  }
  const stopWorking = await runQueueWorker(boss, prover, { concurrency: config.concurrency, logger })
  return async () => {
    await stopWorking()
    await boss.stop({ graceful: true, wait: true })
  }
}
