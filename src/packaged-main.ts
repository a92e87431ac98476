// An issued program's command line: straight into the client (or root) program, with the server
// taken from the sealed file (opened with the passkey) instead of --server or server.json.
import { config } from '../config.js';
import { ExitCode, PartyPoolError, type ExitCodeValue } from './common/errors.js';
import type { Options, Values } from './cli/args.js';
import { onDesktop, titleWindow } from './cli/desktop.js';
import type { CliIo } from './cli/io.js';
import { Output, guardOutputStreams } from './cli/output.js';
import { box, colorFor } from './cli/style.js';
import { openPackagedServer, readPackageHeader } from './link/packaged-server.js';
import { parseSubcommand, settle, subcommands, type ServerLocation, type Subcommand } from './main.js';

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
    `On a desktop the ${kind === 'root' ? 'root console' : 'chat'} opens in your browser (this window keeps the connection);`,
    `--terminal keeps it in the terminal, --gui opens the browser anywhere, --no-open only prints the link.`,
    '--package-info prints the package id, kind and version (no passkey needed); --version the version.',
    'Exit codes: 0 ok, 1 error, 2 usage, 3 refused (wrong passkey, revoked), 4 cannot connect or damaged package.',
  ].join('\n');
}

/** The server of an issued package: its sealed file, which the passkey opens. */
function sealedLocation(sealedText: string): ServerLocation {
  return {
    open: async (passkey) => {
      const opened = await openPackagedServer(sealedText, passkey);
      return { pin: opened.pin, packageId: opened.content.packageId, ...(opened.packageKey ? { packageKey: opened.packageKey } : {}) };
    },
  };
}

async function dispatchPackaged(io: CliIo, readSealed: () => string, args: string[], program: string): Promise<ExitCodeValue> {
  const out = new Output(io);
  if (args[0] === '--version' || args[0] === '-v') {
    out.line(config.version);
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
  const values = parseSubcommand(sub, args, `${program} --help`);
  if (values.version === true) {
    out.line(config.version);
    return ExitCode.ok;
  }
  if (values['package-info'] === true) {
    out.line(`package id: ${header.id}\nkind: ${header.kind}\nversion: ${header.version}`);
    return ExitCode.ok;
  }
  if (values.help === true) {
    out.line(`Usage: ${sub.usage}\n\n${packagedDetails(header.kind, header.version)}`);
    return ExitCode.ok;
  }
  return sub.run(io, withDefaultInterface(io, values, header.kind), sealedLocation(sealedText));
}

/**
 * Issued programs open the browser by default on a desktop (cli/desktop.ts says what that is);
 * --terminal keeps the terminal, --json and line mode are unchanged. The window that stays open
 * says what it is and that closing it ends the session.
 */
export function withDefaultInterface(io: CliIo, values: Values, kind: string): Values {
  const browser = values.terminal !== true && (values.gui === true || (values.json !== true && onDesktop(io)));
  if (!browser) return values;
  const what = kind === 'root' ? 'Party Pool root console' : 'Party Pool chat';
  if (io.isTTY && values.json !== true) {
    titleWindow(io, `${what} — keep this window open`);
    const color = colorFor(io);
    new Output(io).line(
      box(
        `This window runs the ${kind === 'root' ? 'root console' : 'chat'}; it opens in your browser.\nKeep this window open while you use it: closing it ends the ${kind === 'root' ? 'session' : 'chat'}.`,
        what,
        color,
      ),
    );
  }
  return { ...values, gui: true };
}

/**
 * Run an issued program on `io` and resolve with its exit status. `readSealed` returns the sealed
 * server file's text (read lazily, so --version works even without it).
 */
export function packagedMain(io: CliIo, readSealed: () => string, args: string[], program: string, options: { pauseOnError: boolean }): Promise<ExitCodeValue> {
  guardOutputStreams([io.stdout, io.stderr]);
  return settle(io, dispatchPackaged(io, readSealed, args, program), { debug: args.includes('--debug'), pauseOnError: options.pauseOnError });
}
