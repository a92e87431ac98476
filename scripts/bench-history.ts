// Benchmarks for stored history (run: npm run build && node build/scripts/bench-history.js).
// Measures, on a real TLS server in this process with its database in a temp dir:
//   1. say -> ack latency, one message at a time (every message is committed with fsync first);
//   2. throughput with several clients sending at once, history on and off;
//   3. how long a reconnect takes to replay 5,000 missed messages (login -> synced);
//   4. a registered login (scrypt verification included).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ChatClient } from '../src/link/chat-client.js';
import { KeyCache, ServerLink, login, openPinnedConnection } from '../src/link/connection.js';
import { createSilentLogger } from '../src/common/logger.js';
import { resolveServerSettings, type ServerSettings } from '../src/common/settings.js';
import type { ServerMessage } from '../src/protocol/messages.js';
import { PartyPoolServer } from '../src/server/server.js';

const PASSKEY = 'bench-passkey-1234';
const ROOT = 'bench-root-password-1234';

async function startServer(overrides: Partial<ServerSettings>): Promise<PartyPoolServer> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'party-pool-bench-'));
  const settings: ServerSettings = {
    ...resolveServerSettings({}, {}),
    host: '127.0.0.1',
    port: 0,
    dataDir: path.join(root, 'data'),
    logDir: path.join(root, 'logs'),
    publicIpUrl: '',
    maxClients: 100,
    maxSessionsPerAddress: 100,
    // A benchmark sends far faster than people type: the per-session flood limits would cut it off.
    messageRatePerSecond: 1_000_000,
    messageBurst: 1_000_000,
    commandRatePerSecond: 1_000_000,
    commandBurst: 1_000_000,
    connectionsPerMinute: 1_000_000,
    ...overrides,
  };
  return PartyPoolServer.start({ settings, passkey: PASSKEY, rootPassword: ROOT, logger: createSilentLogger() });
}

function client(server: PartyPoolServer, name: string, password?: string): ChatClient {
  return new ChatClient({
    pin: { targets: [{ host: '127.0.0.1', port: server.port }], fingerprints: [server.identity.fingerprint] },
    credentials: { passkey: PASSKEY },
    role: 'user',
    chooseName: (refusal) => Promise.resolve(refusal ? undefined : name),
    reconnect: false,
    ...(password ? { account: { password } } : {}),
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function latency(server: PartyPoolServer, count: number): Promise<string> {
  const c = client(server, 'latency');
  await c.start();
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await c.say(`latency ${i}`);
    times.push(performance.now() - start);
  }
  c.stop();
  times.sort((a, b) => a - b);
  return `say->ack, one at a time (${count}): p50 ${percentile(times, 50).toFixed(2)} ms, p99 ${percentile(times, 99).toFixed(2)} ms`;
}

async function throughput(server: PartyPoolServer, clients: number, perClient: number, window: number): Promise<string> {
  const all = await Promise.all(Array.from({ length: clients }, (_, i) => client(server, `tp${i}`)).map(async (c) => (await c.start(), c)));
  const start = performance.now();
  await Promise.all(
    all.map(async (c, n) => {
      for (let sent = 0; sent < perClient; sent += window) {
        await Promise.all(Array.from({ length: Math.min(window, perClient - sent) }, (_, i) => c.say(`client ${n} message ${sent + i}`)));
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  for (const c of all) c.stop();
  const total = clients * perClient;
  return `${clients} clients x ${perClient} messages (window ${window}): ${(total / seconds).toFixed(0)} acked messages/s, each fanned out to ${clients} sessions`;
}

async function resume(server: PartyPoolServer, missed: number): Promise<string> {
  const reader = client(server, 'reader');
  await reader.start();
  await new Promise((resolve) => setTimeout(resolve, 200));
  const lastId = reader.rooms.lastId('#lobby') ?? 0;
  reader.stop();
  const writer = client(server, 'writer');
  await writer.start();
  for (let sent = 0; sent < missed; sent += 100) await Promise.all(Array.from({ length: 100 }, (_, i) => writer.say(`missed ${sent + i} ${'x'.repeat(80)}`)));
  writer.stop();
  // Log in again the way a reconnecting client does: with the last id seen in each room.
  const link = new ServerLink(await openPinnedConnection({ targets: [{ host: '127.0.0.1', port: server.port }], fingerprints: [server.identity.fingerprint] }));
  let replayed = 0;
  const synced = new Promise<void>((resolve) =>
    link.on('message', (m: ServerMessage) => {
      if (m.type === 'history') replayed += m.messages.length;
      if (m.type === 'synced') resolve();
    }),
  );
  const keyCache = new KeyCache();
  // Derive the passkey key first so the timing below is the login and replay only.
  const warm = new ServerLink(await openPinnedConnection({ targets: [{ host: '127.0.0.1', port: server.port }], fingerprints: [server.identity.fingerprint] }));
  await login(warm, { role: 'user', credentials: { passkey: PASSKEY }, keyCache, chooseName: (refusal) => Promise.resolve(refusal ? undefined : 'warmup') });
  warm.close();
  const start = performance.now();
  await login(link, { role: 'user', credentials: { passkey: PASSKEY }, keyCache, chooseName: (refusal) => Promise.resolve(refusal ? undefined : 'reader'), resume: () => [{ room: '#lobby', lastId }] });
  await synced;
  const ms = performance.now() - start;
  link.close();
  return `resume: ${replayed} missed messages replayed, auth -> synced in ${ms.toFixed(0)} ms`;
}

async function registeredLogin(server: PartyPoolServer): Promise<string> {
  const first = client(server, 'member');
  await first.start();
  await first.register('member-password');
  first.stop();
  await new Promise((resolve) => setTimeout(resolve, 100));
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const c = client(server, 'member', 'member-password');
    const start = performance.now();
    await c.start();
    times.push(performance.now() - start);
    c.stop();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  times.sort((a, b) => a - b);
  return `registered login (new client: TLS, PBKDF2 600k on the client, scrypt on the server): median ${percentile(times, 50).toFixed(0)} ms`;
}

async function main(): Promise<void> {
  const lines: string[] = [`node ${process.version}, ${os.cpus().length} CPUs, ${os.cpus()[0]?.model ?? ''}`];
  const on = await startServer({});
  lines.push('history on:');
  lines.push('  ' + (await latency(on, 300)));
  lines.push('  ' + (await throughput(on, 10, 300, 20)));
  lines.push('  ' + (await resume(on, 5000)));
  lines.push('  ' + (await registeredLogin(on)));
  await on.shutdown();
  const off = await startServer({ historyEnabled: false });
  lines.push('history off:');
  lines.push('  ' + (await latency(off, 300)));
  lines.push('  ' + (await throughput(off, 10, 300, 20)));
  await off.shutdown();
  console.log(lines.join('\n'));
}

await main();
