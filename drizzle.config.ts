import { defineConfig } from 'drizzle-kit'

// `npx drizzle-kit generate --name <change>` after editing src/state/schema.ts; commit the SQL.
// The node applies these migrations itself at open (openNodeStore), never drizzle-kit push.
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/state/schema.ts',
  out: './src/state/migrations',
  strict: true,
  verbose: true,
})
