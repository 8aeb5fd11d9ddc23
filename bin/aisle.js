#!/usr/bin/env node
// The `aisle` command. Runs the TypeScript sources through tsx, so a checkout needs no build step.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';
import { patchPostgres } from '../scripts/patch-postgres.mjs';

// A known postgres.js crash on connections closing mid-write (see scripts/patch-postgres.mjs). Also done at install;
// best effort here for installs that skipped scripts (a read-only node_modules already holds the install's patch).
try {
  patchPostgres(fileURLToPath(new URL('..', import.meta.url)));
} catch {
  // read-only install: rely on the postinstall patch
}
register();
await import('../src/cli.ts');
