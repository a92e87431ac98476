// Build every artifact of a package request: bundle the program once, seal the server info
// per package (a fresh package id per kind), make zip bundles, executables and their compressed
// downloads in a scratch directory, record the packages, then move the files into place and
// rewrite SHA256SUMS. Nothing half-built ever appears under the output directory, and a Ctrl-C
// (SIGINT, SIGTERM, SIGHUP) stops the work and removes the scratch directory.
//
// Independent steps run at the same time (bundling and sealing; the Linux and Windows program
// executables; each package's files). The program executables depend on the bundle and the
// pinned runtimes only, so they are cached across builds (executable.ts): a warm build copies
// them and fills in each package's sealed file.
import fs from 'node:fs';
import path from 'node:path';
import { ExitCode, PartyPoolError } from '../common/errors.js';
import { newPackageKey } from '../crypto/package-key.js';
import { newPackageId, sealServerFile } from '../link/packaged-server.js';
import { type PackageKind, type SealedContent } from '../protocol/sealed-file.js';
import { bundlePackagedProgram } from './bundle.js';
import { writeChecksums } from './checksums.js';
import { writeTarGzDownload, writeZipDownload } from './downloads.js';
import { ensureProgram, makeSeaBlob, removeAbandoned, writePackageExecutable, type ExecutableTarget, type LazyRuntime, type ProgramExecutable } from './executable.js';
import { artifactPath, downloadOf, planArtifacts, type Artifact, type TargetPlatform } from './plan.js';
import { ensureRuntime, hostRuntimePlatform, runtimePin, type RuntimePlatform } from './runtimes.js';
import { makeZipBundle } from './zip.js';

/** Where the builder reports what it is doing (the CLI prints it; tests may collect it). */
export interface BuildProgress {
  /** A step begins; steps may overlap, each has its own id (the CLI shows what runs with a live elapsed time). */
  start(id: string, label: string): void;
  /** The step ended. */
  done(id: string, detail: string): void;
  /** The step failed or was cancelled (the error follows). */
  failed(id: string): void;
  note(text: string): void;
}

export interface BuildRequest {
  kinds: readonly PackageKind[];
  platforms: readonly TargetPlatform[];
  /** host:port, tried in order by the issued program. */
  addresses: readonly string[];
  outDir: string;
  force: boolean;
  note: string;
  passkey: string;
  serverName: string;
  /** The server's current key fingerprint, then its next (backup) one. */
  fingerprints: readonly string[];
  version: string;
  nodeVersion: string;
  minBundleNodeVersion: string;
  sealIterations: number;
  /** Runtimes, and the program executables made from them (in programs/). */
  runtimeCacheDir: string;
  templatesDir: string;
  /** Store the record of an issued package; called before its files are moved into place. */
  record: (issued: IssuedPackage) => void;
  progress: BuildProgress;
  now?: () => Date;
}

export interface IssuedPackage {
  id: string;
  kind: PackageKind;
  platforms: TargetPlatform[];
  version: string;
  createdAt: Date;
  note: string;
  /** The package key's public half, recorded by the server (the seed is sealed into the package only). */
  publicKey: Buffer;
}

export interface BuiltArtifact extends Artifact {
  path: string;
  bytes: number;
}

export interface BuildResult {
  packages: IssuedPackage[];
  artifacts: BuiltArtifact[];
  checksumsFile: string;
  elapsedMs: number;
}

function cancelledError(): PartyPoolError {
  return new PartyPoolError('CANCELLED', 'The build was cancelled; nothing was written and no package was recorded.');
}

/** Run one reported step. */
async function step<T>(progress: BuildProgress, id: string, label: string, work: () => Promise<T>, detail: (value: T) => string): Promise<T> {
  progress.start(id, label);
  let value: T;
  try {
    value = await work();
  } catch (error) {
    progress.failed(id);
    throw error;
  }
  progress.done(id, detail(value));
  return value;
}

/**
 * Wait for every task, even after one failed (so none still writes into the scratch directory
 * when it is removed); the first failure stops the others through `stop`, and is what is thrown.
 */
async function together<T>(tasks: Promise<T>[], stop: () => void): Promise<T[]> {
  const results = await Promise.allSettled(
    tasks.map(async (task) => {
      try {
        return await task;
      } catch (error) {
        stop();
        throw error;
      }
    }),
  );
  const errors = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
  const cause = errors.find((error) => !(error instanceof PartyPoolError && error.code === 'CANCELLED')) ?? errors[0];
  if (errors.length > 0) throw cause;
  return results.map((result) => (result as PromiseFulfilledResult<T>).value);
}

/** Remember a promise-returning function's first call. */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
}

