// The attacks of issue 11 items 3 and 4, against a real server process with default settings,
// measured from outside: `node build/scripts/bench-attacks.js --scenario nested|slots
// [--checkout DIR] [--seconds N]`. `--checkout` runs the server of another checkout (built), so
// the same load can be pointed at an older version for a before/after comparison.
//
//   nested  Strangers stream 64 KiB pings nested 32,000 levels deep (valid pings: the extra field
//           is ignored after parsing), from 8 addresses, 4 connections each, reconnecting when
//           closed. Measured: the server's CPU and the chat latency of two members (one line
//           every 700 ms, sender to receiver), before and during the attack.
//   slots   40 addresses keep 5 idle TCP connections each (no TLS, not a byte), reconnecting when
//           closed. Measured: logins during the attack by a member from an address that logged in
//           the day before, by root from the server's own machine, and by newcomers from fresh
//           addresses (one attempt of each a second, 5 s deadline each).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { channelBinding, computeProof } from '../src/crypto/auth-proof.js';
import { deriveKey } from '../src/crypto/kdf.js';
import { FrameDecoder, decodePayload, encodeFrame } from '../src/protocol/frame.js';
import { cpuSeconds } from './bench/server-process.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const ownCheckout = path.resolve(here, '..', '..');
const PASSKEY = 'bench-passkey-not-secret';
const ROOT_PASSWORD = 'bench-root-password';

const { values: options } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'nested' },
    checkout: { type: 'string', default: ownCheckout },
    seconds: { type: 'string', default: '8' },
    // Internal: the attack runs in a child process of its own, so its work does not delay the
    // measuring clients' event loop.
    'attack-port': { type: 'string' },
  },
});
const SECONDS = Number(options.seconds);
if (!Number.isFinite(SECONDS) || SECONDS < 1 || SECONDS > 120) throw new Error('--seconds takes 1 to 120');

interface ServerProcess {
  child: ChildProcess;
  port: number;
  pid: number;
  stop: () => Promise<void>;
}

