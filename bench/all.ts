// `npm run bench`: runs every benchmark, one after the other (each alone on the machine), keeps each one's JSON in
// bench/results/, and writes BENCHMARKS.md from them: the machine, the method, and each figure beside its target and
// the baseline measured in the same run. `-- --only mcp,checkout` runs some; `-- --render` only rewrites the page
// from the results already there.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS = path.join(ROOT, 'bench', 'results');
const BENCHES = ['mcp', 'checkout', 'agent', 'sync', 'search'] as const;
type Name = (typeof BENCHES)[number];

const args = process.argv.slice(2);
const only = args.includes('--only') ? (args[args.indexOf('--only') + 1] ?? '').split(',') : [...BENCHES];
const renderOnly = args.includes('--render');

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function run(name: Name): Json | null {
  process.stderr.write(`\n== bench:${name}\n`);
  const started = Date.now();
  const r = spawnSync('npm', ['run', '--silent', `bench:${name}`], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
    encoding: 'utf8',
  });
  const text = r.stdout.slice(r.stdout.indexOf('{'));
  try {
    const json = JSON.parse(text) as Json;
    json.ran = {
      at: new Date().toISOString(),
      seconds: Math.round((Date.now() - started) / 1000),
      exit: r.status,
    };
    fs.writeFileSync(path.join(RESULTS, `${name}.json`), `${JSON.stringify(json, null, 2)}\n`);
    return json;
  } catch {
    process.stderr.write(`bench:${name} printed no JSON (exit ${r.status})\n`);
    return null;
  }
}

function load(name: Name): Json | null {
  const file = path.join(RESULTS, `${name}.json`);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Json) : null;
}

const ms = (v: unknown) => (typeof v === 'number' ? `${v.toFixed(2)} ms` : '—');
const num = (v: unknown) => (typeof v === 'number' ? v.toLocaleString('en-US') : '—');
const verdict = (ok: boolean | undefined) => (ok === undefined ? '' : ok ? 'met' : '**missed**');
const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
const table = (rows: string[][]) =>
  [
    row(['figure', 'measured', 'target', 'baseline (same run)', '']),
    row(['---', '---', '---', '---', '---']),
    ...rows.map(row),
  ].join('\n');
const ranAt = (j: Json) => (j.ran ? `Ran ${j.ran.at}, ${j.ran.seconds} s.` : '');
const load1 = (j: Json) => {
  const l = j.machine?.load ?? j.machine?.load_at_start;
  return Array.isArray(l) ? ` Load average at start: ${l.map((x: number) => x.toFixed(2)).join(', ')}.` : '';
};

