// The real `aisle` command as child processes: start `aisle serve` and wait until it answers, stop it with SIGTERM,
// run one-shot CLI commands. Every child and temp folder is tracked, so `cleanupProcesses()` in afterAll/afterEach
// leaves nothing running even when a test fails halfway.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPostgresDatabase, POSTGRES_URL } from './database.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const AISLE_BIN = path.join(REPO_ROOT, 'bin', 'aisle.js');

/** Aisle's settings: children never inherit these from the test runner, only what a test gives them. */
const AISLE_SETTINGS = ['PORT', 'HOST', 'DATABASE_URL', 'LOG_LEVEL', 'LOG_FORMAT', 'REDIS_URL'];
const isAisleSetting = (name: string) => AISLE_SETTINGS.includes(name) || /^(AISLE|MEILI)_/.test(name);

export type Env = Record<string, string | undefined>;

/**
 * The runner's environment minus Aisle's settings, with quiet JSON logs and no demo catalog (loading it doubles the
 * start-up time and no test here needs products); `env` is applied last, and an undefined value deletes a variable.
 */
export function childEnv(env: Env = {}): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(base)) if (isAisleSetting(name)) delete base[name];
  const defaults: Env = { LOG_LEVEL: 'warn', LOG_FORMAT: 'json', NO_COLOR: '1', AISLE_DEMO_CATALOG: 'off' };
  const merged: Env = { ...base, ...defaults, ...env };
  return Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv;
}

const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();

const isRunning = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

// Last resort if the test worker itself goes away: no server may outlive it.
process.once('exit', () => {
  for (const child of children) if (isRunning(child)) child.kill('SIGKILL');
});

/** A fresh empty folder for AISLE_DATA_DIR (or anything else), removed by cleanupProcesses(). */
export async function makeTempDir(prefix = 'aisle-test-'): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

type Exit = { code: number | null; signal: NodeJS.Signals | null };

function spawnAisle(
  args: string[],
  env: Env,
): { child: ChildProcess; output: { stdout: string; stderr: string } } {
  const child = spawn(process.execPath, [AISLE_BIN, ...args], {
    cwd: REPO_ROOT,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const output = { stdout: '', stderr: '' };
  child.on('error', (err) => (output.stderr += `[spawn error] ${err.message}\n`));
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output.stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk));
  return { child, output };
}

function exitOf(child: ChildProcess): Promise<Exit> {
  if (!isRunning(child)) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  // 'close' rather than 'exit': by then stdout and stderr have been read to the end.
  return new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
}

/** Sends `signal`, waits for the exit; SIGKILL after `graceMs` if the process will not go (a safety net, not a test). */
async function terminate(
  child: ChildProcess,
  signal: NodeJS.Signals = 'SIGTERM',
  graceMs = 20_000,
): Promise<Exit> {
  const exited = exitOf(child);
  if (!isRunning(child)) return exited;
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}

export type CliResult = {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
};

/**
 * Runs `aisle <args>` to completion. A command still running after `timeoutMs` is killed and reported with
 * signal SIGKILL, so a hung command fails its test instead of hanging the run.
 */
