// Benchmark: how long a full build of every artifact (client and root; Windows, Linux and zip)
// takes with a warm runtime cache, measured the way an admin runs it (`party-pool package`).
// Usage: npm run bench:package [-- --runs N]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { config } from '../config.js';
import { createSilentLogger } from '../src/common/logger.js';
import { resolveServerSettings } from '../src/common/settings.js';
import { runtimeCacheDir } from '../src/packaging/issue.js';
import { ensureRuntime, hostRuntimePlatform } from '../src/packaging/runtimes.js';
import { PartyPoolServer } from '../src/server/server.js';

const PASSKEY = 'bench-passkey-1234';
const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'party-pool.js');

function runsFromArgs(): number {
  const at = process.argv.indexOf('--runs');
  const value = at >= 0 ? Number(process.argv[at + 1]) : 1;
  return Number.isInteger(value) && value > 0 ? value : 1;
}

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'party-pool-bench-package-'));
  const dataDir = path.join(root, 'data');
  // A server's data dir (identity, passkey verifier, database), made by starting one once.
  const server = await PartyPoolServer.start({
    settings: { ...resolveServerSettings({}, {}), host: '127.0.0.1', port: 0, dataDir, logDir: path.join(root, 'logs'), publicIpUrl: '' },
    passkey: PASSKEY,
    rootPassword: 'bench-root-password-1234',
    logger: createSilentLogger(),
  });
  const port = server.port;
  await server.shutdown();

  // Warm the cache first: the figure is for builds after the first.
  const cache = runtimeCacheDir();
  for (const platform of new Set([hostRuntimePlatform(), 'linux-x64' as const, 'win-x64' as const])) await ensureRuntime(platform, config.packaging.nodeVersion, cache);

  const times: number[] = [];
  for (let run = 1; run <= runsFromArgs(); run++) {
    const out = path.join(root, `dist-${run}`);
    const started = Date.now();
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [bin, 'package', '--kind', 'both', '--platform', 'all', '--address', `127.0.0.1:${port}`, '--data-dir', dataDir, '--out', out], {
        env: { ...process.env, PARTY_POOL_PASSKEY: PASSKEY },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      child.on('close', resolve);
    });
    if (code !== 0) throw new Error(`party-pool package exited with ${code}`);
    times.push(Date.now() - started);
    fs.rmSync(out, { recursive: true, force: true });
  }
  fs.rmSync(root, { recursive: true, force: true });
  const load = os.loadavg()[0]?.toFixed(2) ?? '?';
  const seconds = times.map((ms) => (ms / 1000).toFixed(1));
  console.log(`\nFull build of every artifact (client + root; win-x64, linux-x64, zip), warm cache: ${seconds.join(' s, ')} s`);
  console.log(`(${os.cpus().length} CPUs, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, 1-minute load average ${load}, Node ${config.packaging.nodeVersion} runtimes)`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
