// The command line: the menu and subcommand dispatch, and the top-level error. It runs on the
// streams and environment it is given (CliIo): bin/party-pool.js passes the process's own, tests
// pass in-memory ones. Issued programs enter through packaged-main.ts instead.
import fs from 'node:fs';
import path from 'node:path';
import { config } from '../config.js';
import { ExitCode, PartyPoolError, type ExitCodeValue } from './common/errors.js';
import { resolveServerSettings } from './common/settings.js';
import { isFingerprint } from './crypto/fingerprint.js';
import { parseOptions, stringValue, type Options, type Values } from './cli/args.js';
import type { CliIo } from './cli/io.js';
import { Output, guardOutputStreams } from './cli/output.js';
import { waitForEnter } from './cli/prompts.js';
import { givenSecret, resolveSecret, type SecretSource } from './cli/secrets.js';
import { runMenu, type MenuActions } from './cli/menu.js';
import { credentialsFor, type Credentials, type PackageKey } from './link/login.js';
import { parseTarget, type PinnedTarget } from './link/pin.js';
import { runClient } from './client/run-client.js';
import { runRoot } from './root/run-root.js';
// The server and the package builder are loaded with import() where they are used: issued
// packages are bundled from this file and must carry neither (see src/packaging/bundle.ts).

/** The server a run connects to, once the passkey is known. */
export interface OpenedServer {
  pin: PinnedTarget;
  /** An issued package presents its id, so the server can refuse a revoked package. */
  packageId?: string;
  /** ...and proves it with its own key (issue 11; packages issued before it have none). */
  packageKey?: PackageKey;
}

/**
 * Where a client or root run finds its server: --server/--fingerprint or server.json (known
 * before any passkey), or an issued package's sealed file, which only the passkey opens. A
 * wrong passkey is AUTH_FAILED.
 */
export interface ServerLocation {
  open: (passkey: string) => Promise<OpenedServer>;
}

export interface Subcommand {
  summary: string;
  usage: string;
  options: Options;
  details: string;
  /** `location` is set when an issued package runs this subcommand: the server comes from its sealed file. */
  run: (io: CliIo, values: Values, location?: ServerLocation) => Promise<ExitCodeValue>;
}

