export { type AppOptions, createApp } from './createApp.ts'
export { type NodeApi, nodeApi } from './nodeApi.ts'
export { PUBLIC_EVENT_RESOLUTION_MS, type PublicBatchEvent, toPublicEvent } from './toPublicEvent.ts'
