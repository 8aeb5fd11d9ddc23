// Fixes a crash in postgres.js 3.4.x (porsager/postgres #1066, #1154, #1208; fix proposed in PR #1209, unreleased):
// a write queued with setImmediate runs after its connection closed, `socket` is null, and the TypeError cannot be
// caught: a Postgres restart could kill the server. The patched nextWrite fails the pending queries with
// CONNECTION_CLOSED instead, which callers handle. Idempotent; run at install and by bin/aisle.js before the app.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const MARK = '/* aisle: nextWrite null-socket guard */';
const ORIGINAL = `  function nextWrite(fn) {
    const x = socket.write(chunk, fn)`;
const PATCHED = `  function nextWrite(fn) {
    ${MARK}
    if (!socket) {
      nextWriteTimer !== null && clearImmediate(nextWriteTimer)
      chunk = nextWriteTimer = null
      error(Errors.connection('CONNECTION_CLOSED', options))
      return false
    }
    const x = socket.write(chunk, fn)`;

export function patchPostgres(from = process.cwd()) {
  let root;
  try {
    // The package's exports hide package.json: resolve its CommonJS entry (cjs/src/index.js) and go up.
    root = path.resolve(
      path.dirname(createRequire(path.join(from, 'package.json')).resolve('postgres')),
      '../..',
    );
  } catch {
    return 'postgres is not installed';
  }
  const done = [];
  for (const rel of ['src/connection.js', 'cjs/src/connection.js']) {
    const file = path.join(root, rel);
    if (!fs.existsSync(file)) continue;
    const text = fs.readFileSync(file, 'utf8');
    if (text.includes(MARK)) continue;
    if (!text.includes(ORIGINAL)) {
      done.push(`${rel}: unexpected source, not patched`);
      continue;
    }
    fs.writeFileSync(file, text.replace(ORIGINAL, PATCHED));
    done.push(`${rel}: patched`);
  }
  return done.join('; ') || 'already patched';
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    process.stdout.write(`postgres.js: ${patchPostgres()}\n`);
  } catch (err) {
    process.stderr.write(`postgres.js could not be patched: ${err.message}\n`);
  }
}
