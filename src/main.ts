// The command line: the menu and subcommand dispatch. The only place that reads argv,
// catches the top-level error and sets the exit code.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { config } from '../config.js';
import { ExitCode, PartyPoolError, type ExitCodeValue } from './common/errors.js';
import { resolveServerSettings } from './common/settings.js';
import { isFingerprint } from './crypto/fingerprint.js';
import { guardOutputStreams, printError, printLine } from './cli/output.js';
import { givenSecret, resolveSecret } from './cli/secrets.js';
import { runMenu, type MenuActions } from './cli/menu.js';
import { parseTarget, type PinnedTarget } from './link/connection.js';
import { openPackagedServer, readPackageHeader, type OpenedPackage } from './link/packaged-server.js';
import { runClient } from './client/run-client.js';
import { runRoot } from './root/run-root.js';
// The server and the package builder are loaded with import() where they are used: issued
// packages are bundled from this file and must carry neither (see src/packaging/bundle.ts).

type Options = NonNullable<ParseArgsConfig['options']>;

interface Subcommand {
  summary: string;
  usage: string;
  options: Options;
  details: string;
  /** `packaged` is set when an issued package runs this subcommand: the server comes from its sealed file. */
  run: (values: Record<string, string | boolean | undefined>, packaged?: PackagedServer) => Promise<ExitCodeValue>;
}

/** The sealed server file of an issued package (client.cjs / root.cjs / the executables). */
export interface PackagedServer {
  sealedText: string;
}

const common: Options = { help: { type: 'boolean', short: 'h' }, debug: { type: 'boolean' } };
const connectionOptions: Options = {
  server: { type: 'string' },
  fingerprint: { type: 'string' },
  'data-dir': { type: 'string' },
  'passkey-file': { type: 'string' },
  json: { type: 'boolean' },
};

