// `npm run bundle`: builds dist/aisle.mcpb, an MCP Bundle for one-click install in Claude Desktop: the manifest
// (bundle/manifest.base.json with the version and the tool list filled in), the server's files and its production
// dependencies, packed with @anthropic-ai/mcpb. `--manifest-only` writes and validates the manifest alone.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TOOLS } from '../src/tools/index.js';
import { VERSION } from '../src/version.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const STAGE = path.join(ROOT, 'dist/bundle');
const MCPB = path.join(ROOT, 'node_modules/@anthropic-ai/mcpb/dist/cli/cli.js');

export async function writeManifest(dir: string): Promise<string> {
  const base = JSON.parse(await fs.readFile(path.join(ROOT, 'bundle/manifest.base.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  const manifest = {
    ...base,
    version: VERSION,
    tools: TOOLS.map((t) => ({ name: t.name, description: t.title })),
  };
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, 'manifest.json');
  await fs.writeFile(file, `${JSON.stringify(manifest, null, 2)}\n`);
  execFileSync(process.execPath, [MCPB, 'validate', file], { stdio: 'inherit' });
  return file;
}

async function main() {
  await fs.rm(STAGE, { recursive: true, force: true });
  await writeManifest(STAGE);
  if (process.argv.includes('--manifest-only')) return;
  const server = path.join(STAGE, 'server');
  for (const item of [
    'bin',
    'src',
    'scripts/patch-postgres.mjs',
    'data/demo',
    'package.json',
    'package-lock.json',
    'README.md',
  ]) {
    await fs.cp(path.join(ROOT, item), path.join(server, item), { recursive: true });
  }
  execFileSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: server,
    stdio: 'inherit',
  });
  const out = path.join(ROOT, 'dist/aisle.mcpb');
  execFileSync(process.execPath, [MCPB, 'pack', STAGE, out], { stdio: 'inherit' });
  process.stdout.write(`Built ${path.relative(ROOT, out)}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await main();