/** A server of `checkout` with default settings, on 127.0.0.1, any free port. */
async function startServer(checkout: string): Promise<ServerProcess> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'party-pool-bench-attacks-'));
  const dataDir = path.join(dir, 'data');
  const child = spawn(process.execPath, [path.join(checkout, 'bin', 'party-pool.js'), 'server', '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir, '--log-dir', path.join(dir, 'logs')], {
    env: { ...process.env, PARTY_POOL_PASSKEY: PASSKEY, PARTY_POOL_ROOT_PASSWORD: ROOT_PASSWORD, PARTY_POOL_PUBLIC_IP_URL: '', NO_COLOR: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const info = path.join(dataDir, 'server.json');
  const deadline = Date.now() + 30_000;
  while (!fs.existsSync(info)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`server did not start: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const port = (JSON.parse(fs.readFileSync(info, 'utf8')) as { port: number }).port;
  return {
    child,
    port,
    pid: child.pid ?? 0,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

type Message = Record<string, unknown> & { type?: unknown };

/** A logged-in (or refused) client: TLS, frames, and a listener for every message. */
class Client {
  private readonly decoder = new FrameDecoder(16 * 1024 * 1024);
  private readonly listeners: ((m: Message) => void)[] = [];
  readonly closed: Promise<void>;

  private constructor(readonly socket: tls.TLSSocket) {
    socket.on('data', (chunk: Buffer) => {
      let payloads: Buffer[];
      try {
        payloads = this.decoder.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (const payload of payloads) {
        const message = decodePayload(payload) as Message;
        if (message.type === 'ping') this.send({ type: 'pong' });
        for (const listener of [...this.listeners]) listener(message);
      }
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
  }

  static connect(port: number, localAddress: string, timeoutMs = 5000): Promise<Client> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error('timed out'));
      }, timeoutMs);
      const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, minVersion: 'TLSv1.3', ...{ localAddress } }, () => {
        clearTimeout(timer);
        resolve(new Client(socket));
      });
      socket.once('error', reject);
      socket.once('close', () => {
        clearTimeout(timer);
        reject(new Error('closed before TLS'));
      });
    });
  }

  send(message: unknown): void {
    this.socket.write(encodeFrame(message));
  }

  next(accept: (m: Message) => boolean, timeoutMs: number): Promise<Message> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out')), timeoutMs);
      timer.unref();
      const listener = (m: Message): void => {
        if (m.type === 'error' || m.type === 'bye') {
          clearTimeout(timer);
          this.listeners.splice(this.listeners.indexOf(listener), 1);
          reject(new Error(String(m.code)));
        } else if (accept(m)) {
          clearTimeout(timer);
          this.listeners.splice(this.listeners.indexOf(listener), 1);
          resolve(m);
        }
      };
      this.listeners.push(listener);
      void this.closed.then(() => reject(new Error('connection closed')));
    });
  }

  on(listener: (m: Message) => void): void {
    this.listeners.push(listener);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

const keys = new Map<string, Promise<Buffer>>();
function keyFor(secret: string, kdf: { salt: string; iterations: number }): Promise<Buffer> {
  const id = `${secret}/${kdf.salt}/${kdf.iterations}`;
  let key = keys.get(id);
  if (!key) keys.set(id, (key = deriveKey(secret, { salt: Buffer.from(kdf.salt, 'base64'), iterations: kdf.iterations })));
  return key;
}

/** Connect from `localAddress` and log in (protocol 1); resolves with the client once welcomed. */
async function login(port: number, name: string, localAddress: string, role: 'user' | 'root' = 'user', timeoutMs = 5000): Promise<Client> {
  const started = Date.now();
  const client = await Client.connect(port, localAddress, timeoutMs);
  try {
    client.send({ type: 'hello', versions: [1], client: 'bench-attacks' });
    const challenge = (await client.next((m) => m.type === 'challenge', timeoutMs)) as { nonce: string; kdf: { salt: string; iterations: number }; rootKdf: { salt: string; iterations: number } };
    const input = { role, name, nonce: Buffer.from(challenge.nonce, 'base64'), channelBinding: channelBinding(client.socket) };
    const auth: Record<string, unknown> = { type: 'auth', name, role, proof: computeProof(await keyFor(PASSKEY, challenge.kdf), { ...input, purpose: 'passkey' }) };
    if (role === 'root') auth.rootProof = computeProof(await keyFor(ROOT_PASSWORD, challenge.rootKdf), { ...input, purpose: 'root' });
    client.send(auth);
    await client.next((m) => m.type === 'welcome', Math.max(100, timeoutMs - (Date.now() - started)));
    return client;
  } catch (error) {
    client.destroy();
    throw error;
  }
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One line every 700 ms (inside the default chat rate) from alice to bob for `seconds`; returns the latencies (ms) and how many never arrived. */
async function chatLatency(alice: Client, bob: Client, seconds: number, tag: string): Promise<{ latencies: number[]; lost: number }> {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  bob.on((m) => {
    if (m.type !== 'message' || typeof m.text !== 'string') return;
    const at = sentAt.get(m.text);
    if (at !== undefined) {
      latencies.push(performance.now() - at);
      sentAt.delete(m.text);
    }
  });
  let id = 1;
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    const text = `${tag}-${id}`;
    sentAt.set(text, performance.now());
    alice.send({ type: 'say', id: id++, text });
    await sleep(700);
  }
  await sleep(1000);
  return { latencies, lost: sentAt.size };
}

async function nestedScenario(server: ServerProcess): Promise<void> {
  const alice = await login(server.port, 'alice', '127.0.0.1');
  const bob = await login(server.port, 'bob', '127.0.0.1');
  const measure = async (label: string, during: () => Promise<{ latencies: number[]; lost: number }>): Promise<void> => {
    const cpuBefore = cpuSeconds(server.pid);
    const started = performance.now();
    const { latencies, lost } = await during();
    const elapsed = (performance.now() - started) / 1000;
    const cpu = (cpuSeconds(server.pid) - cpuBefore) / elapsed;
    console.log(
      `${label.padEnd(10)} server CPU ${(cpu * 100).toFixed(0).padStart(3)}%   chat latency p50 ${percentile(latencies, 50).toFixed(1)} ms, p95 ${percentile(latencies, 95).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms   (${latencies.length} lines, ${lost} lost)`,
    );
  };

  await measure('baseline', () => chatLatency(alice, bob, SECONDS, 'base'));

  const attack = spawn(process.execPath, [fileURLToPath(import.meta.url), '--scenario', 'nested', '--attack-port', String(server.port), '--seconds', String(SECONDS + 2)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let report = '';
  attack.stdout?.on('data', (chunk: Buffer) => (report += chunk.toString()));
  const attackDone = new Promise((resolve) => attack.once('exit', resolve));
  await sleep(1000);
  await measure('attack', () => chatLatency(alice, bob, SECONDS, 'attack'));
  await attackDone;
  console.log(report.trim());
  alice.destroy();
  bob.destroy();
}

/** The nested-frame attackers (run in their own process): 8 addresses, 4 connections each, for `seconds`. */
async function nestedAttack(port: number, seconds: number): Promise<void> {
  const depth = 32_000;
  const nested = Buffer.from('{"type":"ping","x":' + '['.repeat(depth) + ']'.repeat(depth) + '}');
  const header = Buffer.alloc(4);
  header.writeUInt32BE(nested.length, 0);
  const attackFrame = Buffer.concat([header, nested]);
  let running = true;
  const stats = { connections: 0, refused: 0, bytesWritten: 0 };
  const attacker = async (address: string): Promise<void> => {
    while (running) {
      let client: Client;
      try {
        client = await Client.connect(port, address, 2000);
      } catch {
        stats.refused += 1;
        await sleep(200);
        continue;
      }
      stats.connections += 1;
      const pump = (): void => {
        while (running && !client.socket.destroyed) {
          stats.bytesWritten += attackFrame.length;
          if (!client.socket.write(attackFrame)) return;
        }
      };
      client.socket.on('drain', pump);
      pump();
      await Promise.race([
        client.closed,
        (async () => {
          while (running) await sleep(100);
        })(),
      ]);
      client.destroy();
    }
  };
  const addresses = Array.from({ length: 8 }, (_, i) => `127.0.20.${i + 1}`);
  const attackers = addresses.flatMap((address) => Array.from({ length: 4 }, () => attacker(address)));
  await sleep(seconds * 1000);
  running = false;
  await Promise.all(attackers);
  console.log(`attackers: ${stats.connections} connections made, ${stats.refused} refused before TLS, ${(stats.bytesWritten / 1024 / 1024).toFixed(0)} MiB of nested frames handed to TLS`);
}

async function slotsScenario(server: ServerProcess): Promise<void> {
  const member = '127.0.0.9';
  (await login(server.port, 'dave', member)).destroy();
  await sleep(300);
  let running = true;
  const held = new Set<net.Socket>();
  const idler = async (address: string): Promise<void> => {
    while (running) {
      const socket = net.connect({ port: server.port, host: '127.0.0.1', localAddress: address });
      socket.on('error', () => undefined);
      held.add(socket);
      await new Promise<void>((resolve) => socket.once('close', () => resolve()));
      held.delete(socket);
      if (running) await sleep(100);
    }
  };
  const idlers = Array.from({ length: 40 }, (_, i) => `127.0.30.${i + 1}`).flatMap((address) => Array.from({ length: 5 }, () => idler(address)));
  await sleep(1000);
  const tally: Record<string, { ok: number; tries: number; ms: number[] }> = { 'member (known address)': { ok: 0, tries: 0, ms: [] }, 'root (server machine)': { ok: 0, tries: 0, ms: [] }, 'newcomer (fresh address)': { ok: 0, tries: 0, ms: [] } };
  const attempt = async (label: string, run: () => Promise<Client>): Promise<void> => {
    const entry = tally[label];
    if (!entry) return;
    entry.tries += 1;
    const started = performance.now();
    try {
      const client = await run();
      entry.ok += 1;
      entry.ms.push(performance.now() - started);
      client.destroy();
    } catch {
      // counted as a failure
    }
  };
  const end = Date.now() + SECONDS * 1000;
  for (let i = 0; Date.now() < end; i++) {
    await Promise.all([
      attempt('member (known address)', () => login(server.port, 'dave', member)),
      attempt('root (server machine)', () => login(server.port, 'root', '127.0.0.1', 'root')),
      attempt('newcomer (fresh address)', () => login(server.port, `new${i}`, `127.0.0.${100 + (i % 100)}`)),
    ]);
    await sleep(1000);
  }
  console.log(`idle attack: 40 addresses x 5 idle TCP connections, ${held.size} held at the end`);
  for (const [label, entry] of Object.entries(tally)) {
    console.log(`${label.padEnd(26)} ${entry.ok}/${entry.tries} logins succeeded${entry.ms.length ? `, median ${percentile(entry.ms, 50).toFixed(0)} ms` : ''}`);
  }
  running = false;
  for (const socket of held) socket.destroy();
  await Promise.all(idlers);
}

if (options['attack-port'] !== undefined) {
  await nestedAttack(Number(options['attack-port']), SECONDS);
  process.exit(0);
}
const server = await startServer(options.checkout);
try {
  console.log(`scenario ${options.scenario}, server from ${options.checkout} (node ${process.version}, ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'unknown CPU'})`);
  if (options.scenario === 'nested') await nestedScenario(server);
  else if (options.scenario === 'slots') await slotsScenario(server);
  else throw new Error('--scenario is nested or slots');
} finally {
  await server.stop();
}