const subcommands: Record<string, Subcommand> = {
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
    run: (values) => startServer(values, process.stdin.isTTY === true),
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
    run: (values, packaged) => startClient(values, packaged),
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
    run: (values, packaged) => startRoot(values, packaged),
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
    run: async (values) => (await import('./packaging/issue.js')).runPackageCommand(values, process.stdin.isTTY === true),
  },
  'rotate-key': {
    summary: "Move the server to its next key (the backup every package pins) and make a new next key.",
    usage: 'party-pool rotate-key [--data-dir D]',
    details: [
      'Refused while the server runs: stop it, rotate, start it again. Packages issued before keep working;',
      'issue new packages before rotating again.',
    ].join('\n'),
    options: { ...common, 'data-dir': { type: 'string' } },
    run: async (values) => (await import('./packaging/issue.js')).runRotateKey(values),
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

function parse(sub: Subcommand, args: string[], helpHint = `${sub.usage.split(' ').slice(0, 2).join(' ')} --help`): Record<string, string | boolean | undefined> {
  try {
    return parseArgs({ args, options: sub.options, allowPositionals: false, strict: true }).values as Record<string, string | boolean | undefined>;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const secretHint = /--(passkey|root-password|password)\b/.test(args.join(' ')) ? ' Secrets are never taken as arguments: use the environment variable or a --*-file option.' : '';
    const first = (message.split('\n')[0] ?? message).trim();
    throw new PartyPoolError('USAGE', `${/[.!?]$/.test(first) ? first : first + '.'}${secretHint} See "${helpHint}".`);
  }
}

function str(values: Record<string, string | boolean | undefined>, key: string): string | undefined {
  const value = values[key];
  return typeof value === 'string' ? value : undefined;
}

async function startServer(values: Record<string, string | boolean | undefined>, interactive: boolean): Promise<ExitCodeValue> {
  const [{ runServer }, { AUTH_FILE }] = await Promise.all([import('./server/run-server.js'), import('./data-dir/auth-keys.js')]);
  const settings = resolveServerSettings({
    host: str(values, 'host'),
    port: str(values, 'port'),
    'data-dir': str(values, 'data-dir'),
    'log-dir': str(values, 'log-dir'),
    'max-clients': str(values, 'max-clients'),
  });
  const firstStart = !fs.existsSync(path.join(settings.dataDir, AUTH_FILE)) || values['replace-secrets'] === true;
  const passkey = await resolveSecret({
    label: 'passkey',
    envName: 'PARTY_POOL_PASSKEY',
    fileFlag: '--passkey-file',
    file: str(values, 'passkey-file'),
    minLength: config.passkey.minLength,
    confirm: firstStart,
    interactive,
  });
  const rootPassword = await resolveSecret({
    label: 'root password',
    envName: 'PARTY_POOL_ROOT_PASSWORD',
    fileFlag: '--root-password-file',
    file: str(values, 'root-password-file'),
    minLength: config.passkey.rootMinLength,
    confirm: firstStart,
    interactive,
  });
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

export async function resolvePin(values: Record<string, string | boolean | undefined>): Promise<PinnedTarget> {
  const server = str(values, 'server');
  const fingerprint = str(values, 'fingerprint');
  if (server !== undefined || fingerprint !== undefined) {
    if (server === undefined || fingerprint === undefined) throw new PartyPoolError('USAGE', '--server and --fingerprint go together: the fingerprint is how the client knows it reached the real server.');
    if (!isFingerprint(fingerprint)) throw new PartyPoolError('USAGE', `"${fingerprint}" is not a fingerprint; it looks like SHA256:<43 characters>, as the server's status panel shows.`);
    return { targets: [parseTarget(server)], fingerprints: [fingerprint] };
  }
  return localServerPin(resolveServerSettings({ 'data-dir': str(values, 'data-dir') }).dataDir);
}

async function startClient(values: Record<string, string | boolean | undefined>, packaged?: PackagedServer): Promise<ExitCodeValue> {
  const interactive = process.stdin.isTTY === true;
  // The account password is optional: guests need none, and a terminal asks when the server does.
  const password = givenSecret({ label: 'password', envName: 'PARTY_POOL_PASSWORD', file: str(values, 'password-file') });
  const register = values.register === true;
  if (register && password === undefined) throw new PartyPoolError('USAGE', '--register needs the password: set PARTY_POOL_PASSWORD or use --password-file F.');
  const account = { password, register };
  if (values.gui === true) {
    // The passkey is typed in the page unless given (environment or file); an issued package opens its sealed file with it.
    const passkey = givenSecret({ label: 'passkey', envName: 'PARTY_POOL_PASSKEY', file: str(values, 'passkey-file') });
    const pin = packaged ? undefined : await resolvePin(values);
    const connect = async (key: string): Promise<{ pin: PinnedTarget; credentials: { passkey: string; packageId?: string } }> => {
      if (pin) return { pin, credentials: { passkey: key } };
      const opened = await openPackagedServer(packaged?.sealedText ?? '', key);
      return { pin: opened.pin, credentials: { passkey: key, packageId: opened.content.packageId } };
    };
    const { runGui } = await import('./gui/run-gui.js');
    return runGui({ connect, passkey, name: str(values, 'name'), account, json: values.json === true, open: values['no-open'] !== true });
  }
  if (packaged) {
    const { passkey, opened } = await openPackaged(packaged, str(values, 'passkey-file'), interactive);
    return runClient({ pin: opened.pin, credentials: { passkey, packageId: opened.content.packageId }, name: str(values, 'name'), json: values.json === true, interactive, account });
  }
  const pin = await resolvePin(values);
  const passkey = await resolveSecret({ label: 'passkey', envName: 'PARTY_POOL_PASSKEY', fileFlag: '--passkey-file', file: str(values, 'passkey-file'), interactive });
  return runClient({ pin, credentials: { passkey }, name: str(values, 'name'), json: values.json === true, interactive, account });
}

async function startRoot(values: Record<string, string | boolean | undefined>, packaged?: PackagedServer): Promise<ExitCodeValue> {
  const interactive = process.stdin.isTTY === true;
  const rootPasswordFrom = { label: 'root password', envName: 'PARTY_POOL_ROOT_PASSWORD', fileFlag: '--root-password-file', file: str(values, 'root-password-file'), interactive };
  if (packaged) {
    const { passkey, opened } = await openPackaged(packaged, str(values, 'passkey-file'), interactive);
    const rootPassword = await resolveSecret(rootPasswordFrom);
    return runRoot({ pin: opened.pin, credentials: { passkey, rootPassword, packageId: opened.content.packageId }, json: values.json === true, interactive });
  }
  const pin = await resolvePin(values);
  const passkey = await resolveSecret({ label: 'passkey', envName: 'PARTY_POOL_PASSKEY', fileFlag: '--passkey-file', file: str(values, 'passkey-file'), interactive });
  const rootPassword = await resolveSecret(rootPasswordFrom);
  return runRoot({ pin, credentials: { passkey, rootPassword }, json: values.json === true, interactive });
}

/**
 * Ask for the passkey and open an issued package's sealed server file with it. At a terminal a
 * wrong passkey may be typed again (three tries; each costs the slow KDF); otherwise it is exit 3.
 */
export async function openPackaged(packaged: PackagedServer, passkeyFile: string | undefined, interactive: boolean): Promise<{ passkey: string; opened: OpenedPackage }> {
  const fromPrompt = interactive && passkeyFile === undefined && !process.env.PARTY_POOL_PASSKEY;
  for (let attempt = 1; ; attempt++) {
    const passkey = await resolveSecret({ label: 'passkey', envName: 'PARTY_POOL_PASSKEY', fileFlag: '--passkey-file', file: passkeyFile, interactive });
    try {
      return { passkey, opened: await openPackagedServer(packaged.sealedText, passkey) };
    } catch (error) {
      if (!(fromPrompt && attempt < 3 && error instanceof PartyPoolError && error.code === 'AUTH_FAILED')) throw error;
      printError('Wrong passkey; try again.');
    }
  }
}

const menuActions: MenuActions = {
  startServer: () => startServer({}, true),
  loginAsRoot: () => startRoot({}),
  generatePackages: async () => (await import('./packaging/issue.js')).runPackageMenu(),
  loginAsClient: () => startClient({}),
};

async function dispatch(args: string[]): Promise<ExitCodeValue> {
  const [first, ...rest] = args;
  if (first === undefined) return runMenu(menuActions);
  if (first === '--version' || first === '-v' || first === 'version') {
    printLine(config.version);
    return ExitCode.ok;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    printLine(generalHelp());
    return ExitCode.ok;
  }
  const sub = Object.hasOwn(subcommands, first) ? subcommands[first] : undefined;
  if (!sub) throw new PartyPoolError('USAGE', `Unknown command "${first}". Run "party-pool --help" for the list.`);
  if (rest.includes('--version')) {
    printLine(config.version);
    return ExitCode.ok;
  }
  const values = parse(sub, rest);
  if (values.help === true) {
    printLine(`Usage: ${sub.usage}\n\n${sub.summary}\n${sub.details}`);
    return ExitCode.ok;
  }
  return sub.run(values);
}

/** Run the CLI and exit with its status; failures print one sentence (a stack with --debug). */
export function main(args: string[]): void {
  guardOutputStreams();
  finish(dispatch(args), { debug: args.includes('--debug') });
}

interface FinishOptions {
  debug: boolean;
  /** Before exiting on an error, wait for Enter (a double-clicked Windows program's window would vanish). */
  pauseOnError?: boolean;
}

function finish(run: Promise<ExitCodeValue>, options: FinishOptions): void {
  const exit = (code: ExitCodeValue): void => {
    process.exitCode = code;
    // Stray handles (a half-closed socket, stdin) must not keep a finished CLI alive.
    setTimeout(() => process.exit(code), 200).unref();
  };
  run.then(exit, async (error: unknown) => {
    const code = error instanceof PartyPoolError ? error.exitCode : ExitCode.runtime;
    if (!(error instanceof PartyPoolError && error.code === 'CANCELLED')) {
      printError(error instanceof Error ? error.message : String(error));
      if (options.debug && error instanceof Error && error.stack) printError(error.stack);
      if (options.pauseOnError && process.stdin.isTTY === true) await waitForEnter('Press Enter to close.');
    }
    exit(code);
  });
}

function waitForEnter(prompt: string): Promise<void> {
  return new Promise((resolve) => {
    printError(prompt);
    process.stdin.resume();
    process.stdin.once('data', () => resolve());
    process.stdin.once('end', () => resolve());
  });
}

/** Options an issued package accepts: its subcommand's, minus where the server is (the sealed file says). */
function packagedOptions(sub: Subcommand): Options {
  const options: Options = { ...sub.options, 'package-info': { type: 'boolean' }, version: { type: 'boolean' } };
  for (const key of ['server', 'fingerprint', 'data-dir']) Reflect.deleteProperty(options, key);
  return options;
}

function packagedDetails(kind: string, version: string): string {
  return [
    `Party Pool ${kind} v${version}. The server's address is sealed inside and opened with the passkey,`,
    'which comes from PARTY_POOL_PASSKEY, --passkey-file F, or a hidden prompt.',
    kind === 'root'
      ? 'The root password comes from PARTY_POOL_ROOT_PASSWORD, --root-password-file F, or a prompt.'
      : 'When stdin is not a terminal it runs in line mode: one message or /command per input line, one event per output line (--json: JSON).',
    '--package-info prints the package id, kind and version (no passkey needed); --version the version.',
    'Exit codes: 0 ok, 1 error, 2 usage, 3 refused (wrong passkey, revoked), 4 cannot connect or damaged package.',
  ].join('\n');
}

async function dispatchPackaged(readSealed: () => string, args: string[], program: string): Promise<ExitCodeValue> {
  if (args[0] === '--version' || args[0] === '-v') {
    printLine(config.version);
    return ExitCode.ok;
  }
  const sealedText = readSealed();
  const header = readPackageHeader(sealedText);
  const base = header.kind === 'root' ? subcommands.root : subcommands.client;
  if (!base) throw new PartyPoolError('USAGE', `This program does not know the package kind "${header.kind}".`);
  const options = packagedOptions(base);
  const flags = Object.keys(options)
    .filter((key) => !['help', 'debug', 'version', 'package-info'].includes(key))
    .map((key) => `[--${key}${options[key]?.type === 'string' ? ' ' + key.toUpperCase().replace(/-/g, '_') : ''}]`);
  const sub: Subcommand = { ...base, options, usage: `${program} ${flags.join(' ')}` };
  const values = parse(sub, args, `${program} --help`);
  if (values.version === true) {
    printLine(config.version);
    return ExitCode.ok;
  }
  if (values['package-info'] === true) {
    printLine(`package id: ${header.id}\nkind: ${header.kind}\nversion: ${header.version}`);
    return ExitCode.ok;
  }
  if (values.help === true) {
    printLine(`Usage: ${sub.usage}\n\n${packagedDetails(header.kind, header.version)}`);
    return ExitCode.ok;
  }
  return sub.run(values, { sealedText });
}

/**
 * The entry of an issued package: start straight into the client (or root) program, with the
 * server taken from the sealed file that `readSealed` returns (read lazily, so --version works
 * even without it).
 */
export function packagedMain(readSealed: () => string, args: string[], program: string, options: { pauseOnError: boolean }): void {
  guardOutputStreams();
  finish(dispatchPackaged(readSealed, args, program), { debug: args.includes('--debug'), pauseOnError: options.pauseOnError });
}
