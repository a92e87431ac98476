// Run the real CLI (bin/party-pool.js) as a child process and collect what it printed.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const binPath = path.join(repoRoot, 'bin', 'party-pool.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  input?: string;
  timeoutMs?: number;
}

let testProfileDir: string | undefined;

/**
 * The per-user profile (direct-message keys) test runs use unless they choose one: a temporary
 * folder per test process, never the real ~/.config/party-pool of whoever runs the tests.
 */
export function defaultTestProfileDir(): string {
  if (testProfileDir === undefined) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'party-pool-profile-'));
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    testProfileDir = dir;
  }
  return testProfileDir;
}

/** Environment for child processes: no inherited secrets, no colour, no public IP look-up, a temporary profile. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('PARTY_POOL_') && key !== 'FORCE_COLOR') env[key] = value;
  return { ...env, NO_COLOR: '1', PARTY_POOL_PUBLIC_IP_URL: '', PARTY_POOL_PROFILE_DIR: defaultTestProfileDir(), ...extra };
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return runProgram(process.execPath, [binPath, ...args], options);
}

/** Run any program (an issued package, a script) the way runCli runs party-pool. */
export function runProgram(command: string, args: string[], options: CliOptions & { cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: cleanEnv(options.env), stdio: ['pipe', 'pipe', 'pipe'], ...(options.cwd ? { cwd: options.cwd } : {}) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}
