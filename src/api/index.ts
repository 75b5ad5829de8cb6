export { type AppOptions, type AppType, createApp } from './createApp.ts'
export { transactionSchema } from './schemas.ts'
