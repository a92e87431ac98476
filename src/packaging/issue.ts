// `party-pool package`, the menu's Generate Distribution Packages, and `party-pool rotate-key`:
// the glue between the server's data dir (identity, passkey verifier, package records) and the
// package builder. Loaded by main.ts on demand, so issued packages never contain it.
import fs from 'node:fs';
import path from 'node:path';
import { config } from '../../config.js';
import { ExitCode, PartyPoolError, type ExitCodeValue } from '../common/errors.js';
import { projectRoot } from '../common/paths.js';
import { resolveServerSettings, type ServerSettings } from '../common/settings.js';
import { listValue, stringValue, type Values } from '../cli/args.js';
import { BuildProgressPrinter, renderPackageSummary } from '../cli/build-progress.js';
import type { CliIo } from '../cli/io.js';
import { Output } from '../cli/output.js';
import { askPackageQuestions, type AddressOffer } from '../cli/package-questions.js';
import { askConfirm, askSecret } from '../cli/prompts.js';
import { resolveSecret } from '../cli/secrets.js';
import { box, colorFor, makeChalk } from '../cli/style.js';
import { buildPackages, checkExisting } from './build.js';
import { KIND_CHOICES, PLATFORM_CHOICES, artifactPath, kindsFor, normaliseAddress, planArtifacts, platformsFor, type KindChoice, type PlatformChoice } from './plan.js';
import { checkText } from '../protocol/text.js';
import { matchesStoredSecret, verifyStoredPasskey } from '../data-dir/auth-keys.js';
import { readPinnedFingerprints } from '../data-dir/identity.js';
import { lookupPublicIPv4, reachableAddresses, type ReachableAddress } from '../common/network-info.js';
import { formatHostPort } from '../protocol/address.js';
import { PackageRegistry } from '../data-dir/packages.js';
import { rotateServerKey } from '../data-dir/rotate-key.js';
import { readServerInfo } from '../data-dir/server-info.js';
import { Store } from '../data-dir/store.js';


function oneOf<T extends string>(choices: readonly T[], value: string | undefined, flag: string): T {
  const found = choices.find((choice) => choice === value);
  if (found === undefined) {
    throw new PartyPoolError('USAGE', `${value === undefined ? `${flag} is required` : `"${value}" is not a valid ${flag}`}: use ${choices.join(', ')}.`);
  }
  return found;
}

/** The port friends connect to: the running server's (it may have picked one), else the configured one. */
function serverPort(dataDir: string, configured: number): number {
  const running = readServerInfo(dataDir);
  // A damaged server.json only loses the hint; the configured port is next best.
  if (running.state === 'running') return running.info.port;
  return configured === 0 ? config.port : configured;
}

/** Where packages go: --out, else PARTY_POOL_OUT_DIR, else dist/ in the checkout. */
export function packageOutDir(flag: string | undefined, env: CliIo['env']): string {
  return path.resolve(flag ?? (env.PARTY_POOL_OUT_DIR || path.join(projectRoot(), config.packaging.outDir)));
}

/** The runtime cache: PARTY_POOL_RUNTIME_CACHE, else .cache/runtimes in the checkout. */
export function runtimeCacheDir(env: CliIo['env'] = process.env): string {
  const fromEnv = env.PARTY_POOL_RUNTIME_CACHE;
  return fromEnv ? path.resolve(fromEnv) : path.join(projectRoot(), config.packaging.runtimeCacheDir);
}

interface IssueOptions {
  kind: KindChoice;
  platform: PlatformChoice;
  addresses: string[];
  outDir: string;
  dataDir: string;
  force: boolean;
  note: string;
  passkeyFile: string | undefined;
  interactive: boolean;
  kdfIterations: number;
  /** Already asked and checked (the menu asks it first). */
  passkey?: string;
}

function checkNote(note: string): string {
  if (note.length === 0) return note;
  const checked = checkText(note, config.packaging.maxNoteLength);
  if ('error' in checked) throw new PartyPoolError('USAGE', `--note must be at most ${config.packaging.maxNoteLength} characters of plain text.`);
  return checked.text;
}

