// `npm run bench:files`: file transfer speed on loopback, and chat latency for other people
// while a 100 MiB upload and a 100 MiB download run. A real `party-pool server` runs as its own
// process; the transfers use the real client code (ChatClient + FileTransfers) in this process;
// the chat probe is a worker thread with its own TLS sessions (scripts/bench/load-worker.ts), so
// its latencies are not this thread's. Idle and loaded rounds are interleaved, because the
// machine is shared and noisy: compare within a run, not across runs.
//
//   npm run bench:files                         3 rounds, 100 MiB
//   npm run bench:files -- --mib 20 --rounds 1  quicker
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { ChatClient } from '../src/link/chat-client.js';
import { FileTransfers } from '../src/link/file-transfers.js';
import type { ServerMessage } from '../src/protocol/messages.js';
import type { WorkerCommand, WorkerInit, WorkerReply } from './bench/load-worker.js';
import { BENCH_PASSKEY, cpuSeconds, rssBytes, startServerProcess, type ServerProcess } from './bench/server-process.js';

const { values: options } = parseArgs({
  options: {
    mib: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '3' },
    rate: { type: 'string', default: '40' },
    'cpu-prof': { type: 'boolean', default: false },
    'speed-only': { type: 'boolean', default: false },
    window: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (options.help) {
  console.log('Usage: npm run bench:files -- [--mib N] [--rounds R] [--rate MSGS_PER_SECOND]');
  process.exit(0);
}
const MIB = 1024 * 1024;
const size = Number(options.mib) * MIB;
const rounds = Math.max(1, Number(options.rounds));
const probeRate = Math.max(1, Number(options.rate));

/** Raised for the run: every client comes from 127.0.0.1, and the probe sends faster than a person. */
const RAISED: Record<string, string> = {
  PARTY_POOL_MAX_SESSIONS_PER_ADDRESS: '1000',
  PARTY_POOL_MESSAGE_RATE_PER_SECOND: '1000000',
  PARTY_POOL_MESSAGE_BURST: '1000000',
  PARTY_POOL_COMMAND_RATE_PER_SECOND: '1000000',
  PARTY_POOL_COMMAND_BURST: '1000000',
  PARTY_POOL_CONNECTIONS_PER_MINUTE: '1000000',
  PARTY_POOL_FILE_USER_QUOTA_BYTES: String(100 * 1024 * MIB),
};

class Probe {
  private readonly worker: Worker;
  private readonly waiting: { type: WorkerReply['type']; resolve: (reply: WorkerReply) => void }[] = [];

  constructor(init: WorkerInit) {
    this.worker = new Worker(new URL('./bench/load-worker.js', import.meta.url), { workerData: init });
    this.worker.on('message', (reply: WorkerReply) => {
      const index = this.waiting.findIndex((w) => w.type === reply.type);
      const [waiter] = index >= 0 ? this.waiting.splice(index, 1) : [];
      waiter?.resolve(reply);
    });
  }

  request<T extends WorkerReply['type']>(command: WorkerCommand, expect: T): Promise<Extract<WorkerReply, { type: T }>> {
    return new Promise((resolve) => {
      this.waiting.push({ type: expect, resolve: resolve as (reply: WorkerReply) => void });
      this.worker.postMessage(command);
    });
  }

  async close(): Promise<void> {
    await this.request({ type: 'close' }, 'closed');
    await this.worker.terminate();
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function client(server: ServerProcess, fingerprint: string, name: string, downloads: string): Promise<{ chat: ChatClient; transfers: FileTransfers; messages: { at: number; message: ServerMessage }[] }> {
  const chat = new ChatClient({
    pin: { targets: [{ host: '127.0.0.1', port: server.port }], fingerprints: [fingerprint] },
    credentials: { passkey: BENCH_PASSKEY },
    role: 'user',
    chooseName: (refusal) => Promise.resolve(refusal ? undefined : name),
    reconnect: false,
  });
  const messages: { at: number; message: ServerMessage }[] = [];
  chat.on('message', (message) => {
    if (message.type === 'file-accepted' || message.type === 'file-start' || message.type === 'file') messages.push({ at: performance.now(), message });
  });
  await chat.start();
  const window = options.window === undefined ? undefined : Number(options.window) * 1024;
  return { chat, transfers: new FileTransfers(chat, { downloadsDir: downloads, ...(window ? { uploadWindowBytes: window } : {}) }), messages };
}

/** Time from `file-accepted` to the `file` event (upload) or from `file-start` to `saved` (download), in seconds. */
async function timedUpload(up: Awaited<ReturnType<typeof client>>, file: string): Promise<{ seconds: number; id: number }> {
  const mark = up.messages.length;
  const ok = await up.transfers.send(file, { room: '#lobby' });
  if (!ok) throw new Error('upload failed');
  const accepted = up.messages.slice(mark).find((m) => m.message.type === 'file-accepted');
  const shared = up.messages.slice(mark).find((m) => m.message.type === 'file' && m.message.ref === undefined);
  if (!accepted || !shared || shared.message.type !== 'file') throw new Error('upload did not publish');
  return { seconds: (shared.at - accepted.at) / 1000, id: shared.message.id };
}

async function timedDownload(down: Awaited<ReturnType<typeof client>>, id: number): Promise<number> {
  const mark = down.messages.length;
  const ok = await down.transfers.get(id);
  const end = performance.now();
  const start = down.messages.slice(mark).find((m) => m.message.type === 'file-start');
  if (!ok || !start) throw new Error('download failed');
  return (end - start.at) / 1000;
}

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'party-pool-bench-files-'));
  const server = await startServerProcess({ maxClients: 100, env: RAISED, cpuProfileDir: options['cpu-prof'] ? path.resolve('bench-profiles') : undefined });
  const fingerprint = (JSON.parse(fs.readFileSync(path.join(server.dataDir, 'server.json'), 'utf8')) as { fingerprint: string }).fingerprint;
  console.log(`File transfers on loopback: ${Number(options.mib)} MiB, ${rounds} round(s); load average ${os.loadavg()[0]?.toFixed(2)}; ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), Node ${process.version}.`);
  console.log(`Raised for the run: ${Object.keys(RAISED).join(', ')}.`);
  try {
    const source = path.join(work, 'payload.bin');
    fs.writeFileSync(source, crypto.randomBytes(size));
    const up = await client(server, fingerprint, 'uploader', path.join(work, 'up'));
    const down = await client(server, fingerprint, 'downloader', path.join(work, 'down'));

    // 1. Speed: one transfer at a time.
    const speeds: { up: number; down: number }[] = [];
    let lastId = 0;
    const cpu = (): { server: number; client: number } => {
      const usage = process.cpuUsage();
      return { server: cpuSeconds(server.pid), client: (usage.user + usage.system) / 1e6 };
    };
    const spent = (before: ReturnType<typeof cpu>): string => {
      const after = cpu();
      return `CPU s/100 MB: server ${((after.server - before.server) * (1e8 / size)).toFixed(2)}, client ${((after.client - before.client) * (1e8 / size)).toFixed(2)}`;
    };
    for (let round = 0; round < rounds; round++) {
      let before = cpu();
      const upload = await timedUpload(up, source);
      const upCpu = spent(before);
      lastId = upload.id;
      before = cpu();
      const seconds = await timedDownload(down, upload.id);
      const downCpu = spent(before);
      speeds.push({ up: size / 1e6 / upload.seconds, down: size / 1e6 / seconds });
      for (const file of fs.readdirSync(path.join(work, 'down'))) fs.rmSync(path.join(work, 'down', file));
      console.log(`  round ${round + 1}: upload ${(size / 1e6 / upload.seconds).toFixed(1)} MB/s (${upCpu}; client includes hashing the file first), download ${(size / 1e6 / seconds).toFixed(1)} MB/s (${downCpu})`);
    }
    const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
    console.log(`Speed (one transfer, median of ${rounds}): upload ${median(speeds.map((s) => s.up)).toFixed(1)} MB/s, download ${median(speeds.map((s) => s.down)).toFixed(1)} MB/s (MB = 10^6 bytes; upload timed from file-accepted to the published file event, download from file-start to the checked, saved file).`);

    if (options['speed-only']) return;
    // 2. Chat latency for two other people, idle and during a 100 MiB upload plus a 100 MiB download.
    const probe = new Probe({ port: server.port, passkey: BENCH_PASSKEY, prefix: 'probe', versions: [1, 2, 3] });
    const connected = await probe.request({ type: 'connect', count: 2, concurrency: 2 }, 'connected');
    if (connected.ok !== 2) throw new Error(`probe login failed: ${connected.errors.join('; ')}`);
    const seconds = Math.max(4, Math.ceil((size / MIB) * 0.06));
    const measure = async (loaded: boolean): Promise<{ p50: number; p95: number; p99: number; n: number; cpu: number }> => {
      await probe.request({ type: 'reset' }, 'reset-done');
      const cpuBefore = cpuSeconds(server.pid);
      let stop = false;
      const load = loaded
        ? (async () => {
            while (!stop) await Promise.all([timedUpload(up, source), timedDownload(down, lastId)]).then(() => fs.readdirSync(path.join(work, 'down')).forEach((file) => fs.rmSync(path.join(work, 'down', file))));
          })()
        : Promise.resolve();
      await probe.request({ type: 'send', session: 0, count: probeRate * seconds, mode: 'rate', ratePerSecond: probeRate, startSeq: 0 }, 'sent');
      stop = true;
      await load;
      const stats = await probe.request({ type: 'stats' }, 'stats');
      const sorted = stats.latenciesUs.sort((a, b) => a - b);
      return { p50: percentile(sorted, 50) / 1000, p95: percentile(sorted, 95) / 1000, p99: percentile(sorted, 99) / 1000, n: sorted.length, cpu: cpuSeconds(server.pid) - cpuBefore };
    };
    const rows: string[] = [];
    const ratios: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const idle = await measure(false);
      const loaded = await measure(true);
      ratios.push(loaded.p50 / idle.p50);
      rows.push(
        `  round ${round + 1}: idle p50 ${idle.p50.toFixed(2)} / p95 ${idle.p95.toFixed(2)} / p99 ${idle.p99.toFixed(2)} ms (${idle.n} deliveries)` +
          ` — under transfer p50 ${loaded.p50.toFixed(2)} / p95 ${loaded.p95.toFixed(2)} / p99 ${loaded.p99.toFixed(2)} ms (${loaded.n}); p50 ratio ${(loaded.p50 / idle.p50).toFixed(2)}, p95 ratio ${(loaded.p95 / idle.p95).toFixed(2)}`,
      );
    }
    console.log(`Chat latency for others (${probeRate} lines/s from one probe session to #lobby, both probe sessions receiving), idle vs. during an upload and a download of ${Number(options.mib)} MiB:`);
    for (const row of rows) console.log(row);
    console.log(`Median p50 ratio (loaded / idle): ${median(ratios).toFixed(2)}. Server RSS at the end: ${(rssBytes(server.pid) / MIB).toFixed(1)} MiB.`);
    await probe.close();
    up.chat.stop();
    down.chat.stop();
    up.transfers.close();
    down.transfers.close();
  } finally {
    await server.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

await main();
