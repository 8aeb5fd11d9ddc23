// The server half of bench:agent's socket test, in a process of its own so that only the server's memory is measured:
// the app (createDeps + buildApp) on the demo catalog with the instant model, a company and BENCH_SERVER_USERS
// registered shoppers (bench-0, bench-1…, and bench-warmup), listening on loopback. Talks to run.ts over IPC: sends
// {type: 'ready', port, clientId, secretKey} once listening, answers {type: 'memory', id} with its memory after
// global.gc() (and its CPU time and open sockets), and {type: 'stop'} by closing and exiting.
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { buildApp, createDeps } from '../../src/app.js';
import { createCompany, registerUser } from '../../src/commerce/index.js';
import { loadConfig } from '../../src/config.js';
import type { DatabaseTarget } from '../../src/db/client.js';
import { instantModel } from './model.js';

if (!process.send) throw new Error('bench/agent/server.ts runs as a child of bench/agent/run.ts (IPC)');
const send = (message: Record<string, unknown>) => process.send!(message);
process.on('disconnect', () => process.exit(0)); // the bench went away

const users = Number(process.env.BENCH_SERVER_USERS ?? 1000);
const url = process.env.BENCH_SERVER_DATABASE_URL;
const target: DatabaseTarget = url ? { driver: 'postgres', url } : { driver: 'pglite', dir: null };

const deps = await createDeps(loadConfig({ LOG_LEVEL: 'silent' }), {
  database: target,
  demoCatalog: true,
  logger: pino({ level: 'silent' }),
  worker: false,
  model: instantModel(),
});
const created = await createCompany(deps.db, { name: 'Bench Sockets' });
for (const id of ['bench-warmup', ...Array.from({ length: users }, (_, i) => `bench-${i}`)]) {
  await registerUser(deps.db, created.company.id, { externalUserId: id, displayName: 'Bench' });
}
const app = await buildApp(deps);
await app.listen({ port: 0, host: '127.0.0.1' });

async function memory() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const m = process.memoryUsage();
  const cpu = process.cpuUsage();
  return {
    rss: m.rss,
    heap_used: m.heapUsed,
    heap_total: m.heapTotal,
    external: m.external,
    array_buffers: m.arrayBuffers,
    cpu_ms: (cpu.user + cpu.system) / 1000,
    open_sockets: app.websocketServer.clients.size,
    gc_exposed: typeof globalThis.gc === 'function',
  };
}

process.on('message', (msg: { type: string; id?: number }) => {
  if (msg.type === 'memory') void memory().then((m) => send({ type: 'memory', id: msg.id, memory: m }));
  if (msg.type === 'stop') {
    void (async () => {
      await app.close();
      await deps.close();
      send({ type: 'stopped', id: msg.id });
      process.disconnect();
    })();
  }
});

send({
  type: 'ready',
  port: (app.server.address() as AddressInfo).port,
  clientId: created.company.clientId,
  secretKey: created.secretKey,
  users,
});
