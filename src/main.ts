// The command line: subcommand dispatch, the menu's entry, and the top-level error. It runs on
// the streams and environment it is given (CliIo): bin/party-pool.js passes the process's own,
// tests pass in-memory ones. Issued programs enter through packaged-main.ts instead.
import fs from 'node:fs';
import path from 'node:path';
import { config } from '../config.js';
import { ExitCode, PartyPoolError, type ExitCodeValue } from './common/errors.js';
import { resolveServerSettings } from './common/settings.js';
import { parseOptions, stringValue, type Options, type Values } from './cli/args.js';
import { plainErrorText } from './cli/error-text.js';
import type { CliIo } from './cli/io.js';
import { Output, guardOutputStreams } from './cli/output.js';
import type { SettingsSources } from './common/config-file.js';
import type { SecretSource } from './cli/secrets.js';
import type { DashboardStarter } from './server/run-server.js';
import type { Credentials, PackageKey } from './link/login.js';
import type { PinnedTarget } from './link/pin.js';
import { parseHostPort } from './protocol/address.js';
// Everything a command needs beyond this is loaded with import() where it is used: `--version`
// and `--help` answer without loading prompts, the client or the server (tens of milliseconds,
// not hundreds), and issued packages, bundled from this file, must carry neither the server nor
// the package builder (see src/packaging/bundle.ts).

/** The server a run connects to, once the passkey is known. */
export interface OpenedServer {
  pin: PinnedTarget;
  /** An issued package presents its id, so the server can refuse a revoked package. */
  packageId?: string;
  /** ...and proves it with its own key (issue 11; packages issued before it have none). */
  packageKey?: PackageKey;
}

/** What a login presents: the passkey, and an issued package's id and key (issue 11). */
function credentialsOf(passkey: string, opened: OpenedServer): Credentials {
  return { passkey, ...(opened.packageId !== undefined ? { packageId: opened.packageId } : {}), ...(opened.packageKey ? { packageKey: opened.packageKey } : {}) };
}

/**
 * Where a client or root run finds its server: --server/--fingerprint or server.json (known
 * before any passkey), or an issued package's sealed file, which only the passkey opens. A
 * wrong passkey is AUTH_FAILED.
 */
export interface ServerLocation {
  open: (passkey: string) => Promise<OpenedServer>;
  /**
   * The data directory of a server on this machine (server.json): a passkey or root password
   * typed at a prompt is checked against its auth.json at once, so a typo is asked again on the
   * spot instead of counting as a failed login (three of which block the address).
   */
  localDataDir?: string;
}

/** A prompt's check of a typed secret against a local server's auth.json; unreadable (another user's server): no check. */
async function storedSecretCheck(dataDir: string, which: 'passkey' | 'root', label: string): Promise<(value: string) => Promise<true | string>> {
  const { matchesStoredSecret } = await import('./data-dir/auth-keys.js');
  return async (value) => {
    try {
      return (await matchesStoredSecret(dataDir, which, value)) === false ? `That is not this server's ${label}; type it again.` : true;
    } catch {
      return true;
    }
  };
}

export interface Subcommand {
  summary: string;
  usage: string;
  options: Options;
  details: string;
  /** Words that are not flags are allowed (listValue(values, POSITIONALS)): "restore FILE", "admin unban X". */
  positionals?: boolean;
  /** `location` is set when an issued package runs this subcommand: the server comes from its sealed file. */
  run: (io: CliIo, values: Values, location?: ServerLocation) => Promise<ExitCodeValue>;
}

const common: Options = { help: { type: 'boolean', short: 'h' }, debug: { type: 'boolean' } };
/** The browser app instead of the terminal (--gui), or explicitly not (--terminal: issued packages' default is the browser on a desktop). */
const browserOptions: Options = { gui: { type: 'boolean' }, 'no-open': { type: 'boolean' }, terminal: { type: 'boolean' } };
const connectionOptions: Options = {
  server: { type: 'string' },
  fingerprint: { type: 'string' },
  'data-dir': { type: 'string' },
  'passkey-file': { type: 'string' },
  json: { type: 'boolean' },
};

