// `npm run bench`: measure a real Party Pool server on loopback. The server runs as its own
// process (so its RSS, CPU and file descriptors are its own); the load comes from worker
// threads holding real TLS sessions. Every run is bounded in count and time.
//
//   npm run bench                         every scenario at full size
//   npm run bench -- --quick              every scenario, small, under a minute
//   npm run bench -- --scenario fanout --sizes 100 --messages 2000
//   npm run bench -- --json results.json  also write the results as JSON
//   npm run bench -- --cpu-prof           write a V8 CPU profile of the server to bench-profiles/
//   npm run bench -- --compare [--rounds 3] [--driver DIR] [--scenario burst100,...]
//                                         against ngIRCd with TLS, interleaved (scripts/bench/compare.ts)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import type { WorkerCommand, WorkerInit, WorkerReply } from './bench/load-worker.js';
import { BENCH_PASSKEY as PASSKEY, cpuSeconds, fdCount, rssBytes, startServerProcess, type ServerProcess } from './bench/server-process.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');

/** Limits raised for the run (printed, so nobody mistakes bench settings for defaults). */
const RAISED_LIMITS: Record<string, string> = {
  PARTY_POOL_MAX_SESSIONS_PER_ADDRESS: '1000000',
  PARTY_POOL_MESSAGE_RATE_PER_SECOND: '1000000',
  PARTY_POOL_MESSAGE_BURST: '1000000',
  PARTY_POOL_COMMAND_RATE_PER_SECOND: '1000000',
  PARTY_POOL_COMMAND_BURST: '1000000',
  PARTY_POOL_CONNECTIONS_PER_MINUTE: '1000000',
  PARTY_POOL_MAX_UNAUTHENTICATED: '100000',
  PARTY_POOL_AUTH_TIMEOUT_MS: '60000',
};

function startServer(maxClients: number, extraEnv: Record<string, string> = {}): Promise<ServerProcess> {
  return startServerProcess({ maxClients, env: { ...RAISED_LIMITS, ...extraEnv }, cpuProfileDir: options['cpu-prof'] ? path.join(repoRoot, 'bench-profiles') : undefined });
}

const { values: options } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    scenario: { type: 'string', default: 'all' },
    sizes: { type: 'string' },
    messages: { type: 'string' },
    workers: { type: 'string' },
    json: { type: 'string' },
    'cpu-prof': { type: 'boolean', default: false },
    compare: { type: 'boolean', default: false },
    driver: { type: 'string' },
    rounds: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (options.help) {
  console.log('Usage: npm run bench -- [--quick] [--scenario capacity|fanout|rooms|storm|package|all] [--sizes N,N] [--messages M] [--workers W] [--json FILE] [--cpu-prof]');
  console.log('       npm run bench -- --compare [--rounds N] [--driver DIR] [--scenario burst100,window100,burst1000,storm1000,idle10000] [--json FILE]');
  process.exit(0);
}

if (options.compare) {
  // Side by side with ngIRCd through the independent driver: its own process runs, its own table.
  const { runCompare } = await import('./bench/compare.js');
  const scenarios = options.scenario === 'all' ? [] : String(options.scenario).split(',');
  await runCompare({ driver: options.driver, rounds: Math.max(1, Number(options.rounds ?? 3)), scenarios, json: options.json }, repoRoot).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(1);
    },
  );
}

const quick = options.quick === true;
/**
 * Load threads: connection-heavy scenarios use two (TLS handshakes are costly on the client side
 * too); fan-out uses one, since every extra thread adds a cross-thread hop to each measured
 * round trip and competes with the server for the machine's two cores. --workers overrides.
 */
let workerCount = 2;
const workersFor = (scenario: string): number => (options.workers ? Math.max(1, Number(options.workers)) : scenario === 'fanout' || scenario === 'rooms' ? 1 : 2);
const sizesOverride = options.sizes?.split(',').map(Number).filter((n) => n > 0);
const results: Record<string, unknown[]> = {};

