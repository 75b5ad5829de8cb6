import { fileURLToPath } from 'node:url'

/** The committed SQL that drizzle-kit generated from schema.ts (drizzle.merchant.config.ts). */
export const MERCHANT_MIGRATIONS_FOLDER = fileURLToPath(new URL('./migrations', import.meta.url))
