export type { BatchProver } from './BatchProver.ts'
export { createLocalProver } from './createLocalProver.ts'