async function issuePackages(io: CliIo, options: IssueOptions): Promise<ExitCodeValue> {
  const kinds = kindsFor(options.kind);
  const platforms = platformsFor(options.platform);
  const note = checkNote(options.note);
  if (options.addresses.length > config.packaging.maxAddresses) throw new PartyPoolError('USAGE', `At most ${config.packaging.maxAddresses} addresses fit in a package.`);
  const fingerprints = readPinnedFingerprints(options.dataDir);
  // Fail on existing files before asking for anything.
  checkExisting(options.outDir, planArtifacts(kinds, platforms, config.version), options.force);
  let passkey = options.passkey;
  if (passkey === undefined) {
    passkey = await resolveSecret({ label: 'passkey', envName: 'PARTY_POOL_PASSKEY', fileFlag: '--passkey-file', file: options.passkeyFile, interactive: options.interactive }, io);
    await verifyStoredPasskey(options.dataDir, passkey);
  }
  const store = Store.open(options.dataDir);
  const registry = new PackageRegistry(store);
  const out = new Output(io);
  const color = colorFor(io);
  out.line(makeChalk(color).bold(`Building Party Pool v${config.version} packages into ${options.outDir}`));
  try {
    const result = await buildPackages({
      kinds,
      platforms,
      addresses: options.addresses,
      outDir: options.outDir,
      force: options.force,
      note,
      passkey,
      serverName: config.serverName,
      fingerprints: [fingerprints.current, fingerprints.next],
      version: config.version,
      nodeVersion: config.packaging.nodeVersion,
      minBundleNodeVersion: config.packaging.minBundleNodeVersion,
      sealIterations: options.kdfIterations,
      runtimeCacheDir: runtimeCacheDir(io.env),
      templatesDir: path.join(projectRoot(), 'templates'),
      record: (issued) => registry.record({ ...issued }),
      progress: new BuildProgressPrinter(io.stdout, color),
    });
    out.line(
      renderPackageSummary(
        {
          outDir: options.outDir,
          artifacts: result.artifacts.map((a) => ({ relativePath: a.relativePath, bytes: a.bytes })),
          packages: result.packages,
          checksumsFile: result.checksumsFile,
          elapsedMs: result.elapsedMs,
          addresses: options.addresses,
        },
        color,
      ),
    );
    return ExitCode.ok;
  } finally {
    store.close();
  }
}

/** `party-pool package …` */
export async function runPackageCommand(io: CliIo, values: Values): Promise<ExitCodeValue> {
  const kind = oneOf(KIND_CHOICES, stringValue(values, 'kind'), '--kind');
  const platform = oneOf(PLATFORM_CHOICES, stringValue(values, 'platform'), '--platform');
  const settings = resolveServerSettings({ 'data-dir': stringValue(values, 'data-dir') }, io.env);
  const port = serverPort(settings.dataDir, settings.port);
  let given = listValue(values, 'address');
  if (given.length === 0) {
    // The first LAN address the server listens on (server.json while it runs, else the configured host).
    const running = readServerInfo(settings.dataDir);
    const host = running.state === 'running' ? running.info.host : settings.host;
    const reach = reachableAddresses(host);
    if (reach.loopbackOnly) throw new PartyPoolError('USAGE', `The server listens on ${host} only, which no other machine can reach: pass --address HOST[:PORT] (e.g. --address ${host} for this machine), or start the server with --host 0.0.0.0.`);
    const detected = reach.addresses.find((a) => a.scope === 'lan') ?? reach.addresses.find((a) => a.scope === 'public');
    if (!detected) throw new PartyPoolError('USAGE', 'No --address given and no LAN address found that the server listens on; pass --address HOST[:PORT].');
    given = [detected.address.includes(':') ? `[${detected.address}]` : detected.address];
  }
  const addresses = [...new Set(given.map((address) => normaliseAddress(address, port)))];
  return issuePackages(io, {
    kind,
    platform,
    addresses,
    outDir: packageOutDir(stringValue(values, 'out'), io.env),
    dataDir: settings.dataDir,
    force: values.force === true,
    note: stringValue(values, 'note') ?? '',
    passkeyFile: stringValue(values, 'passkey-file'),
    interactive: io.isTTY,
    kdfIterations: settings.kdfIterations,
  });
}

const SCOPE_LABELS: Readonly<Record<ReachableAddress['scope'], string>> = {
  loopback: 'this machine only: friends cannot use it',
  lan: 'LAN: friends on the same network',
  public: 'public: anyone on the internet (check the firewall)',
  'link-local': 'link-local',
  virtual: 'a container or VPN bridge: friends usually cannot reach it',
};

/**
 * The addresses Generate offers: only those the server listens on (its server.json while it runs,
 * else the configured host), the first LAN address ticked; plus this machine's public address when
 * the admin typed it or named a look-up service (never asked of anyone by default).
 */
