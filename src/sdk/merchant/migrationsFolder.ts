import { fileURLToPath } from 'node:url'

/**
 * The committed SQL that drizzle-kit generated from schema.ts (drizzle.merchant.config.ts).
 *
 * @example
 * migrate(db, { migrationsFolder: MERCHANT_MIGRATIONS_FOLDER })
 */
export const MERCHANT_MIGRATIONS_FOLDER = fileURLToPath(new URL('./migrations', import.meta.url))