function describeArtifact(artifact: Artifact): string {
  const what = artifact.kind === 'root' ? 'root' : 'client';
  const os = artifact.type.startsWith('win-') ? 'Windows' : 'Linux';
  if (artifact.type === 'zip') return `${what} zip bundle`;
  if (downloadOf(artifact.type)) return `${what} ${os} download`;
  return `${what} ${os} executable`;
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** Fail before any work when an artifact of this version exists (unless --force). */
export function checkExisting(outDir: string, artifacts: readonly Artifact[], force: boolean): void {
  if (force) return;
  const existing = artifacts.filter((artifact) => fs.existsSync(artifactPath(outDir, artifact)));
  if (existing.length > 0) {
    throw new PartyPoolError(
      'ARTIFACT_EXISTS',
      `${existing.map((a) => a.relativePath).join(', ')} already exist${existing.length === 1 ? 's' : ''} in ${outDir}; use --force to replace ${existing.length === 1 ? 'it' : 'them'}, or --out for another directory.`,
    );
  }
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * While the build runs, the first Ctrl-C (or SIGTERM/SIGHUP) cancels it: running steps stop and
 * the scratch directory is removed before the build reports CANCELLED. A second one does not
 * wait: it removes the scratch directory at once and exits 130.
 */
function cancelOnSignals(interrupt: () => void, scratch: string): () => void {
  let received = 0;
  const onSignal = (): void => {
    received += 1;
    if (received === 1) return interrupt();
    fs.rmSync(scratch, { recursive: true, force: true });
    process.exit(ExitCode.cancelled);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  return () => {
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
  };
}

/** Build every artifact of the request. */
export async function buildPackages(request: BuildRequest): Promise<BuildResult> {
  const started = Date.now();
  const artifacts = planArtifacts(request.kinds, request.platforms, request.version);
  checkExisting(request.outDir, artifacts, request.force);
  fs.mkdirSync(request.outDir, { recursive: true });
  removeAbandoned(request.outDir, '.building-');
  const work = fs.mkdtempSync(path.join(request.outDir, `.building-${process.pid}-`));
  const controller = new AbortController();
  let interrupted = false;
  const stopListening = cancelOnSignals(() => {
    interrupted = true;
    controller.abort();
  }, work);
  try {
    const built = await buildInScratch(request, artifacts, work, controller);
    if (interrupted) throw cancelledError();
    // Record first: a package on disk the server does not know of would be an unrevocable one.
    for (const pkg of built.packages) request.record(pkg);
    const results: BuiltArtifact[] = [];
    for (const { artifact, file } of built.files) {
      const target = artifactPath(request.outDir, artifact);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.renameSync(file, target);
      results.push({ ...artifact, path: target, bytes: fs.statSync(target).size });
    }
    // From here on the packages exist: a Ctrl-C no longer undoes anything, the checksums are finished.
    const checksumsFile = await step(request.progress, 'checksums', 'Checksums', () => writeChecksums(request.outDir), (file) => path.relative(request.outDir, file));
    return { packages: built.packages, artifacts: results, checksumsFile, elapsedMs: Date.now() - started };
  } catch (error) {
    if (!interrupted) throw error;
    fs.rmSync(work, { recursive: true, force: true });
    request.progress.note('Cancelled: nothing was written and no package was recorded.');
    throw cancelledError();
  } finally {
    stopListening();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

interface ScratchBuild {
  packages: IssuedPackage[];
  files: { artifact: Artifact; file: string }[];
}

const TARGET_LABEL: Record<ExecutableTarget, string> = { 'linux-x64': 'Linux x64', 'win-x64': 'Windows x64' };

async function buildInScratch(request: BuildRequest, artifacts: Artifact[], work: string, controller: AbortController): Promise<ScratchBuild> {
  const { progress } = request;
  const { signal } = controller;
  const stop = (): void => controller.abort();
  const now = request.now ?? ((): Date => new Date());

  const bundleFile = path.join(work, 'party-pool-packaged.cjs');
  const bundle = step(
    progress,
    'bundle',
    'Bundling the program',
    async () => {
      await bundlePackagedProgram(bundleFile, `// Party Pool v${request.version}: an issued package (see README.txt).`);
      return fs.readFileSync(bundleFile);
    },
    (bytes) => megabytes(bytes.length),
  );
  // Awaited by every step that needs it; this keeps an early failure elsewhere from leaving it unhandled.
  bundle.catch(() => undefined);

  // Runtimes are fetched or checked only when a program executable has to be made.
  const runtimes = new Map<RuntimePlatform, LazyRuntime>();
  const runtime = (platform: RuntimePlatform): LazyRuntime => {
    let found = runtimes.get(platform);
    if (!found) {
      found = {
        sha256: runtimePin(platform, request.nodeVersion).binarySha256,
        binary: once(async () => {
          const result = await step(
            progress,
            `runtime-${platform}`,
            `Node.js ${request.nodeVersion} runtime for ${platform}`,
            () => ensureRuntime(platform, request.nodeVersion, request.runtimeCacheDir),
            (r) => `${r.fetched ? 'fetched from the npm registry' : 'cached'}, SHA-256 matches the pin`,
          );
          return result.binary;
        }),
      };
      runtimes.set(platform, found);
    }
    return found;
  };

  const targets = (['linux-x64', 'win-x64'] as const).filter((target) => artifacts.some((a) => a.type === target));
  const programs = new Map<ExecutableTarget, Promise<ProgramExecutable>>();
  if (targets.length > 0) {
    const host = runtime(hostRuntimePlatform());
    // One blob serves both targets; it is made only when a program executable is not cached.
    const blob = once(async () => {
      const blobDir = path.join(work, 'blob');
      fs.mkdirSync(blobDir, { recursive: true });
      return makeSeaBlob(await host.binary(), await bundle, blobDir, signal);
    });
    for (const target of targets) {
      programs.set(
        target,
        bundle.then(async (bytes) => {
          const program = await step(
            progress,
            `program-${target}`,
            `Program executable for ${TARGET_LABEL[target]}`,
            () => ensureProgram({ target, nodeVersion: request.nodeVersion, runtime: runtime(target), hostRuntime: host, bundle: bytes, cacheDir: request.runtimeCacheDir, signal }, blob),
            (p) => `${megabytes(p.bytes)}, ${p.made ? 'made and cached' : 'cached'}`,
          );
          for (const text of program.notes) progress.note(text);
          return program;
        }),
      );
    }
  }

  // Each package gets its own key (issue 11): the seed goes into its sealed file, the public key to the server's record.
  const keys = new Map<string, Buffer>();
  const packages = request.kinds.map((kind): IssuedPackage => {
    const key = newPackageKey();
    const id = newPackageId();
    keys.set(id, key.seed);
    return { id, kind, platforms: [...request.platforms], version: request.version, createdAt: now(), note: request.note, publicKey: key.publicKey };
  });
  const perKind = packages.map(async (pkg) => {
    const kindDir = path.join(work, pkg.kind);
    fs.mkdirSync(kindDir);
    const seed = keys.get(pkg.id);
    const content: SealedContent = {
      packageId: pkg.id,
      kind: pkg.kind,
      version: request.version,
      serverName: request.serverName,
      addresses: [...request.addresses],
      fingerprints: [...request.fingerprints],
      issuedAt: pkg.createdAt.toISOString(),
      ...(seed ? { packageKey: seed.toString('base64') } : {}),
    };
    const sealedText = await step(
      progress,
      `seal-${pkg.kind}`,
      `Sealing the server info for the ${pkg.kind} package`,
      () => sealServerFile(content, request.passkey, request.sealIterations),
      () => `package id ${pkg.id}`,
    );
    const mine = artifacts.filter((a) => a.kind === pkg.kind);
    const file = (artifact: Artifact): string => path.join(kindDir, artifact.fileName);
    const made = (artifact: Artifact, work: () => Promise<void>): Promise<{ artifact: Artifact; file: string }> =>
      step(progress, artifact.relativePath, `${describeArtifact(artifact)} ${artifact.fileName}`, async () => {
        if (signal.aborted) throw cancelledError();
        await work();
      }, () => megabytes(fs.statSync(file(artifact)).size)).then(() => ({ artifact, file: file(artifact) }));

    const tasks: Promise<{ artifact: Artifact; file: string }[]>[] = mine
      .filter((a) => a.type === 'zip')
      .map(async (zip) => {
        await bundle;
        return [await made(zip, () => makeZipBundle({ outFile: file(zip), kind: pkg.kind, version: request.version, minNodeVersion: request.minBundleNodeVersion, bundleFile, sealedText, templatesDir: request.templatesDir }))];
      });
    for (const target of targets) {
      const exe = mine.find((a) => a.type === target);
      if (!exe) continue;
      const download = mine.find((a) => downloadOf(a.type) === target);
      tasks.push(
        (async () => {
          const program = await (programs.get(target) ?? Promise.reject(new Error(`no program for ${target}`)));
          const done = [await made(exe, () => writePackageExecutable(program, sealedText, file(exe)))];
          if (download) {
            const write = target === 'win-x64' ? writeZipDownload : writeTarGzDownload;
            done.push(await made(download, () => write({ program, executable: file(exe), entryName: exe.fileName, outFile: file(download), mtime: pkg.createdAt })));
          }
          return done;
        })(),
      );
    }
    return (await together(tasks, stop)).flat();
  });

  const kindsDone = together(perKind, stop);
  const programsDone = together([...programs.values()], stop);
  // Both settle before anything is thrown: nothing may still write into the scratch directory.
  await Promise.allSettled([kindsDone, programsDone]);
  const [files] = await Promise.all([kindsDone, programsDone]);
  const order = (a: Artifact): number => artifacts.indexOf(a);
  return { packages, files: files.flat().sort((x, y) => order(x.artifact) - order(y.artifact)) };
}
