// Run a Windows executable under wine for smoke tests. wine 8 mishandles pipes, so stdin,
// stdout and stderr are files. Each WinePrefix is a throw-away Windows installation.
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
      // Node 22 refuses the Windows version a fresh wine prefix reports.
      NODE_SKIP_PLATFORM_CHECK: '1',
      ...extra,
    });
  }

  /** Run `exe args` with `input` on stdin; output is read back from files. */
  run(exe: string, args: string[], options: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {}): Promise<WineResult> {
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