const common: Options = { help: { type: 'boolean', short: 'h' }, debug: { type: 'boolean' } };
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
    usage: 'party-pool server [--host H] [--port N] [--data-dir D] [--log-dir L] [--max-clients N] [--passkey-file F] [--root-password-file F] [--replace-secrets]',
    details: [
      'The passkey comes from PARTY_POOL_PASSKEY, --passkey-file F, or a hidden prompt;',
      'the root password from PARTY_POOL_ROOT_PASSWORD, --root-password-file F, or a prompt.',
      '--port 0 picks a free port. --replace-secrets accepts a new passkey/root password.',
      'Writes <data-dir>/server.json while running. Ctrl-C or SIGTERM stops it gracefully.',
    ].join('\n'),
    options: {
      ...common,
      host: { type: 'string' },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      'log-dir': { type: 'string' },
      'max-clients': { type: 'string' },
      'passkey-file': { type: 'string' },
      'root-password-file': { type: 'string' },
      'replace-secrets': { type: 'boolean' },
    },
    run: (io, values) => startServer(io, values, io.isTTY),
  },
  client: {
    summary: 'Join a server and chat.',
    usage: 'party-pool client [--server HOST:PORT --fingerprint FP | --data-dir D] [--name NAME] [--json] [--passkey-file F] [--password-file F] [--register] [--gui [--no-open]]',
    details: [
      'With --data-dir (default: the local server\'s data dir) the address and fingerprint are read',
      'from server.json. The passkey comes from PARTY_POOL_PASSKEY, --passkey-file F, or a prompt.',
      'When stdin is not a terminal it runs in line mode: one message or /command per input line,',
      'one event per output line (--json: one JSON object per line); it exits 0 once the server',
      'has confirmed everything sent. Exit codes: 0 ok, 1 error, 2 usage, 3 refused, 4 cannot connect.',
      'A registered name needs its password: PARTY_POOL_PASSWORD, --password-file F, or a hidden prompt.',
      '--register registers the name with that password at login (servers that require registration).',
      '--gui opens the chat in your browser (served on 127.0.0.1 by this program, which keeps the pinned',
      'connection); --no-open only prints the link. It runs until the page\'s Leave or Ctrl-C.',
    ].join('\n'),
    options: { ...common, ...connectionOptions, name: { type: 'string' }, 'password-file': { type: 'string' }, register: { type: 'boolean' }, gui: { type: 'boolean' }, 'no-open': { type: 'boolean' } },
    run: (io, values, location) => startClient(io, values, location),
  },
  root: {
    summary: 'Open the root console: manage the live server.',
    usage: 'party-pool root [--server HOST:PORT --fingerprint FP | --data-dir D] [--json] [--passkey-file F] [--root-password-file F]',
    details: [
      'Connects like the client (the local server.json by default) and logs in as root. The passkey comes',
      'from PARTY_POOL_PASSKEY, --passkey-file F, or a prompt; the root password from PARTY_POOL_ROOT_PASSWORD,',
      '--root-password-file F, or a prompt. Type "help" in the console for its commands.',
      'When stdin is not a terminal it runs in line mode: one command per input line, one event per output',
      'line (--json: one JSON object per line); it exits 0 once the server has answered every command.',
      'Exit codes: 0 ok, 1 error, 2 usage, 3 refused (wrong passkey or root password), 4 cannot connect.',
    ].join('\n'),
    options: { ...common, ...connectionOptions, 'root-password-file': { type: 'string' } },
    run: (io, values, location) => startRoot(io, values, location),
  },
  package: {
    summary: 'Build client and root packages (executables and zip bundles) into dist/.',
    usage: 'party-pool package --kind client|root|both --platform windows|linux|macos|all [--address HOST[:PORT]]... [--out DIR] [--data-dir D] [--force] [--note TEXT] [--passkey-file F]',
    details: [
      'Seals the server\'s addresses (tried in order; default: this machine\'s private IPv4 and the server\'s port)',
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
  return parseOptions(sub.options, args, helpHint);
}

const passkeyFrom = (values: Values, interactive: boolean): SecretSource => ({ label: 'passkey', envName: 'PARTY_POOL_PASSKEY', fileFlag: '--passkey-file', file: stringValue(values, 'passkey-file'), interactive });

async function startServer(io: CliIo, values: Values, interactive: boolean): Promise<ExitCodeValue> {
  const [{ runServer }, { AUTH_FILE }] = await Promise.all([import('./server/run-server.js'), import('./data-dir/auth-keys.js')]);
  const settings = resolveServerSettings(
    {
      host: stringValue(values, 'host'),
      port: stringValue(values, 'port'),
      'data-dir': stringValue(values, 'data-dir'),
      'log-dir': stringValue(values, 'log-dir'),
      'max-clients': stringValue(values, 'max-clients'),
    },
    io.env,
  );
  const firstStart = !fs.existsSync(path.join(settings.dataDir, AUTH_FILE)) || values['replace-secrets'] === true;
  const passkey = await resolveSecret({ ...passkeyFrom(values, interactive), minLength: config.passkey.minLength, confirm: firstStart }, io);
  const rootPassword = await resolveSecret(
    {
      label: 'root password',
      envName: 'PARTY_POOL_ROOT_PASSWORD',
      fileFlag: '--root-password-file',
      file: stringValue(values, 'root-password-file'),
      minLength: config.passkey.rootMinLength,
      confirm: firstStart,
      interactive,
    },
    io,
  );
  return runServer({ settings, passkey, rootPassword, replaceSecrets: values['replace-secrets'] === true });
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

/** --server and --fingerprint, or else the local server's server.json (--data-dir). */
async function resolvePin(io: CliIo, values: Values): Promise<PinnedTarget> {
  const server = stringValue(values, 'server');
  const fingerprint = stringValue(values, 'fingerprint');
  if (server !== undefined || fingerprint !== undefined) {
    if (server === undefined || fingerprint === undefined) throw new PartyPoolError('USAGE', '--server and --fingerprint go together: the fingerprint is how the client knows it reached the real server.');
    if (!isFingerprint(fingerprint)) throw new PartyPoolError('USAGE', `"${fingerprint}" is not a fingerprint; it looks like SHA256:<43 characters>, as the server's status panel shows.`);
    return { targets: [parseTarget(server)], fingerprints: [fingerprint] };
  }
  return localServerPin(resolveServerSettings({ 'data-dir': stringValue(values, 'data-dir') }, io.env).dataDir);
}

/** The server named by the flags (or server.json): read before the passkey is asked for. */
async function locationFromFlags(io: CliIo, values: Values): Promise<ServerLocation> {
  const pin = await resolvePin(io, values);
  return { open: () => Promise.resolve({ pin }) };
}

/**
 * Get the passkey and open the server's location with it. At a terminal a wrong passkey (an
 * issued package's sealed file does not open) may be typed again, three tries in all, each
 * costing the slow KDF; otherwise it is exit 3.
 */
async function accessServer(io: CliIo, values: Values, location: ServerLocation): Promise<{ opened: OpenedServer; credentials: Credentials }> {
  const source = passkeyFrom(values, io.isTTY);
  const fromPrompt = io.isTTY && source.file === undefined && !io.env.PARTY_POOL_PASSKEY;
  for (let attempt = 1; ; attempt++) {
    const passkey = await resolveSecret(source, io);
    try {
      const opened = await location.open(passkey);
      return { opened, credentials: credentialsFor(passkey, opened) };
    } catch (error) {
      if (!(fromPrompt && attempt < 3 && error instanceof PartyPoolError && error.code === 'AUTH_FAILED')) throw error;
      new Output(io).error('Wrong passkey; try again.');
    }
  }
}

async function startClient(io: CliIo, values: Values, given?: ServerLocation): Promise<ExitCodeValue> {
  // The account password is optional: guests need none, and a terminal asks when the server does.
  const password = givenSecret({ label: 'password', envName: 'PARTY_POOL_PASSWORD', file: stringValue(values, 'password-file') }, io.env);
  const register = values.register === true;
  if (register && password === undefined) throw new PartyPoolError('USAGE', '--register needs the password: set PARTY_POOL_PASSWORD or use --password-file F.');
  const location = given ?? (await locationFromFlags(io, values));
  if (values.gui === true) {
    // The passkey is typed in the page unless given (environment or file); an issued package opens its sealed file with it.
    const passkey = givenSecret({ label: 'passkey', envName: 'PARTY_POOL_PASSKEY', file: stringValue(values, 'passkey-file') }, io.env);
    const connect = async (key: string): Promise<{ pin: PinnedTarget; credentials: Credentials }> => {
      const opened = await location.open(key);
      return { pin: opened.pin, credentials: credentialsFor(key, opened) };
    };
    const { runGui } = await import('./gui/run-gui.js');
    return runGui(io, { connect, passkey, name: stringValue(values, 'name'), account: { password, register }, json: values.json === true, open: values['no-open'] !== true });
  }
  const { opened, credentials } = await accessServer(io, values, location);
  return runClient(io, { pin: opened.pin, credentials, name: stringValue(values, 'name'), json: values.json === true, interactive: io.isTTY, account: { password, register } });
}

async function startRoot(io: CliIo, values: Values, given?: ServerLocation): Promise<ExitCodeValue> {
  const { opened, credentials } = await accessServer(io, values, given ?? (await locationFromFlags(io, values)));
  const rootPassword = await resolveSecret({ label: 'root password', envName: 'PARTY_POOL_ROOT_PASSWORD', fileFlag: '--root-password-file', file: stringValue(values, 'root-password-file'), interactive: io.isTTY }, io);
  return runRoot(io, { pin: opened.pin, credentials: { ...credentials, rootPassword }, json: values.json === true, interactive: io.isTTY });
}

function menuActions(io: CliIo): MenuActions {
  return {
    startServer: () => startServer(io, {}, true),
    loginAsRoot: () => startRoot(io, {}),
    generatePackages: async () => (await import('./packaging/issue.js')).runPackageMenu(io),
    loginAsClient: () => startClient(io, {}),
  };
}

async function dispatch(args: string[], io: CliIo): Promise<ExitCodeValue> {
  const out = new Output(io);
  const [first, ...rest] = args;
  if (first === undefined) return runMenu(io, menuActions(io));
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
      out.error(error instanceof Error ? error.message : String(error));
      if (options.debug && error instanceof Error && error.stack) out.error(error.stack);
      if (options.pauseOnError && io.isTTY) await waitForEnter(io, 'Press Enter to close.');
    }
    return code;
  }
}

/** Run the CLI on `io` and resolve with its exit status; failures print one sentence (a stack with --debug). */
export function main(args: string[], io: CliIo): Promise<ExitCodeValue> {
  guardOutputStreams([io.stdout, io.stderr]);
  return settle(io, dispatch(args, io), { debug: args.includes('--debug') });
}