// ---------- the load workers ----------

class LoadWorker {
  private readonly worker: Worker;
  private readonly waiting: { type: WorkerReply['type']; resolve: (reply: WorkerReply) => void }[] = [];
  onGot: ((seq: number) => void) | undefined;

  constructor(init: WorkerInit) {
    this.worker = new Worker(new URL('./bench/load-worker.js', import.meta.url), { workerData: init });
    this.worker.on('message', (reply: WorkerReply) => {
      if (reply.type === 'got') {
        this.onGot?.(reply.seq);
        return;
      }
      const index = this.waiting.findIndex((w) => w.type === reply.type);
      const [waiter] = index >= 0 ? this.waiting.splice(index, 1) : [];
      waiter?.resolve(reply);
    });
    this.worker.on('error', (error) => console.error('load worker failed:', error));
  }

  request<T extends WorkerReply['type']>(command: WorkerCommand, expect: T): Promise<Extract<WorkerReply, { type: T }>> {
    return new Promise((resolve) => {
      this.waiting.push({ type: expect, resolve: resolve as (reply: WorkerReply) => void });
      this.worker.postMessage(command);
    });
  }

  post(command: WorkerCommand): void {
    this.worker.postMessage(command);
  }

  async close(): Promise<void> {
    await this.request({ type: 'close' }, 'closed');
    await this.worker.terminate();
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function connectAll(server: ServerProcess, total: number, concurrency: number, prefix: string, versions?: number[]): Promise<{ workers: LoadWorker[]; ok: number; failed: number; loginMs: number[]; errors: string[]; perWorker: number[] }> {
  const workers = Array.from({ length: workerCount }, (_, i) => new LoadWorker({ port: server.port, passkey: PASSKEY, prefix: `${prefix}${i}_`, ...(versions ? { versions } : {}) }));
  const perWorker = workers.map((_, i) => Math.floor(total / workerCount) + (i < total % workerCount ? 1 : 0));
  const replies = await Promise.all(workers.map((w, i) => w.request({ type: 'connect', count: perWorker[i] ?? 0, concurrency: Math.max(1, Math.ceil(concurrency / workerCount)) }, 'connected')));
  return {
    workers,
    ok: replies.reduce((sum, r) => sum + r.ok, 0),
    failed: replies.reduce((sum, r) => sum + r.failed, 0),
    loginMs: replies.flatMap((r) => r.loginMs).sort((a, b) => a - b),
    errors: replies.flatMap((r) => r.errors).slice(0, 5),
    perWorker,
  };
}

/** Zero every worker's counters, and wait until each has: only then may sending start. */
async function resetAll(workers: LoadWorker[]): Promise<void> {
  await Promise.all(workers.map((w) => w.request({ type: 'reset' }, 'reset-done')));
}

function table(title: string, rows: Record<string, string | number>[]): void {
  console.log(`\n${title}`);
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0] ?? {});
  const cell = (value: string | number | undefined): string => (typeof value === 'number' ? (Number.isInteger(value) ? value.toLocaleString('en-US') : value.toFixed(2)) : String(value ?? ''));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  console.log(columns.map((c, i) => c.padStart(widths[i] ?? 0)).join('  '));
  for (const row of rows) console.log(columns.map((c, i) => cell(row[c]).padStart(widths[i] ?? 0)).join('  '));
}

// ---------- scenarios ----------