export async function runCli(
  args: string[],
  env: Env = {},
  options: { timeoutMs?: number } = {},
): Promise<CliResult> {
  const { child, output } = spawnAisle(args, env);
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  try {
    const exit = await exitOf(child);
    return { ...exit, ...output };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `aisle <args>`, expects exit 0 and returns stdout parsed as JSON. */
export async function runCliJson<T = Record<string, unknown>>(args: string[], env: Env = {}): Promise<T> {
  const r = await runCli(args, env);
  if (r.code !== 0) {
    throw new Error(
      `aisle ${args.join(' ')} exited ${r.code ?? r.signal}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`,
    );
  }
  return JSON.parse(r.stdout) as T;
}

export type ServerProcess = {
  child: ChildProcess;
  pid: number;
  port: number;
  /** e.g. http://127.0.0.1:41234 (no trailing slash). */
  baseUrl: string;
  /** Everything the process has written so far. */
  output: { stdout: string; stderr: string };
  /** SIGTERM, then the exit code once the process has gone. */
  stop(): Promise<Exit>;
};

const BANNER_URL = /REST API\s+(http:\/\/[^\s/]+:(\d+))\/api\/v1\//;

/**
 * Starts `aisle serve` with PORT=0 (unless `env` says otherwise), reads the port from the banner on stderr (printed
 * once it listens and, on the embedded database, has written server.json) and waits until GET /api/health is 200.
 * Rejects with the process's output if it exits first or is not up within `timeoutMs`.
 */
export async function startServer(
  env: Env = {},
  options: { timeoutMs?: number } = {},
): Promise<ServerProcess> {
  const { child, output } = spawnAisle(['serve'], { PORT: '0', ...env });
  const exited = exitOf(child);
  const fail = (why: string) =>
    new Error(`aisle serve ${why}\n--- stdout ---\n${output.stdout}\n--- stderr ---\n${output.stderr}`);

  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let gone: Exit | undefined;
  void exited.then((e) => (gone = e));
  const pause = () => new Promise((r) => setTimeout(r, 50));

  try {
    let match: RegExpExecArray | null = null;
    while (!(match = BANNER_URL.exec(output.stderr))) {
      if (gone) throw fail(`exited (${gone.code ?? gone.signal}) before it printed its address`);
      if (Date.now() > deadline) throw fail('printed no address in time');
      await pause();
    }
    const baseUrl = match[1]!;
    for (;;) {
      if (gone) throw fail(`exited (${gone.code ?? gone.signal}) before /api/health answered`);
      const res = await fetch(`${baseUrl}/api/health`).catch(() => undefined);
      if (res?.status === 200) break;
      if (Date.now() > deadline) throw fail(`/api/health did not answer 200 in time (last: ${res?.status})`);
      await pause();
    }
    return {
      child,
      pid: child.pid!,
      port: Number(match[2]),
      baseUrl,
      output,
      stop: () => terminate(child),
    };
  } catch (err) {
    await terminate(child, 'SIGKILL');
    throw err;
  }
}

/** Stops every child still running (SIGTERM, then SIGKILL) and removes the temp folders. For afterAll/afterEach. */
export async function cleanupProcesses(): Promise<void> {
  await Promise.all([...children].map((child) => terminate(child, 'SIGTERM', 10_000)));
  await Promise.all([...tempDirs].map((dir) => fs.rm(dir, { recursive: true, force: true })));
  tempDirs.clear();
}

/** An HTTP call with JSON in and out; never throws on an error status. */
export async function request(
  baseUrl: string,
  method: string,
  urlPath: string,
  options: { headers?: Record<string, string>; body?: unknown } = {},
): Promise<{ status: number; headers: Headers; body: unknown }> {
  const res = await fetch(new URL(urlPath, baseUrl), {
    method,
    headers: {
      ...(options.body !== undefined && { 'content-type': 'application/json' }),
      ...options.headers,
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body };
}

/** The X-Client-ID / X-Secret-Key headers for credentials printed by `aisle company create --json`. */
export function apiHeaders(company: { client_id: string; secret_key: string }): Record<string, string> {
  return { 'x-client-id': company.client_id, 'x-secret-key': company.secret_key };
}

export type CreatedCompany = {
  id: string;
  name: string;
  client_id: string;
  secret_key: string;
  secret_key_hint: string;
  webhook_secret: string;
  webhook_url: string | null;
  created_at: string;
  updated_at: string;
};

/**
 * Where a test's server keeps its data in this run: a new Postgres database on the DATABASE_URL server when that
 * is set (drop() removes it), else the embedded PGlite folder inside a fresh AISLE_DATA_DIR.
 */
export async function freshBackend(): Promise<{
  driver: 'pglite' | 'postgres';
  env: Env;
  dataDir: string;
  databaseUrl: string | undefined;
  drop(): Promise<void>;
}> {
  const dataDir = await makeTempDir();
  if (!POSTGRES_URL) {
    return {
      driver: 'pglite',
      env: { AISLE_DATA_DIR: dataDir },
      dataDir,
      databaseUrl: undefined,
      drop: async () => {},
    };
  }
  const { url, drop } = await createPostgresDatabase(POSTGRES_URL);
  return {
    driver: 'postgres',
    env: { AISLE_DATA_DIR: dataDir, DATABASE_URL: url },
    dataDir,
    databaseUrl: url,
    drop,
  };
}
