// Benchmark: how long a full build of every artifact (client and root; Windows and Linux
// executables with their downloads, and the zip bundles) takes with the runtimes cached,
// measured the way an admin runs it (`party-pool package`): first once with no cached program
// executables (the first build after a code change), then --runs N times warm (every later build).
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
import { cachedRuntimePath, ensureRuntime, hostRuntimePlatform } from '../src/packaging/runtimes.js';
import { PartyPoolServer } from '../src/server/server.js';

const PASSKEY = 'bench-passkey-1234';
const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'party-pool.js');

function runsFromArgs(): number {
  const at = process.argv.indexOf('--runs');
  const value = at >= 0 ? Number(process.argv[at + 1]) : 3;
  return Number.isInteger(value) && value > 0 ? value : 3;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`;

async function timeBuild(out: string, dataDir: string, port: number, cache: string): Promise<number> {
  const started = Date.now();
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [bin, 'package', '--kind', 'both', '--platform', 'all', '--address', `127.0.0.1:${port}`, '--data-dir', dataDir, '--out', out], {
      env: { ...process.env, PARTY_POOL_PASSKEY: PASSKEY, PARTY_POOL_RUNTIME_CACHE: cache },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('close', resolve);
  });
  if (code !== 0) throw new Error(`party-pool package exited with ${code}`);
  return Date.now() - started;
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

  // Runtimes cached first: the figures are for builds after the first fetch.
  const cache = runtimeCacheDir();
  const platforms = [...new Set([hostRuntimePlatform(), 'linux-x64' as const, 'win-x64' as const])];
  for (const platform of platforms) await ensureRuntime(platform, config.packaging.nodeVersion, cache);

  // The same runtimes in a cache with no program executables yet.
  const coldCache = path.join(root, 'cold-cache');
  for (const platform of platforms) {
    const from = cachedRuntimePath(cache, platform, config.packaging.nodeVersion);
    const to = cachedRuntimePath(coldCache, platform, config.packaging.nodeVersion);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    try {
      fs.linkSync(from, to);
    } catch {
      fs.copyFileSync(from, to);
    }
  }
  const cold = await timeBuild(path.join(root, 'dist-cold'), dataDir, port, coldCache);
  fs.rmSync(path.join(root, 'dist-cold'), { recursive: true, force: true });

  const warm: number[] = [];
  const runs = runsFromArgs();
  let sizes: string[] = [];
  for (let run = 1; run <= runs; run++) {
    const out = path.join(root, `dist-${run}`);
    warm.push(await timeBuild(out, dataDir, port, coldCache));
    if (run === runs) {
      sizes = ['client', 'root'].flatMap((kind) => fs.readdirSync(path.join(out, kind)).map((name) => `  ${`${kind}/${name}`.padEnd(48)} ${mb(fs.statSync(path.join(out, kind, name)).size).padStart(9)}`));
    }
    fs.rmSync(out, { recursive: true, force: true });
  }
  fs.rmSync(root, { recursive: true, force: true });
  const load = os.loadavg()[0]?.toFixed(2) ?? '?';
  const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  console.log(`Full build of every artifact (client + root; win-x64 and linux-x64 executables and downloads, zip bundles), runtimes cached:`);
  console.log(`  no program executables cached (first build of this program version): ${seconds(cold)}`);
  console.log(`  warm, ${runs} run(s): ${warm.map(seconds).join(', ')}; median ${seconds(median(warm))}`);
  console.log('Artifact sizes:');
  console.log(sizes.join('\n'));
  console.log(`(${os.cpus().length} CPUs, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, 1-minute load average ${load} at the end, Node ${config.packaging.nodeVersion} runtimes)`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
