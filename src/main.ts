// The command line: the menu and subcommand dispatch. The only place that reads argv,
// catches the top-level error and sets the exit code.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { config } from '../config.js';
import { ExitCode, PartyPoolError, type ExitCodeValue } from './common/errors.js';
import { serverInfoFileName } from './common/paths.js';
import { resolveServerSettings } from './common/settings.js';
import { isFingerprint } from './crypto/fingerprint.js';
import { printError, printLine } from './cli/output.js';
import { givenSecret, resolveSecret } from './cli/secrets.js';
import { runMenu, type MenuActions } from './cli/menu.js';
import { parseTarget, type PinnedTarget } from './client/connection.js';
import { runClient } from './client/run-client.js';
import { runServer } from './server/run-server.js';
import { AUTH_FILE } from './server/auth-keys.js';

type Options = NonNullable<ParseArgsConfig['options']>;

interface Subcommand {
  summary: string;
  usage: string;
  options: Options;
  details: string;
  run: (values: Record<string, string | boolean | undefined>) => Promise<ExitCodeValue>;
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
    usage: 'party-pool client [--server HOST:PORT --fingerprint FP | --data-dir D] [--name NAME] [--json] [--passkey-file F] [--password-file F] [--register]',
    details: [
      'With --data-dir (default: the local server\'s data dir) the address and fingerprint are read',
      'from server.json. The passkey comes from PARTY_POOL_PASSKEY, --passkey-file F, or a prompt.',
      'When stdin is not a terminal it runs in line mode: one message or /command per input line,',
      'one event per output line (--json: one JSON object per line); it exits 0 once the server',
      'has confirmed everything sent. Exit codes: 0 ok, 1 error, 2 usage, 3 refused, 4 cannot connect.',
      'A registered name needs its password: PARTY_POOL_PASSWORD, --password-file F, or a hidden prompt.',
      '--register registers the name with that password at login (servers that require registration).',
    ].join('\n'),
    options: { ...common, ...connectionOptions, name: { type: 'string' }, 'password-file': { type: 'string' }, register: { type: 'boolean' } },
    run: (values) => startClient(values),
  },
  root: {
    summary: 'Open the root console (not available yet).',
    usage: 'party-pool root [--server HOST:PORT --fingerprint FP | --data-dir D]',
    details: 'The root console arrives with the root administration feature.',
    options: { ...common, ...connectionOptions, 'root-password-file': { type: 'string' } },
    run: () => Promise.reject(new PartyPoolError('USAGE', 'The root console is not available in this version yet.')),
  },
  package: {
    summary: 'Build client and root packages (not available yet).',
    usage: 'party-pool package --kind client|root|both --platform windows|linux|macos|all',
    details: 'Distribution packages arrive with the packaging feature.',
    options: { ...common },
    run: () => Promise.reject(new PartyPoolError('USAGE', 'Generating packages is not available in this version yet.')),
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

function parse(sub: Subcommand, args: string[]): Record<string, string | boolean | undefined> {
  try {
    return parseArgs({ args, options: sub.options, allowPositionals: false, strict: true }).values as Record<string, string | boolean | undefined>;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const secretHint = /--(passkey|root-password|password)\b/.test(args.join(' ')) ? ' Secrets are never taken as arguments: use the environment variable or a --*-file option.' : '';
    throw new PartyPoolError('USAGE', `${message.split('\n')[0] ?? message}${secretHint} See "${sub.usage.split(' ').slice(0, 2).join(' ')} --help".`);
  }
}

function str(values: Record<string, string | boolean | undefined>, key: string): string | undefined {
  const value = values[key];
  return typeof value === 'string' ? value : undefined;
}

async function startServer(values: Record<string, string | boolean | undefined>, interactive: boolean): Promise<ExitCodeValue> {
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
function localServerPin(dataDir: string): PinnedTarget {
  const file = path.join(dataDir, serverInfoFileName);
  let info: unknown;
  try {
    info = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  } catch {
    throw new PartyPoolError('NO_SERVER_INFO', `No running server found (${file} is missing). Start the server first, or pass --server HOST:PORT --fingerprint FP.`);
  }
  const field = (key: string): unknown => (typeof info === 'object' && info !== null ? (Reflect.get(info, key) as unknown) : undefined);
  const host = field('host');
  const port = field('port');
  const fingerprint = field('fingerprint');
  if (typeof host !== 'string' || typeof port !== 'number' || typeof fingerprint !== 'string') {
    throw new PartyPoolError('NO_SERVER_INFO', `${file} is damaged; restart the server.`);
  }
  // A server listening on every interface is reached locally over loopback.
  const connectHost = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return { targets: [{ host: connectHost, port }], fingerprints: [fingerprint] };
}

export function resolvePin(values: Record<string, string | boolean | undefined>): PinnedTarget {
  const server = str(values, 'server');
  const fingerprint = str(values, 'fingerprint');
  if (server !== undefined || fingerprint !== undefined) {
    if (server === undefined || fingerprint === undefined) throw new PartyPoolError('USAGE', '--server and --fingerprint go together: the fingerprint is how the client knows it reached the real server.');
    if (!isFingerprint(fingerprint)) throw new PartyPoolError('USAGE', `"${fingerprint}" is not a fingerprint; it looks like SHA256:<43 characters>, as the server's status panel shows.`);
    return { targets: [parseTarget(server)], fingerprints: [fingerprint] };
  }
  return localServerPin(resolveServerSettings({ 'data-dir': str(values, 'data-dir') }).dataDir);
}

async function startClient(values: Record<string, string | boolean | undefined>): Promise<ExitCodeValue> {
  const pin = resolvePin(values);
  const interactive = process.stdin.isTTY === true;
  const passkey = await resolveSecret({ label: 'passkey', envName: 'PARTY_POOL_PASSKEY', fileFlag: '--passkey-file', file: str(values, 'passkey-file'), interactive });
  // The account password is optional: guests need none, and a terminal asks when the server does.
  const password = givenSecret({ label: 'password', envName: 'PARTY_POOL_PASSWORD', file: str(values, 'password-file') });
  const register = values.register === true;
  if (register && password === undefined) throw new PartyPoolError('USAGE', '--register needs the password: set PARTY_POOL_PASSWORD or use --password-file F.');
  return runClient({ pin, credentials: { passkey }, name: str(values, 'name'), json: values.json === true, interactive, account: { password, register } });
}

const menuActions: MenuActions = {
  startServer: () => startServer({}, true),
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
  const debug = args.includes('--debug');
  dispatch(args).then(
    (code) => {
      process.exitCode = code;
      // Stray handles (a half-closed socket, stdin) must not keep a finished CLI alive.
      setTimeout(() => process.exit(code), 200).unref();
    },
    (error: unknown) => {
      const code = error instanceof PartyPoolError ? error.exitCode : ExitCode.runtime;
      if (!(error instanceof PartyPoolError && error.code === 'CANCELLED')) {
        printError(error instanceof Error ? error.message : String(error));
        if (debug && error instanceof Error && error.stack) printError(error.stack);
      }
      process.exitCode = code;
      setTimeout(() => process.exit(code), 200).unref();
    },
  );
}