async function capacity(): Promise<void> {
  const sizes = sizesOverride ?? (quick ? [100, 1000] : [100, 1000, 5000, 10000]);
  const rows: Record<string, string | number>[] = [];
  for (const n of sizes) {
    const server = await startServer(n + 10);
    const baseline = rssBytes(server.pid);
    const started = performance.now();
    const run = await connectAll(server, n, 200, 'cap');
    const seconds = (performance.now() - started) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const rss = rssBytes(server.pid);
    const row = {
      sessions: n,
      connected: run.ok,
      failed: run.failed,
      'connect s': seconds,
      'logins/s': run.ok / seconds,
      'server RSS MiB': rss / 1048576,
      'KiB/session': (rss - baseline) / 1024 / Math.max(1, run.ok),
      fds: fdCount(server.pid),
    };
    rows.push(row);
    if (run.errors.length) console.log(`  first errors: ${run.errors.join('; ')}`);
    await Promise.all(run.workers.map((w) => w.close()));
    await server.stop();
  }
  table('Capacity: N authenticated idle sessions', rows);
  results.capacity = rows;
}

async function fanout(): Promise<void> {
  const sizes = sizesOverride ?? (quick ? [25, 100] : [25, 100, 1000]);
  const messages = Number(options.messages ?? (quick ? 300 : 2000));
  const rows: Record<string, string | number>[] = [];
  for (const n of sizes) {
    const server = await startServer(n + 10);
    const run = await connectAll(server, n, 200, 'fan');
    const [senderWorker] = run.workers;
    if (!senderWorker || run.failed > 0) throw new Error(`fan-out setup failed: ${run.errors.join('; ')}`);
    const expected = run.ok * messages;
    const collect = async (): Promise<{ deliveries: number; latencies: number[]; lastNs: bigint }> => {
      const stats = await Promise.all(run.workers.map((w) => w.request({ type: 'stats' }, 'stats')));
      return {
        deliveries: stats.reduce((sum, s) => sum + s.deliveries, 0),
        latencies: stats.flatMap((s) => s.latenciesUs).sort((a, b) => a - b),
        lastNs: stats.reduce((max, s) => (BigInt(s.lastDeliveryNs) > max ? BigInt(s.lastDeliveryNs) : max), 0n),
      };
    };
    const waitForAll = async (timeoutMs: number): Promise<Awaited<ReturnType<typeof collect>>> => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const stats = await collect();
        if (stats.deliveries >= expected || Date.now() > deadline) return stats;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    const cpuBefore = cpuSeconds(server.pid);

    // 1. Burst: the sender pipelines every message as fast as it can.
    await resetAll(run.workers);
    const sent = await senderWorker.request({ type: 'send', session: 0, count: messages, mode: 'burst', startSeq: 0 }, 'sent');
    const burst = await waitForAll(60_000);
    const burstSeconds = Number(burst.lastNs - BigInt(sent.firstSendNs)) / 1e9;
    rows.push({ members: n, mode: 'burst', messages, deliveries: burst.deliveries, 'delivered/s': burst.deliveries / burstSeconds, 'p50 ms': percentile(burst.latencies, 50) / 1000, 'p99 ms': percentile(burst.latencies, 99) / 1000, 'max ms': (burst.latencies.at(-1) ?? NaN) / 1000 });

    // 2. One in flight: the next message goes only once every member has the previous one.
    await resetAll(run.workers);
    run.workers.forEach((w, i) => w.post({ type: 'expect', perMessage: run.perWorker[i] ?? 0 }));
    const started = performance.now();
    for (let seq = 0; seq < messages; seq++) {
      let pending = run.workers.filter((_, i) => (run.perWorker[i] ?? 0) > 0).length;
      const done = new Promise<void>((resolve) => {
        for (const w of run.workers) {
          w.onGot = (got) => {
            if (got === seq && --pending === 0) resolve();
          };
        }
      });
      senderWorker.post({ type: 'send-one', session: 0, seq });
      await done;
    }
    const sequentialSeconds = (performance.now() - started) / 1000;
    run.workers.forEach((w) => {
      w.onGot = undefined;
      w.post({ type: 'expect', perMessage: 0 });
    });
    const sequential = await collect();
    rows.push({ members: n, mode: 'one in flight', messages, deliveries: sequential.deliveries, 'delivered/s': sequential.deliveries / sequentialSeconds, 'p50 ms': percentile(sequential.latencies, 50) / 1000, 'p99 ms': percentile(sequential.latencies, 99) / 1000, 'max ms': (sequential.latencies.at(-1) ?? NaN) / 1000 });

    // 3. Fixed offered rate: 200 messages per second.
    await resetAll(run.workers);
    const rate = 200;
    const rateSent = await senderWorker.request({ type: 'send', session: 0, count: Math.min(messages, quick ? 200 : 1000), mode: 'rate', ratePerSecond: rate, startSeq: 0 }, 'sent');
    const expectedRate = run.ok * rateSent.count;
    const deadline = Date.now() + 30_000;
    let fixed = await collect();
    while (fixed.deliveries < expectedRate && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      fixed = await collect();
    }
    const fixedSeconds = Number(fixed.lastNs - BigInt(rateSent.firstSendNs)) / 1e9;
    rows.push({ members: n, mode: `${rate} msg/s offered`, messages: rateSent.count, deliveries: fixed.deliveries, 'delivered/s': fixed.deliveries / fixedSeconds, 'p50 ms': percentile(fixed.latencies, 50) / 1000, 'p99 ms': percentile(fixed.latencies, 99) / 1000, 'max ms': (fixed.latencies.at(-1) ?? NaN) / 1000 });
    const cpu = cpuSeconds(server.pid) - cpuBefore;
    console.log(`  fan-out ${n} members: server CPU ${cpu.toFixed(2)} s over the three modes`);
    await Promise.all(run.workers.map((w) => w.close()));
    await server.stop();
  }
  table('Broadcast fan-out: one sender, everyone in one room (deliveries count every member, sender included)', rows);
  results.fanout = rows;
}