const sections: Record<Name, (j: Json) => string> = {
  mcp: (j) =>
    `## MCP tool-call overhead (\`npm run bench:mcp\`)\n\n${j.method}.${load1(j)} ${ranAt(j)}\n\n${table([
      [
        '`search_products` over the bare server, in memory (p50)',
        ms(j.in_memory?.overhead_p50_ms),
        `≤ ${j.target_overhead_p50_ms} ms`,
        `bare no-op tool ${ms(j.in_memory?.bare?.p50_ms)}`,
        verdict(j.in_memory?.overhead_p50_ms <= j.target_overhead_p50_ms),
      ],
      [
        '`search_products` over the bare server, Streamable HTTP (p50)',
        ms(j.http?.overhead_p50_ms),
        `≤ ${j.target_overhead_p50_ms} ms`,
        `bare no-op tool ${ms(j.http?.bare?.p50_ms)}`,
        verdict(j.http?.overhead_p50_ms <= j.target_overhead_p50_ms),
      ],
    ])}`,
  checkout: (j) =>
    `## Checkout (\`npm run bench:checkout\`, ${j.driver})\n\n${String(j.method ?? '')}${load1(j)} ${ranAt(j)}\n\n${table(
      [
        [
          'checkout overhead per order (p50)',
          ms(j.sequential?.overhead?.p50_ms),
          `≤ ${j.target?.overhead_p50_ms} ms`,
          `the integrator's two webhook round trips ${ms(j.sequential?.webhook_round_trips?.p50_ms)}`,
          verdict(j.target?.met),
        ],
        ['checkout overhead per order (p99)', ms(j.sequential?.overhead?.p99_ms), '', '', ''],
        [
          'whole confirmation (p50)',
          ms(j.sequential?.confirm?.p50_ms),
          '',
          `bare signed POST pair ${ms(j.sequential?.cross_checks?.bare_signed_posts?.sendWebhook_pair?.p50_ms)}`,
          '',
        ],
        [
          `${j.concurrency?.buyers} concurrent buyers of ${j.concurrency?.stock} units`,
          `${j.concurrency?.paid} PAID, ${j.concurrency?.out_of_stock} sold out, ${j.concurrency?.charges_received} charges, stock left ${j.concurrency?.stock_left}`,
          `exactly ${j.concurrency?.stock} PAID`,
          '',
          verdict(j.concurrency?.ok),
        ],
      ],
    )}`,
  agent: (j) =>
    `## Chat agent (\`npm run bench:agent\`, ${j.driver})\n\n${String(j.method ?? '')}${load1(j)} ${ranAt(j)}\n\n${table(
      [
        [
          'agent overhead per turn, one tool call, in-process model (p50)',
          ms(j.turns?.inline?.overhead?.p50_ms),
          `≤ ${j.target?.overhead_p50_ms} ms`,
          `model time ${ms(j.turns?.inline?.model?.p50_ms)}`,
          verdict(j.target?.met_inline),
        ],
        [
          'agent overhead per turn, one tool call, real SDK against the fake API (p50)',
          ms(j.turns?.sdk?.overhead?.p50_ms),
          `≤ ${j.target?.overhead_p50_ms} ms`,
          `raw fake-model calls ${ms(j.turns?.sdk?.model?.p50_ms)}`,
          verdict(j.target?.met_sdk),
        ],
        [
          `${num(j.sockets?.sockets)} concurrent sockets, one message each`,
          `${num(j.sockets?.answered)} answered, ${Object.keys(j.sockets?.failures ?? {}).length} kinds of failure, in ${ms(j.sockets?.wall_ms)}`,
          'all answered, no error',
          '',
          verdict(j.sockets?.answered === j.sockets?.sockets),
        ],
        [
          'heap per idle socket',
          `${j.sockets?.memory?.per_idle_socket?.heap_used_kb} KB`,
          'reported',
          '',
          '',
        ],
      ],
    )}`,
  sync: (j) => {
    const rows = Object.entries((j.summary ?? {}) as Record<string, Json>).flatMap(([name, r]) => [
      [
        `full sync, ${name} (${num(r.products)} products)`,
        `${num(r.full_sync?.products_per_s)} products/s (${r.full_sync?.wall_s} s; peak RSS ${r.full_sync?.peak_rss_mb} MB)`,
        `≥ ${num(j.target?.full_sync_products_per_s)}/s`,
        `store round trips ${r.full_sync?.store_s} s, connector waits ${r.full_sync?.connector_sleeps_s} s`,
        // The paged path under Shopify's standard bucket is paced by the store's refill rate, by design.
        name === 'standard-paged'
          ? 'bounded by the store'
          : verdict(r.full_sync?.products_per_s >= j.target?.full_sync_products_per_s),
      ],
      [`resync with nothing changed, ${name}`, `${r.resync_no_changes?.wall_s} s`, '', '', ''],
    ]);
    return `## Store sync (\`npm run bench:sync\`)\n\n${String(j.method ?? '')}${load1(j)} ${ranAt(j)}\n\n${table(rows)}`;
  },
  search: (j) => {
    const rel = (j.relevance ?? []) as Json[];
    const shipped = rel.find((r) => String(r.engine).includes('shipped')) ?? rel[0] ?? {};
    const others = rel
      .filter((r) => r !== shipped)
      .map((r) => `${r.engine} ${r.ndcg10}`)
      .join(', ');
    const lat = (j.latency ?? []) as Json[];
    const ours = lat.find((r) => String(r.engine).includes('shipped')) ?? lat[0] ?? {};
    const base = lat
      .filter((r) => r !== ours)
      .map((r) => `${r.engine} ${ms(r.search?.p50_ms)}`)
      .join(', ');
    return `## Search (\`npm run bench:search\`)\n\nRelevance on the demo catalog with the fixed judgments in \`bench/search/relevance.json\`; latency, indexing and memory on a generated catalog of ${num(ours.products)} products.${load1(j)} ${ranAt(j)}\n\n${table(
      [
        [
          'nDCG@10 (shipped engine)',
          String(shipped.ndcg10 ?? '—'),
          `≥ ${j.targets?.ndcg10}`,
          others,
          verdict(shipped.ndcg10 >= j.targets?.ndcg10),
        ],
        ['recall@10', String(shipped.recall10 ?? '—'), '', '', ''],
        [
          'search latency p50',
          ms(ours.search?.p50_ms),
          `≤ ${j.targets?.p50_ms} ms`,
          base,
          verdict(ours.search?.p50_ms <= j.targets?.p50_ms),
        ],
        [
          'search latency p99',
          ms(ours.search?.p99_ms),
          `≤ ${j.targets?.p99_ms} ms`,
          '',
          verdict(ours.search?.p99_ms <= j.targets?.p99_ms),
        ],
        [
          'indexing rate',
          `${num(ours.index_products_per_second)} products/s`,
          `≥ ${num(j.targets?.index_products_per_second)}/s`,
          '',
          verdict(ours.index_products_per_second >= j.targets?.index_products_per_second),
        ],
        ['index heap', `${ours.heap_mb} MB`, 'reported', '', ''],
      ],
    )}`;
  },
};

fs.mkdirSync(RESULTS, { recursive: true });
const results = new Map<Name, Json | null>();
for (const name of BENCHES) results.set(name, only.includes(name) && !renderOnly ? run(name) : load(name));

const page = [
  '# Benchmarks',
  '',
  'Generated by `npm run bench` (`bench/all.ts`) from the JSON each benchmark printed (kept in `bench/results/`); do not edit by hand.',
  `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()}. Written ${new Date().toISOString()}.`,
  '',
  ...BENCHES.flatMap((name) => {
    const j = results.get(name);
    return [
      j ? sections[name](j) : `## ${name}\n\nNo result yet: run \`npm run bench -- --only ${name}\`.`,
      '',
    ];
  }),
].join('\n');
fs.writeFileSync(path.join(ROOT, 'BENCHMARKS.md'), page);
process.stderr.write(`\nwrote BENCHMARKS.md\n`);