export const subcommands: Readonly<Record<string, Subcommand>> = {
  server: {
    summary: 'Run the chat server in the foreground.',
    usage: 'party-pool server [--host H] [--port N] [--data-dir D] [--log-dir L] [--max-clients N] [--config FILE] [--log-level L] [--metrics-port N] [--passkey-file F] [--root-password-file F] [--replace-secrets] [--dashboard [--no-open]]',
    details: [
      'The passkey comes from PARTY_POOL_PASSKEY, --passkey-file F, or a hidden prompt;',
      'the root password from PARTY_POOL_ROOT_PASSWORD, --root-password-file F, or a prompt.',
      '--port 0 picks a free port. --replace-secrets accepts a new passkey/root password. A server already running,',
      'an unwritable directory, or a host and port it cannot listen on are reported before any secret is asked.',
      'Writes <data-dir>/server.json while running. Ctrl-C or SIGTERM stops it gracefully.',
      'Settings: flags > PARTY_POOL_* environment > the config file (--config FILE, or <data-dir>/party-pool.json) > defaults.',
      'SIGHUP re-reads the config file and applies what can change live (limits, lockdown, log level).',
      '--metrics-port N serves Prometheus metrics on http://127.0.0.1:N/metrics (off by default).',
      'Under systemd the secrets may also come from LoadCredential= files named passkey and root-password.',
      '--dashboard also serves the admin dashboard on 127.0.0.1 and opens it in your browser (--no-open:',
      'only print its link): addresses, who is online, the live log, bans, packages, and root actions.',
    ].join('\n'),
    options: {
      ...common,
      host: { type: 'string' },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      'log-dir': { type: 'string' },
      'max-clients': { type: 'string' },
      config: { type: 'string' },
      'log-level': { type: 'string' },
      'metrics-port': { type: 'string' },
      'passkey-file': { type: 'string' },
      'root-password-file': { type: 'string' },
      'replace-secrets': { type: 'boolean' },
      dashboard: { type: 'boolean' },
      'no-open': { type: 'boolean' },
    },
    run: (io, values) => startServer(io, values, io.isTTY),
  },
  client: {
    summary: 'Join a server and chat.',
    usage: 'party-pool client [--server HOST:PORT --fingerprint FP | --data-dir D] [--name NAME] [--json] [--passkey-file F] [--password-file F] [--register] [--profile-dir D] [--gui [--no-open]]',
    details: [
      'With --data-dir (default: the local server\'s data dir) the address and fingerprint are read',
      'from server.json. The passkey comes from PARTY_POOL_PASSKEY, --passkey-file F, or a prompt.',
      'When stdin is not a terminal it runs in line mode: one message or /command per input line,',
      'one event per output line (--json: one JSON object per line); it exits 0 once the server',
      'has confirmed everything sent, 1 if it refused a line (stderr says which). Exit codes: 0 ok,',
      '1 error or a refused line, 2 usage, 3 refused login, 4 cannot connect. At a terminal a server that is',
      'not there yet is tried again until it answers (Ctrl-C stops).',
      'A registered name needs its password: PARTY_POOL_PASSWORD, --password-file F, or a hidden prompt.',
      '--register registers the name with that password at login (servers that require registration).',
      '--profile-dir D (or PARTY_POOL_PROFILE_DIR) is where this device keeps its keys and direct messages',
      '(default: your user\'s config folder, e.g. ~/.config/party-pool); /msg, /verify, /history @name use it.',
      '--gui opens the chat in your browser (served on 127.0.0.1 by this program, which keeps the pinned',
      'connection); --no-open only prints the link. It runs until the page\'s Leave or Ctrl-C.',
      '--terminal keeps the chat in the terminal (issued packages open the browser by default on a desktop).',
    ].join('\n'),
    options: { ...common, ...connectionOptions, name: { type: 'string' }, 'password-file': { type: 'string' }, register: { type: 'boolean' }, 'profile-dir': { type: 'string' }, ...browserOptions },
    run: (io, values, location) => startClient(io, values, location),
  },
  root: {
    summary: 'Open the root console: manage the live server.',
    usage: 'party-pool root [--server HOST:PORT --fingerprint FP | --data-dir D] [--json] [--passkey-file F] [--root-password-file F] [--gui [--no-open]]',
    details: [
      'Connects like the client (the local server.json by default) and logs in as root. The passkey comes',
      'from PARTY_POOL_PASSKEY, --passkey-file F, or a prompt; the root password from PARTY_POOL_ROOT_PASSWORD,',
      '--root-password-file F, or a prompt. Type "help" in the console for its commands.',
      'When stdin is not a terminal it runs in line mode: one command per input line, one event per output',
      'line (--json: one JSON object per line); it exits 0 once the server has answered every command,',
      '1 if it refused one (stderr says which). Exit codes: 0 ok, 1 error or a refused command, 2 usage,',
      '3 refused login (wrong passkey or root password), 4 cannot connect.',
      '--gui opens the console in your browser (this program keeps the pinned connection); --no-open only',
      'prints the link. --terminal keeps it in the terminal (root packages open the browser on a desktop).',
    ].join('\n'),
    options: { ...common, ...connectionOptions, 'root-password-file': { type: 'string' }, ...browserOptions },
    run: (io, values, location) => startRoot(io, values, location),
  },
  package: {
    summary: 'Build client and root packages (executables and zip bundles) into dist/.',
    usage: 'party-pool package --kind client|root|both --platform windows|linux|macos|all [--address HOST[:PORT]]... [--out DIR] [--data-dir D] [--force] [--note TEXT] [--passkey-file F]',
    details: [
      'Seals the server\'s addresses (tried in order; default: the first LAN address the server listens on, with its port)',
      'and key fingerprints with the passkey (PARTY_POOL_PASSKEY, --passkey-file F, or a prompt; it must be the',
      'server\'s). --data-dir is where the server\'s identity is read and the packages are recorded; it works',
      'while the server runs. Existing files of this version are an error unless --force. --out defaults to dist/.',
    ].join('\n'),
    options: {
      ...common,
      kind: { type: 'string' },
      platform: { type: 'string' },
      address: { type: 'string', multiple: true },
      out: { type: 'string' },
      'data-dir': { type: 'string' },
      force: { type: 'boolean' },
      note: { type: 'string' },
      'passkey-file': { type: 'string' },
    },
    run: async (io, values) => (await import('./packaging/issue.js')).runPackageCommand(io, values),
  },
  'rotate-key': {
    summary: "Move the server to its next key (the backup every package pins) and make a new next key.",
    usage: 'party-pool rotate-key [--data-dir D]',
    details: [
      'Refused while the server runs: stop it, rotate, start it again. Packages issued before keep working;',
      'issue new packages before rotating again.',
    ].join('\n'),
    options: { ...common, 'data-dir': { type: 'string' } },
    run: async (io, values) => (await import('./packaging/issue.js')).runRotateKey(io, values),
  },
  // Operations (issue 16): the admin program, src/admin/.
  backup: {
    summary: 'Back up the database, keys and settings into one owner-only file (works while the server runs).',
    usage: 'party-pool backup [--data-dir D | --config FILE] [--out FILE]',
    details: [
      'The database is copied with SQLite\'s online backup API (one consistent snapshot), the other files of the',
      'data directory as they are, each checked by SHA-256. --out defaults to party-pool-backup-<date>-<time>.tar.gz',
      'here; an existing file is never overwritten. The backup holds the server key and the history: keep it safe.',
    ].join('\n'),
    options: { ...common, 'data-dir': { type: 'string' }, config: { type: 'string' }, out: { type: 'string' } },
    run: async (io, values) => (await import('./admin/run-admin.js')).runBackupCommand(io, values),
  },
  restore: {
    summary: 'Restore a backup into a new, empty data directory.',
    usage: 'party-pool restore FILE --data-dir D',
    details: [
      'Refused when D is in use by a running server or holds anything. Every file is checked against the backup\'s',
      'manifest and the database\'s integrity before D is created; then start the server with --data-dir D.',
    ].join('\n'),
    options: { ...common, 'data-dir': { type: 'string' } },
    positionals: true,
    run: async (io, values) => (await import('./admin/run-admin.js')).runRestoreCommand(io, values),
  },
  export: {
    summary: "Export a room's stored history as JSON or a self-contained HTML page.",
    usage: "party-pool export --room '#room' [--format json|html] [--out FILE] [--data-dir D | --config FILE]",
    details: [
      'Reads the database (works while the server runs). Without --out the export goes to stdout; --out FILE is',
      'created owner-only and never overwritten. Quote the room: the shell treats # as the start of a comment.',
    ].join('\n'),
    options: { ...common, room: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' }, 'data-dir': { type: 'string' }, config: { type: 'string' } },
    run: async (io, values) => (await import('./admin/run-admin.js')).runExportCommand(io, values),
  },
  admin: {
    summary: 'Offline admin for a stopped server: list bans, unban an address or name, revoke a package.',
    usage: 'party-pool admin bans | unban <ip, CIDR or name> | revoke <package-id> [--data-dir D | --config FILE] [--json]',
    details: [
      'For a server that is not running (say, after three wrong root passwords blocked your own address).',
      'While it runs, do the same in the root console (party-pool root): bans, unban, revoke.',
    ].join('\n'),
    options: { ...common, 'data-dir': { type: 'string' }, config: { type: 'string' }, json: { type: 'boolean' } },
    positionals: true,
    run: async (io, values) => (await import('./admin/run-admin.js')).runAdminCommand(io, values),
  },
};

function generalHelp(): string {
  const width = Math.max(...Object.keys(subcommands).map((name) => name.length));
  return [
    `Party Pool ${config.version} — a self-hosted, private group chat.`,
    '',
    'Usage: party-pool [command] [options]',
    '',
    'With no command, shows the interactive menu.',
    '',
    'Commands:',
    ...Object.entries(subcommands).map(([name, sub]) => `  ${name.padEnd(width)}  ${sub.summary}`),
    '',
    'Run "party-pool <command> --help" for a command\'s options. "--version" prints the version.',
  ].join('\n');
}

/** Parse a subcommand's flags; a mistake is a USAGE error that points at its --help. */
export function parseSubcommand(sub: Subcommand, args: string[], helpHint = `${sub.usage.split(' ').slice(0, 2).join(' ')} --help`): Values {
  return parseOptions(sub.options, args, helpHint, sub.positionals === true);
}

const passkeyFrom = (values: Values, interactive: boolean): SecretSource => ({ label: 'passkey', envName: 'PARTY_POOL_PASSKEY', fileFlag: '--passkey-file', file: stringValue(values, 'passkey-file'), credential: 'passkey', interactive });

/** Where the server's settings come from: its flags (or the menu's choices, given the same way), the environment, the config file and the defaults. */
export function serverSettingSources(io: CliIo, values: Values): SettingsSources {
  const flagNames = ['host', 'port', 'data-dir', 'log-dir', 'max-clients', 'config', 'log-level', 'metrics-port'];
  return { flags: Object.fromEntries(flagNames.map((name) => [name, stringValue(values, name)])), env: io.env };
}

/**
 * Start the server: first what can be checked without a question (a server already running from
 * this data directory, unusable directories, a port or host that cannot be listened on), then the
 * secrets, each checked as it is typed (on a restart, against the ones the server was set up with).
 */
async function startServer(io: CliIo, values: Values, interactive: boolean): Promise<ExitCodeValue> {
  const [{ runServer }, { AUTH_FILE, matchesStoredSecret }, { runningServerPid }, { ensurePrivateDir }, { checkListen, listenFailureText }, { resolveSecret }, { loadServerSettings }] = await Promise.all([
    import('./server/run-server.js'),
    import('./data-dir/auth-keys.js'),
    import('./data-dir/server-info.js'),
    import('./data-dir/files.js'),
    import('./common/network-info.js'),
    import('./cli/secrets.js'),
    import('./common/config-file.js'),
  ]);
  const sources = serverSettingSources(io, values);
  const { settings, file } = loadServerSettings(sources);
  ensurePrivateDir(settings.dataDir, 'data directory');
  const running = runningServerPid(settings.dataDir);
  if (running !== undefined) throw new PartyPoolError('SERVER_RUNNING', `A server is already running from ${settings.dataDir} (pid ${running}); stop it first, or use another --data-dir.`);
  ensurePrivateDir(settings.logDir, 'log directory');
  const listen = await checkListen(settings.host, settings.port);
  if (!listen.ok) throw new PartyPoolError('LISTEN_FAILED', listenFailureText(settings.host, settings.port, listen.code));
  const replaceSecrets = values['replace-secrets'] === true;
  const firstStart = !fs.existsSync(path.join(settings.dataDir, AUTH_FILE)) || replaceSecrets;
  const stored = (which: 'passkey' | 'root', label: string) => async (value: string): Promise<true | string> =>
    (await matchesStoredSecret(settings.dataDir, which, value)) === false ? `That is not the ${label} this server was set up with; type it again.` : true;
  const passkey = await resolveSecret({ ...passkeyFrom(values, interactive), minLength: config.passkey.minLength, confirm: firstStart, ...(firstStart ? {} : { check: stored('passkey', 'passkey') }) }, io);
  const rootPassword = await resolveSecret(
    {
      label: 'root password',
      envName: 'PARTY_POOL_ROOT_PASSWORD',
      fileFlag: '--root-password-file',
      file: stringValue(values, 'root-password-file'),
      credential: 'root-password',
      minLength: config.passkey.rootMinLength,
      confirm: firstStart,
      interactive,
      differentFrom: { value: passkey, label: 'passkey' },
      ...(firstStart ? {} : { check: stored('root', 'root password') }),
    },
    io,
  );
  const dashboard: DashboardStarter | undefined =
    values.dashboard === true
      ? async (side) => {
          const { startDashboard } = await import('./gui/run-admin.js');
          return startDashboard(side, { io, open: values['no-open'] !== true });
        }
      : undefined;
  return runServer(io, { settings, configFile: file, reloadSettings: () => loadServerSettings(sources), passkey, rootPassword, replaceSecrets, dashboard });
}

/** Read where the local server listens from its server.json. */
async function localServerPin(dataDir: string): Promise<PinnedTarget> {
  const { readServerInfo } = await import('./data-dir/server-info.js');
  const read = readServerInfo(dataDir);
  if (read.state !== 'running') {
    const why = read.state === 'missing' ? `No running server found (${read.file} is missing). Start the server first, or pass --server HOST:PORT --fingerprint FP.` : `${read.file} is damaged; restart the server.`;
    throw new PartyPoolError('NO_SERVER_INFO', why);
  }
  const { host, port, fingerprint } = read.info;
  // A server listening on every interface is reached locally over loopback.
  const connectHost = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return { targets: [{ host: connectHost, port }], fingerprints: [fingerprint] };
}

/** `--server HOST:PORT`: the port is required (a server's port is its own choice; guessing the default connects nowhere). */
function serverFlag(text: string): { host: string; port: number } {
  const target = parseHostPort(text, 0);
  if (target) return target;
  if (parseHostPort(text, config.port)) {
    throw new PartyPoolError('USAGE', `--server ${text} has no port: write HOST:PORT, e.g. ${text.includes(':') && !text.startsWith('[') ? `[${text}]` : text}:${config.port} (the server's status panel shows its port).`);
  }
  throw new PartyPoolError('USAGE', `"${text}" is not a server address; use HOST:PORT.`);
}

/** --server and --fingerprint, or else the local server's server.json (--data-dir). */
async function resolvePin(io: CliIo, values: Values): Promise<PinnedTarget> {
  const server = stringValue(values, 'server');
  const fingerprint = stringValue(values, 'fingerprint');
  if (server !== undefined || fingerprint !== undefined) {
    if (server === undefined || fingerprint === undefined) throw new PartyPoolError('USAGE', '--server and --fingerprint go together: the fingerprint is how the client knows it reached the real server.');
    const { isFingerprint } = await import('./crypto/fingerprint.js');
    if (!isFingerprint(fingerprint)) throw new PartyPoolError('USAGE', `"${fingerprint}" is not a fingerprint; it looks like SHA256:<43 characters>, as the server's status panel shows.`);
    return { targets: [serverFlag(server)], fingerprints: [fingerprint] };
  }
  return localServerPin(resolveServerSettings({ 'data-dir': stringValue(values, 'data-dir') }, io.env).dataDir);
}

/** The server named by the flags (or server.json): read before the passkey is asked for. */
async function locationFromFlags(io: CliIo, values: Values): Promise<ServerLocation> {
  const pin = await resolvePin(io, values);
  const local = stringValue(values, 'server') === undefined;
  return { open: () => Promise.resolve({ pin }), ...(local ? { localDataDir: resolveServerSettings({ 'data-dir': stringValue(values, 'data-dir') }, io.env).dataDir } : {}) };
}

/**
 * Get the passkey and open the server's location with it. At a terminal a wrong passkey (an
 * issued package's sealed file does not open) may be typed again, three tries in all, each
 * costing the slow KDF; otherwise it is exit 3.
 */
async function accessServer(io: CliIo, values: Values, location: ServerLocation): Promise<{ opened: OpenedServer; credentials: Credentials }> {
  const { resolveSecret } = await import('./cli/secrets.js');
  const fromPrompt = io.isTTY && stringValue(values, 'passkey-file') === undefined && !io.env.PARTY_POOL_PASSKEY;
  const check = fromPrompt && location.localDataDir !== undefined ? await storedSecretCheck(location.localDataDir, 'passkey', 'passkey') : undefined;
  const source: SecretSource = { ...passkeyFrom(values, io.isTTY), ...(check ? { check } : {}) };
  for (let attempt = 1; ; attempt++) {
    const passkey = await resolveSecret(source, io);
    try {
      const opened = await location.open(passkey);
      return { opened, credentials: credentialsOf(passkey, opened) };
    } catch (error) {
      if (!(fromPrompt && attempt < 3 && error instanceof PartyPoolError && error.code === 'AUTH_FAILED')) throw error;
      new Output(io).error('Wrong passkey; try again.');
    }
  }
}

async function startClient(io: CliIo, values: Values, given?: ServerLocation): Promise<ExitCodeValue> {
  const { givenSecret } = await import('./cli/secrets.js');
  // The account password is optional: guests need none, and a terminal asks when the server does.
  const password = givenSecret({ label: 'password', envName: 'PARTY_POOL_PASSWORD', file: stringValue(values, 'password-file'), fileFlag: '--password-file' }, io.env);
  const register = values.register === true;
  if (register && password === undefined) throw new PartyPoolError('USAGE', '--register needs the password: set PARTY_POOL_PASSWORD or use --password-file F.');
  const location = given ?? (await locationFromFlags(io, values));
  if (values.gui === true && values.terminal !== true) {
    // The passkey is typed in the page unless given (environment or file); an issued package opens its sealed file with it.
    const passkey = givenSecret({ label: 'passkey', envName: 'PARTY_POOL_PASSKEY', file: stringValue(values, 'passkey-file'), fileFlag: '--passkey-file' }, io.env);
    const connect = async (key: string): Promise<{ pin: PinnedTarget; credentials: Credentials }> => {
      const opened = await location.open(key);
      return { pin: opened.pin, credentials: credentialsOf(key, opened) };
    };
    const { resolveProfileDir } = await import('./link/profile.js');
    const profile = resolveProfileDir({ flag: stringValue(values, 'profile-dir'), env: io.env });
    const { runGui } = await import('./gui/run-gui.js');
    return runGui(io, { connect, passkey, name: stringValue(values, 'name'), account: { password, register }, profile, json: values.json === true, open: values['no-open'] !== true });
  }
  // Where this device's keys and direct messages live: checked before anything is asked.
  const { resolveProfileDir } = await import('./link/profile.js');
  const profile = resolveProfileDir({ flag: stringValue(values, 'profile-dir'), env: io.env });
  const { opened, credentials } = await accessServer(io, values, location);
  const { runClient } = await import('./client/run-client.js');
  return runClient(io, { pin: opened.pin, credentials, name: stringValue(values, 'name'), json: values.json === true, interactive: io.isTTY, account: { password, register }, profile });
}

async function startRoot(io: CliIo, values: Values, given?: ServerLocation): Promise<ExitCodeValue> {
  const location = given ?? (await locationFromFlags(io, values));
  if (values.gui === true && values.terminal !== true) {
    const { givenSecret } = await import('./cli/secrets.js');
    // Secrets not given here are typed in the page; an issued package opens its sealed file with the passkey.
    const passkey = givenSecret({ label: 'passkey', envName: 'PARTY_POOL_PASSKEY', file: stringValue(values, 'passkey-file'), fileFlag: '--passkey-file' }, io.env);
    const rootPassword = givenSecret({ label: 'root password', envName: 'PARTY_POOL_ROOT_PASSWORD', file: stringValue(values, 'root-password-file'), fileFlag: '--root-password-file' }, io.env);
    const connect = async (key: string): Promise<{ pin: PinnedTarget; credentials: { passkey: string; packageId?: string } }> => {
      const opened = await location.open(key);
      return { pin: opened.pin, credentials: { passkey: key, ...(opened.packageId !== undefined ? { packageId: opened.packageId } : {}) } };
    };
    const { runRootGui } = await import('./gui/run-admin.js');
    return runRootGui(io, { connect, passkey, rootPassword, json: values.json === true, open: values['no-open'] !== true });
  }
  const { opened, credentials } = await accessServer(io, values, location);
  const [{ resolveSecret }, { runRoot }] = await Promise.all([import('./cli/secrets.js'), import('./root/run-root.js')]);
  const check = io.isTTY && location.localDataDir !== undefined ? await storedSecretCheck(location.localDataDir, 'root', 'root password') : undefined;
  const rootPassword = await resolveSecret(
    { label: 'root password', envName: 'PARTY_POOL_ROOT_PASSWORD', fileFlag: '--root-password-file', file: stringValue(values, 'root-password-file'), interactive: io.isTTY, ...(check ? { check } : {}) },
    io,
  );
  return runRoot(io, { pin: opened.pin, credentials: { ...credentials, rootPassword }, json: values.json === true, interactive: io.isTTY });
}

async function dispatch(args: string[], io: CliIo): Promise<ExitCodeValue> {
  const out = new Output(io);
  const [first, ...rest] = args;
  if (first === undefined) {
    const [{ runAdminMenu }, { loadServerSettings }] = await Promise.all([import('./admin-menu.js'), import('./common/config-file.js')]);
    return runAdminMenu(io, {
      server: (runIo, values) => startServer(runIo, values, true),
      client: (runIo, values) => startClient(runIo, values),
      root: (runIo, values) => startRoot(runIo, values),
      settings: (values) => loadServerSettings(serverSettingSources(io, values)).settings,
    });
  }
  if (first === '--version' || first === '-v' || first === 'version') {
    out.line(config.version);
    return ExitCode.ok;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    out.line(generalHelp());
    return ExitCode.ok;
  }
  const sub = Object.hasOwn(subcommands, first) ? subcommands[first] : undefined;
  if (!sub) throw new PartyPoolError('USAGE', `Unknown command "${first}". Run "party-pool --help" for the list.`);
  if (rest.includes('--version')) {
    out.line(config.version);
    return ExitCode.ok;
  }
  const values = parseSubcommand(sub, rest);
  if (values.help === true) {
    out.line(`Usage: ${sub.usage}\n\n${sub.summary}\n${sub.details}`);
    return ExitCode.ok;
  }
  return sub.run(io, values);
}

export interface FailureOptions {
  debug: boolean;
  /** Before returning on an error, wait for Enter (a double-clicked Windows program's window would vanish). */
  pauseOnError?: boolean;
}

/**
 * Wait for a run and turn a failure into its exit status: one sentence on stderr (and the stack
 * with --debug), nothing for a cancelled prompt. Never rejects.
 */
export async function settle(io: CliIo, run: Promise<ExitCodeValue>, options: FailureOptions): Promise<ExitCodeValue> {
  try {
    return await run;
  } catch (error) {
    const code = error instanceof PartyPoolError ? error.exitCode : ExitCode.runtime;
    if (!(error instanceof PartyPoolError && error.code === 'CANCELLED')) {
      const out = new Output(io);
      out.error(plainErrorText(error));
      if (options.debug && error instanceof Error && error.stack) out.error(error.stack);
      if (options.pauseOnError && io.isTTY) await (await import('./cli/prompts.js')).waitForEnter(io, 'Press Enter to close.');
    }
    return code;
  }
}

/** Run the CLI on `io` and resolve with its exit status; failures print one sentence (a stack with --debug). */
export function main(args: string[], io: CliIo): Promise<ExitCodeValue> {
  guardOutputStreams([io.stdout, io.stderr]);
  return settle(io, dispatch(args, io), { debug: args.includes('--debug') });
}