async function storm(): Promise<void> {
  const n = sizesOverride?.[0] ?? (quick ? 300 : 1000);
  const server = await startServer(n + 10);
  const started = performance.now();
  const run = await connectAll(server, n, n, 'storm');
  const seconds = (performance.now() - started) / 1000;
  const row = { clients: n, 'all in s': seconds, 'p50 login ms': percentile(run.loginMs, 50), 'p99 login ms': percentile(run.loginMs, 99), 'max login ms': run.loginMs.at(-1) ?? NaN, failures: run.failed };
  if (run.errors.length) console.log(`  first errors: ${run.errors.join('; ')}`);
  await Promise.all(run.workers.map((w) => w.close()));
  await server.stop();
  table('Login storm: every client connects at once', [row]);
  results.storm = [row];
}

async function rooms(): Promise<void> {
  const total = sizesOverride?.[0] ?? (quick ? 200 : 1000);
  const roomCount = Math.max(1, Math.round(total / 10));
  const perUserRate = 1;
  const seconds = quick ? 5 : 20;
  const server = await startServer(total + 20, { PARTY_POOL_MAX_ROOMS_PER_USER: String(roomCount + 10) });
  const roomNames = Array.from({ length: roomCount }, (_, i) => `#bench${i}`);
  // A registered organiser creates the rooms (guests may join public rooms, not create them),
  // then leaves them so it does not receive every room's traffic.
  const organiser = new LoadWorker({ port: server.port, passkey: PASSKEY, prefix: 'organiser', versions: [1, 2] });
  await organiser.request({ type: 'connect', count: 1, concurrency: 1 }, 'connected');
  const must = async (name: string, args: string): Promise<void> => {
    const done = await organiser.request({ type: 'run-command', session: 0, name, args }, 'command-done');
    if (done.error) throw new Error(`/${name} ${args}: ${done.error}`);
  };
  await must('register', 'bench-organiser-password');
  for (const room of roomNames) await must('create', room);
  const run = await connectAll(server, total, 200, 'room', [1, 2]);
  let offset = 0;
  await Promise.all(
    run.workers.map((w, i) => {
      const mine = offset;
      offset += run.perWorker[i] ?? 0;
      return w.request({ type: 'join-rooms', rooms: roomNames, offset: mine }, 'joined');
    }),
  );
  for (const room of roomNames) await must('leave', room);
  await resetAll(run.workers);
  const cpuBefore = cpuSeconds(server.pid);
  const started = performance.now();
  const chatted = await Promise.all(run.workers.map((w) => w.request({ type: 'chat', ratePerSecond: perUserRate, seconds }, 'chatted')));
  const sent = chatted.reduce((sum, c) => sum + c.sent, 0);
  const expected = sent * (total / roomCount);
  let stats = await Promise.all(run.workers.map((w) => w.request({ type: 'stats' }, 'stats')));
  const deadline = Date.now() + 30_000;
  while (stats.reduce((sum, s) => sum + s.deliveries, 0) < expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    stats = await Promise.all(run.workers.map((w) => w.request({ type: 'stats' }, 'stats')));
  }
  const wall = (performance.now() - started) / 1000;
  const cpu = cpuSeconds(server.pid) - cpuBefore;
  const latencies = stats.flatMap((s) => s.latenciesUs).sort((a, b) => a - b);
  const deliveries = stats.reduce((sum, s) => sum + s.deliveries, 0);
  const row = {
    sessions: run.ok,
    rooms: roomCount,
    'msg/s per user': perUserRate,
    sent,
    deliveries,
    'delivered/s': deliveries / wall,
    'p50 ms': percentile(latencies, 50) / 1000,
    'p99 ms': percentile(latencies, 99) / 1000,
    'max ms': (latencies.at(-1) ?? NaN) / 1000,
    'server CPU %': (100 * cpu) / wall,
    errors: chatted.reduce((sum, c) => sum + c.errors, 0),
  };
  await organiser.close();
  await Promise.all(run.workers.map((w) => w.close()));
  await server.stop();
  table(`Many rooms: ${run.ok} sessions in ${roomCount} rooms, each chatting ${perUserRate}/s for ${seconds} s (history on)`, [row]);
  results.rooms = [row];
}

