export * from './crypto/index.ts'
export * from './errors/index.ts'
