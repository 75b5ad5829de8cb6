import { defineConfig } from 'drizzle-kit'

// `npx drizzle-kit generate --config drizzle.pg.config.ts --name <change>` after editing
// src/state/postgres/schema.ts; commit the SQL. The node applies it itself at open.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/state/postgres/schema.ts',
  out: './src/state/postgres/migrations',
  strict: true,
  verbose: true,
})