function packageBuild(): Promise<void> {
  const script = path.join(repoRoot, 'build', 'scripts', 'bench-package.js');
  if (!fs.existsSync(script)) {
    console.log('\nPackage build: skipped (this build has no packaging yet).');
    results.package = [{ skipped: 'packaging not available' }];
    return Promise.resolve();
  }
  const run = spawnSync(process.execPath, [script, ...(quick ? ['--quick'] : [])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  console.log(run.stdout);
  results.package = [{ output: run.stdout.trim() }];
  return Promise.resolve();
}

const scenarios: Record<string, () => Promise<void>> = { capacity, fanout, rooms, storm, package: packageBuild };

async function main(): Promise<void> {
  const chosen = options.scenario === 'all' ? Object.keys(scenarios) : String(options.scenario).split(',');
  console.log(`Party Pool benchmark — ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}${quick ? ', quick sizes' : ''}`);
  console.log(`Raised for this run (not the defaults): ${Object.entries(RAISED_LIMITS).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  const startedAt = new Date().toISOString();
  for (const name of chosen) {
    const scenario = scenarios[name];
    if (!scenario) throw new Error(`unknown scenario "${name}"; choose from ${Object.keys(scenarios).join(', ')}`);
    workerCount = workersFor(name);
    console.log(`\n[${name}] ${workerCount} load thread${workerCount === 1 ? '' : 's'}`);
    await scenario();
  }
  if (options.json) {
    fs.writeFileSync(options.json, JSON.stringify({ startedAt, node: process.version, cpus: os.cpus().length, quick, raisedLimits: RAISED_LIMITS, results }, null, 2) + '\n');
    console.log(`\nResults written to ${options.json}`);
  }
}

const watchdog = setTimeout(() => {
  console.error('bench: time limit reached, stopping');
  process.exit(1);
}, (quick ? 5 : 30) * 60_000);
watchdog.unref();

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