export function addressOffers(reach: { loopbackOnly: boolean; addresses: readonly ReachableAddress[] }, port: number, publicAddress: string | undefined): AddressOffer[] {
  const firstLan = reach.addresses.find((a) => a.scope === 'lan');
  const offers: AddressOffer[] = reach.addresses
    .filter((a) => a.scope !== 'link-local' && (reach.loopbackOnly || a.scope !== 'loopback'))
    .map((a) => {
      const address = formatHostPort({ host: a.address, port });
      return { label: `${address}  (${SCOPE_LABELS[a.scope]}${a.interface ? `, ${a.interface}` : ''})`, address, checked: a === firstLan };
    });
  if (publicAddress && !reach.loopbackOnly && !offers.some((offer) => offer.address.startsWith(`${publicAddress}:`))) {
    const address = formatHostPort({ host: publicAddress, port });
    offers.push({ label: `${address}  (public: friends elsewhere; needs port forwarding on your router)`, address, checked: false });
  }
  return offers;
}

/**
 * The menu's Generate Distribution Packages: the passkey first (checked on the spot, so nothing
 * else is asked for a package nobody could open), then what to build, for which systems, which
 * addresses, a note.
 */
export async function runPackageMenu(io: CliIo, settings: ServerSettings = resolveServerSettings({}, io.env)): Promise<ExitCodeValue> {
  const out = new Output(io);
  const c = makeChalk(colorFor(io));
  readPinnedFingerprints(settings.dataDir);
  const passkey = await askSecret(io, 'Passkey (the server\'s, to seal the packages with):', async (value) =>
    (await matchesStoredSecret(settings.dataDir, 'passkey', value)) === false ? "That is not this server's passkey: nobody could open packages sealed with it. Type it again (Esc goes back)." : true,
  );
  const running = readServerInfo(settings.dataDir);
  const host = running.state === 'running' ? running.info.host : settings.host;
  const port = serverPort(settings.dataDir, settings.port);
  const reach = reachableAddresses(host);
  if (reach.loopbackOnly) {
    out.line(c.yellow(`The server ${running.state === 'running' ? 'listens' : 'is set to listen'} on ${host} only: programs on other machines cannot connect to it.`));
    out.line(c.yellow('Packages for friends need a server on every network: stop it, then start it with the host 0.0.0.0 (PARTY_POOL_HOST).'));
  }
  const typed = settings.publicAddress.trim();
  const publicAddress = typed !== '' ? typed : await lookupPublicIPv4(settings.publicIpUrl, config.network.publicIpTimeoutMs);
  const offers = addressOffers(reach, port, publicAddress);
  const answers = await askPackageQuestions(io, offers, (address) => normaliseAddress(address, port), config.packaging.maxNoteLength);
  if (!answers) {
    out.line('Nothing was built.');
    return ExitCode.ok;
  }
  const outDir = packageOutDir(undefined, io.env);
  const existing = planArtifacts(kindsFor(answers.kind), platformsFor(answers.platform), config.version).filter((a) => fs.existsSync(artifactPath(outDir, a)));
  if (existing.length > 0 && !(await askConfirm(io, `${existing.map((a) => a.relativePath).join(', ')} already exist in ${outDir}. Replace them?`, false))) {
    out.line('Nothing was built.');
    return ExitCode.ok;
  }
  return issuePackages(io, {
    ...answers,
    outDir,
    dataDir: settings.dataDir,
    force: existing.length > 0,
    passkeyFile: undefined,
    interactive: true,
    kdfIterations: settings.kdfIterations,
    passkey,
  });
}

/** `party-pool rotate-key` */
export async function runRotateKey(io: CliIo, values: Values): Promise<ExitCodeValue> {
  const { dataDir } = resolveServerSettings({ 'data-dir': stringValue(values, 'data-dir') }, io.env);
  if (!fs.existsSync(dataDir)) throw new PartyPoolError('SERVER_NOT_SET_UP', `${dataDir} does not exist; pass the server's --data-dir.`);
  const result = await rotateServerKey(dataDir, config.serverName);
  const color = colorFor(io);
  const c = makeChalk(color);
  const body = [
    `${c.bold('Previous')}  ${result.previous}`,
    `${c.bold('Current')}   ${result.current}`,
    `${c.bold('Next')}      ${result.next}`,
    '',
    'Packages issued before keep working: they pin the key that is now current as their backup.',
    'Issue new packages before rotating again; older packages know only the two keys they pinned.',
    'Start the server to use the new key.',
  ].join('\n');
  new Output(io).line(box(body, 'Server key rotated', color, 'green'));
  return ExitCode.ok;
}
