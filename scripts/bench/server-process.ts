// A real `party-pool server` child process for the bench and soak scripts, plus readings of
// its resident memory, open file descriptors and CPU time from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const binPath = path.join(repoRoot, 'bin', 'party-pool.js');

/** Throwaway secrets for throwaway servers in temporary directories. */
export const BENCH_PASSKEY = 'bench-passkey-not-secret';
export const BENCH_ROOT_PASSWORD = 'bench-root-password';

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  pid: number;
  dataDir: string;
  stop: () => Promise<void>;
}

export interface ServerProcessOptions {
  maxClients: number;
  env?: Record<string, string>;
  cpuProfileDir?: string | undefined;
}

/** Start a server on 127.0.0.1 (any free port) with a temporary data dir; resolves once listening. */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'party-pool-bench-'));
  const dataDir = path.join(dir, 'data');
  const nodeArgs = options.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir] : [];
  const child = spawn(process.execPath, [...nodeArgs, binPath, 'server', '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir, '--log-dir', path.join(dir, 'logs'), '--max-clients', String(options.maxClients)], {
    env: { ...process.env, PARTY_POOL_PASSKEY: BENCH_PASSKEY, PARTY_POOL_ROOT_PASSWORD: BENCH_ROOT_PASSWORD, PARTY_POOL_PUBLIC_IP_URL: '', NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const infoFile = path.join(dataDir, 'server.json');
  const deadline = Date.now() + 30_000;
  while (!fs.existsSync(infoFile)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`server did not start: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const info = JSON.parse(fs.readFileSync(infoFile, 'utf8')) as { port: number };
  return {
    child,
    port: info.port,
    pid: child.pid ?? 0,
    dataDir,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function rssBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

export function fdCount(pid: number): number {
  return fs.readdirSync(`/proc/${pid}/fd`).length;
}

/** User plus system CPU seconds the process has used so far. */
export function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100;
}
