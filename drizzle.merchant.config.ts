import { defineConfig } from 'drizzle-kit'

// The merchant's own database (src/sdk/merchant): `npx drizzle-kit generate --config drizzle.merchant.config.ts --name <change>`
// after editing its schema.ts; commit the SQL. `openMerchantStore` applies it at open.
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/sdk/merchant/schema.ts',
  out: './src/sdk/merchant/migrations',
  strict: true,
  verbose: true,
})
