// Build every artifact of a package request: bundle the program once, seal the server info
// per package (a fresh package id per kind), make zip bundles and executables in a scratch
// directory, record the packages, then move the files into place and rewrite SHA256SUMS.
// Nothing half-built ever appears under the output directory.
import fs from 'node:fs';
import path from 'node:path';
import { processAlive } from '../common/processes.js';
import { PartyPoolError } from '../common/errors.js';
import { newPackageId, sealServerFile } from '../link/packaged-server.js';
import { SEALED_FILE_NAME, type PackageKind, type SealedContent } from '../protocol/sealed-file.js';
import { bundlePackagedProgram } from './bundle.js';
import { writeChecksums } from './checksums.js';
import { buildExecutable, makeSeaBlob } from './executable.js';
import { artifactPath, planArtifacts, type Artifact, type TargetPlatform } from './plan.js';
import { ensureRuntime, hostRuntimePlatform, type RuntimePlatform } from './runtimes.js';
import { makeZipBundle } from './zip.js';

/** Where the builder reports what it is doing (the CLI prints it; tests may collect it). */
export interface BuildProgress {
  /** A step begins (the CLI shows a live elapsed time until it ends). */
  start(label: string): void;
  /** The step that began last ended. */
  done(detail: string): void;
  /** The step that began last failed (the error follows). */
  failed(): void;
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

async function step<T>(progress: BuildProgress, label: string, work: () => Promise<T>, detail: (value: T) => string): Promise<T> {
  progress.start(label);
  let value: T;
  try {
    value = await work();
  } catch (error) {
    progress.failed();
    throw error;
  }
  progress.done(detail(value));
  return value;
}

function describeArtifact(artifact: Artifact): string {
  const what = artifact.kind === 'root' ? 'root' : 'client';
  if (artifact.type === 'zip') return `${what} zip bundle`;
  return `${what} ${artifact.type === 'win-x64' ? 'Windows' : 'Linux'} executable`;
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

/** Scratch directories of builds that were killed (Ctrl-C skips cleanup): ~200 MB each. */
function removeAbandonedScratch(outDir: string): void {
  for (const name of fs.readdirSync(outDir)) {
    const pid = Number(/^\.building-(\d+)-/.exec(name)?.[1]);
    if (!Number.isSafeInteger(pid) || pid <= 0) continue;
    if (!processAlive(pid)) fs.rmSync(path.join(outDir, name), { recursive: true, force: true });
  }
}

/** Build every artifact of the request. */
export async function buildPackages(request: BuildRequest): Promise<BuildResult> {
  const started = Date.now();
  const now = request.now ?? ((): Date => new Date());
  const artifacts = planArtifacts(request.kinds, request.platforms, request.version);
  checkExisting(request.outDir, artifacts, request.force);
  const { progress } = request;
  fs.mkdirSync(request.outDir, { recursive: true });
  removeAbandonedScratch(request.outDir);
  const work = fs.mkdtempSync(path.join(request.outDir, `.building-${process.pid}-`));
  try {
    const needsExecutables = artifacts.some((a) => a.type !== 'zip');
    const runtimes = new Map<RuntimePlatform, string>();
    const wanted: RuntimePlatform[] = [];
    if (needsExecutables) wanted.push(hostRuntimePlatform());
    for (const type of ['linux-x64', 'win-x64'] as const) if (artifacts.some((a) => a.type === type)) wanted.push(type);
    for (const platform of [...new Set(wanted)]) {
      const runtime = await step(
        progress,
        `Node.js ${request.nodeVersion} runtime for ${platform}`,
        () => ensureRuntime(platform, request.nodeVersion, request.runtimeCacheDir),
        (r) => (r.fetched ? 'fetched from the npm registry' : 'cached'),
      );
      runtimes.set(platform, runtime.binary);
    }

    const bundleFile = path.join(work, 'party-pool-packaged.cjs');
    await step(
      progress,
      'Bundling the program',
      () => bundlePackagedProgram(bundleFile, `// Party Pool v${request.version}: an issued package (see README.txt).`),
      () => megabytes(fs.statSync(bundleFile).size),
    );

    const issued: IssuedPackage[] = [];
    const built: { artifact: Artifact; file: string }[] = [];
    for (const kind of request.kinds) {
      const pkg: IssuedPackage = { id: newPackageId(), kind, platforms: [...request.platforms], version: request.version, createdAt: now(), note: request.note };
      const kindDir = path.join(work, kind);
      fs.mkdirSync(kindDir);
      const content: SealedContent = {
        packageId: pkg.id,
        kind,
        version: request.version,
        serverName: request.serverName,
        addresses: [...request.addresses],
        fingerprints: [...request.fingerprints],
        issuedAt: pkg.createdAt.toISOString(),
      };
      const sealedText = await step(
        progress,
        `Sealing the server info for the ${kind} package`,
        () => sealServerFile(content, request.passkey, request.sealIterations),
        () => `package id ${pkg.id}`,
      );
      const sealedFile = path.join(kindDir, SEALED_FILE_NAME);
      fs.writeFileSync(sealedFile, sealedText);
      let blob: Buffer | undefined;
      for (const artifact of artifacts.filter((a) => a.kind === kind)) {
        const file = path.join(kindDir, artifact.fileName);
        await step(
          progress,
          `${describeArtifact(artifact)} ${artifact.fileName}`,
          async () => {
            if (artifact.type === 'zip') {
              await makeZipBundle({ outFile: file, kind, version: request.version, minNodeVersion: request.minBundleNodeVersion, bundleFile, sealedText, templatesDir: request.templatesDir });
              return;
            }
            blob ??= await makeSeaBlob(runtimes.get(hostRuntimePlatform()) ?? '', bundleFile, sealedFile, kindDir);
            await buildExecutable({ runtimeBinary: runtimes.get(artifact.type) ?? '', blob, outFile: file, target: artifact.type, note: (text) => progress.note(text) });
          },
          () => megabytes(fs.statSync(file).size),
        );
        built.push({ artifact, file });
      }
      issued.push(pkg);
    }

    // Record first: a package on disk the server does not know of would be an unrevocable one.
    for (const pkg of issued) request.record(pkg);
    const results: BuiltArtifact[] = [];
    for (const { artifact, file } of built) {
      const target = artifactPath(request.outDir, artifact);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.renameSync(file, target);
      results.push({ ...artifact, path: target, bytes: fs.statSync(target).size });
    }
    const checksumsFile = await step(progress, 'Checksums', () => writeChecksums(request.outDir), (file) => path.relative(request.outDir, file));
    return { packages: issued, artifacts: results, checksumsFile, elapsedMs: Date.now() - started };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
