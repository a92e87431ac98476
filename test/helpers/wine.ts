// Run a Windows executable under wine for smoke tests. Each WinePrefix is a throw-away Windows
// installation that reports Windows 10 (a fresh wine 8 prefix reports Windows 7, which Node 22
// refuses to start on). run() connects stdin, stdout and stderr to files, runPiped() to pipes
// (which wine hands over as handles libuv cannot open as pipes; see docs/PACKAGING.md).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cleanEnv } from './cli.js';
import { tempDir } from './server.js';

export function hasWine(): boolean {
  return spawnSync('wine', ['--version']).status === 0;
}

export interface WineResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export class WinePrefix {
  readonly dir = path.join(tempDir('party-pool-wine-'), 'prefix');
  private readonly ioDirs: string[] = [];

  private env(extra: Record<string, string>): NodeJS.ProcessEnv {
    return cleanEnv({
      WINEPREFIX: this.dir,
      WINEDEBUG: '-all',
      // No Mono/Gecko install prompts in a headless prefix.
      WINEDLLOVERRIDES: 'mscoree,mshtml=',
      ...extra,
    });
  }

  private ready = false;

  /** Create the prefix and make it report Windows 10, the oldest Windows Node 22 runs on. */
  private prepare(): void {
    if (this.ready) return;
    const made = spawnSync('wine', ['winecfg', '-v', 'win10'], { env: this.env({}), stdio: 'ignore', timeout: 180_000 });
    if (made.status !== 0) throw new Error(`winecfg -v win10 failed (${made.status ?? made.signal ?? made.error?.message})`);
    this.ready = true;
  }

  /** Run `exe args` with stdin, stdout and stderr on pipes, as a program started by another program would be. */
  runPiped(exe: string, args: string[], options: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {}): Promise<WineResult> {
    this.prepare();
    return new Promise((resolve, reject) => {
      const child = spawn('wine', [exe, ...args], { env: this.env(options.env ?? {}), stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`wine ${path.basename(exe)} ${args.join(' ')} (piped) timed out; stdout: ${stdout}`));
      }, options.timeoutMs ?? 120_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
      child.stdin.end(options.input ?? '');
    });
  }

  /** Run `exe args` with `input` on stdin; output is read back from files. */
  run(exe: string, args: string[], options: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {}): Promise<WineResult> {
    this.prepare();
    const io = tempDir('party-pool-wine-io-');
    this.ioDirs.push(io);
    const files = { in: path.join(io, 'in.txt'), out: path.join(io, 'out.txt'), err: path.join(io, 'err.txt') };
    fs.writeFileSync(files.in, options.input ?? '');
    const fds = [fs.openSync(files.in, 'r'), fs.openSync(files.out, 'w'), fs.openSync(files.err, 'w')] as const;
    return new Promise((resolve, reject) => {
      const child = spawn('wine', [exe, ...args], { env: this.env(options.env ?? {}), stdio: [fds[0], fds[1], fds[2]] });
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`wine ${path.basename(exe)} ${args.join(' ')} timed out; stdout: ${fs.readFileSync(files.out, 'utf8')}`));
      }, options.timeoutMs ?? 120_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        for (const fd of fds) fs.closeSync(fd);
        resolve({ code, stdout: fs.readFileSync(files.out, 'utf8'), stderr: fs.readFileSync(files.err, 'utf8') });
      });
    });
  }

  /** Stop this prefix's wineserver (it lingers a few seconds after the last program) and delete the prefix (~700 MB). */
  stop(): void {
    spawnSync('wineserver', ['-k'], { env: this.env({}) });
    fs.rmSync(path.dirname(this.dir), { recursive: true, force: true });
    for (const dir of this.ioDirs) fs.rmSync(dir, { recursive: true, force: true });
  }
}
