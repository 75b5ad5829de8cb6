export * from './crypto/index.ts'
export * from './errors/index.ts'
export * from './circuits/index.ts'
export * from './settlement/index.ts'
