/**
 * `zkpay/node`: the operator's parts. The sequencer (admission, fees, batching), its store
 * (SQLite, or Postgres for several machines), the HTTP API, the batch provers (in process or
 * remote), settings from ZKPAY_* variables and the logger.
 *
 * @example
 * import { openNodeStore, Sequencer, createApp, createLocalProver, loadConfig, nodeConfig } from 'zkpay/node'
 */
export * from './sequencer/index.ts'
export * from './state/index.ts'
export * from './api/index.ts'
export * from './prover/index.ts'
export * from './config/index.ts'
export * from './log/index.ts'
