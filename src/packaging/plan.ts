// What a package request produces, decided before anything is built (pure): which files, with
// which names, for which kinds and platforms, and the addresses to seal.
import net from 'node:net';
import path from 'node:path';
import { PartyPoolError } from '../common/errors.js';
import { formatHostPort, parseHostPort } from '../protocol/address.js';
import type { PackageKind } from '../protocol/sealed-file.js';

export const KIND_CHOICES = ['client', 'root', 'both'] as const;
export type KindChoice = (typeof KIND_CHOICES)[number];
export const PLATFORM_CHOICES = ['windows', 'linux', 'macos', 'all'] as const;
export type PlatformChoice = (typeof PLATFORM_CHOICES)[number];
export type TargetPlatform = Exclude<PlatformChoice, 'all'>;

/**
 * What a file is: an executable for one OS, its compressed download (.zip for Windows, .tar.gz
 * for Linux), or the script bundle that runs anywhere with Node.
 */
export type ArtifactType = 'win-x64' | 'linux-x64' | 'win-x64-download' | 'linux-x64-download' | 'zip';

/** The executable a download type compresses. */
export function downloadOf(type: ArtifactType): 'win-x64' | 'linux-x64' | undefined {
  if (type === 'win-x64-download') return 'win-x64';
  if (type === 'linux-x64-download') return 'linux-x64';
  return undefined;
}

export interface Artifact {
  kind: PackageKind;
  type: ArtifactType;
  fileName: string;
  /** Relative to the output directory, with forward slashes (as SHA256SUMS lists it). */
  relativePath: string;
}

export function kindsFor(choice: KindChoice): PackageKind[] {
  return choice === 'both' ? ['client', 'root'] : [choice];
}

export function platformsFor(choice: PlatformChoice): TargetPlatform[] {
  return choice === 'all' ? ['windows', 'linux', 'macos'] : [choice];
}

/** "PartyPoolClient" / "PartyPoolRoot": the stem of every file name. */
export function programName(kind: PackageKind): string {
  return kind === 'root' ? 'PartyPoolRoot' : 'PartyPoolClient';
}

/** The script inside a zip bundle. */
export function scriptName(kind: PackageKind): string {
  return `${kind}.cjs`;
}

export function artifactFileName(kind: PackageKind, type: ArtifactType, version: string): string {
  const stem = `${programName(kind)}-v${version}`;
  switch (type) {
    case 'zip':
      return `${stem}.zip`;
    case 'win-x64':
      return `${stem}-win-x64.exe`;
    case 'win-x64-download':
      return `${stem}-win-x64.zip`;
    case 'linux-x64':
      return `${stem}-linux-x64`;
    case 'linux-x64-download':
      return `${stem}-linux-x64.tar.gz`;
  }
}

/**
 * Windows gets the .exe and its .zip download, Linux the executable and its .tar.gz, macOS the
 * script zip; the script zip comes with every choice.
 */
export function artifactTypesFor(platforms: readonly TargetPlatform[]): ArtifactType[] {
  const types: ArtifactType[] = [];
  if (platforms.includes('windows')) types.push('win-x64', 'win-x64-download');
  if (platforms.includes('linux')) types.push('linux-x64', 'linux-x64-download');
  types.push('zip');
  return types;
}

/** Every artifact of a request, in build order. */
export function planArtifacts(kinds: readonly PackageKind[], platforms: readonly TargetPlatform[], version: string): Artifact[] {
  return kinds.flatMap((kind) =>
    artifactTypesFor(platforms).map((type) => {
      const fileName = artifactFileName(kind, type, version);
      return { kind, type, fileName, relativePath: `${kind}/${fileName}` };
    }),
  );
}

export function artifactPath(outDir: string, artifact: Artifact): string {
  return path.join(outDir, artifact.kind, artifact.fileName);
}

const DNS_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

function isHostName(host: string): boolean {
  return host.length <= 253 && host.split('.').every((label) => DNS_LABEL.test(label));
}

/**
 * Check an address a friend's program will connect to and write it as "host:port"
 * ("[v6]:port" for IPv6). Accepts an IPv4 address, an IPv6 address or a DNS name.
 */
export function normaliseAddress(text: string, defaultPort: number): string {
  const parsed = parseHostPort(text, defaultPort);
  const problem = `"${text.slice(0, 80)}" is not an address friends can connect to; use a host name, an IPv4 address or [IPv6], optionally with :PORT.`;
  if (parsed === undefined) throw new PartyPoolError('USAGE', problem);
  const { host, port } = parsed;
  // The "any address" forms make sense for listening, never for connecting.
  if (host === '0.0.0.0' || host === '::') throw new PartyPoolError('USAGE', `${host} is where a server listens, not an address friends can connect to.`);
  if (net.isIP(host) !== 0 || (isHostName(host) && !/^[\d.]+$/.test(host))) return formatHostPort({ host: host.toLowerCase(), port });
  throw new PartyPoolError('USAGE', problem);
}
