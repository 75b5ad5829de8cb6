export { type AppOptions, createApp } from './createApp.ts'
export { transactionSchema } from './schemas.ts'
export { PUBLIC_EVENT_RESOLUTION_MS, type PublicBatchEvent, toPublicEvent } from './toPublicEvent.ts'
