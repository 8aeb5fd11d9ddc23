// drizzle-kit: `npm run db:generate` writes a new SQL migration from the schema. Landed migrations are never edited.
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './src/db/migrations',
});
