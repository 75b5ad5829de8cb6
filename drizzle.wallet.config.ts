import { defineConfig } from 'drizzle-kit'

// A wallet's own database (src/sdk/wallet): `npx drizzle-kit generate --config drizzle.wallet.config.ts --name <change>`
// after editing its schema.ts; commit the SQL. `openWalletStore` applies it at open.
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/sdk/wallet/schema.ts',
  out: './src/sdk/wallet/migrations',
  strict: true,
  verbose: true,
})
