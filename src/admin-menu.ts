// What the menu's entries do (npm start). Before any question each entry looks for what would
// make it fail later: a server already running from the data directory, a directory that cannot
// be written, a port in use or a host that is not this machine's, no server set up or running.
// Each problem is said in one sentence and its fix is offered right here in the menu (another
// port or directory, open the running server's console, go back), never as a command-line flag.
// Choices made here hold for the rest of this menu run and are handed to the entries the way
// flags would be. The server, the data directory and the package builder are loaded with
// import(): issued packages are bundled from main.ts, which loads this file.
import path from 'node:path';
import { ExitCode, PartyPoolError, type ExitCodeValue } from './common/errors.js';
import { checkListen, hostProblem, isLoopbackHost } from './common/network-info.js';
import type { ServerSettings } from './common/settings.js';
import type { Values } from './cli/args.js';
import { plainErrorText } from './cli/error-text.js';
import type { CliIo } from './cli/io.js';
import { runMenu } from './cli/menu.js';
import { Output } from './cli/output.js';
import { askChoice, askText } from './cli/prompts.js';
import { colorFor, makeChalk } from './cli/style.js';

/** How main.ts runs each program, given flag-like values. */
export interface MenuStarters {
  server: (io: CliIo, values: Values) => Promise<ExitCodeValue>;
  client: (io: CliIo, values: Values) => Promise<ExitCodeValue>;
  root: (io: CliIo, values: Values) => Promise<ExitCodeValue>;
  /** The server settings these values (and the environment, and the defaults) give. */
  settings: (values: Values) => ServerSettings;
}

/** What the admin chose in the menu for this run, as flags. */
type Choices = Partial<Record<'host' | 'port' | 'data-dir' | 'log-dir', string>>;

type Say = { line: (text: string) => void; problem: (text: string) => void; note: (text: string) => void };

function sayer(io: CliIo): Say {
  const c = makeChalk(colorFor(io));
  const out = new Output(io);
  return { line: (text) => out.line(text), problem: (text) => out.line(c.yellow(text)), note: (text) => out.line(c.dim(text)) };
}

/** Run the menu until Exit; every entry comes back to it. */
export function runAdminMenu(io: CliIo, starters: MenuStarters): Promise<ExitCodeValue> {
  const chosen: Choices = {};
  return runMenu(io, {
    startServer: () => startServerFromMenu(io, starters, chosen, false),
    startServerWithDashboard: () => startServerFromMenu(io, starters, chosen, true),
    generatePackages: () => generateFromMenu(io, starters, chosen),
    loginAsRoot: () => loginFromMenu(io, starters, chosen, 'root'),
    loginAsClient: () => loginFromMenu(io, starters, chosen, 'client'),
  });
}

/** A directory the server cannot use, as the sentence that says why; undefined when it is fine. */
async function directoryProblem(dir: string, purpose: string): Promise<string | undefined> {
  const { ensurePrivateDir } = await import('./data-dir/files.js');
  try {
    ensurePrivateDir(dir, purpose);
    return undefined;
  } catch (error) {
    return plainErrorText(error);
  }
}

/** Why the server cannot listen on host:port, in the menu's words (the fixes are offered below it). */
function listenProblem(host: string, port: number, code: string): { text: string; fix: 'port' | 'host' } {
  switch (code) {
    case 'EADDRINUSE':
      return { text: `Port ${port} is already in use by another program (another server?).`, fix: 'port' };
    case 'EACCES':
    case 'EPERM':
      return { text: `Port ${port} needs administrator rights (ports below 1024 do).`, fix: 'port' };
    case 'HOST_INVALID':
      return { text: `The server cannot listen on "${host}": ${hostProblem(host) ?? 'not a usable host'}.`, fix: 'host' };
    case 'EADDRNOTAVAIL':
      return { text: `The server cannot listen on ${host}: it is not an address of this machine.`, fix: 'host' };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return { text: `The server cannot listen on "${host}": there is no host by that name.`, fix: 'host' };
    default:
      return { text: `The server cannot listen on ${host}:${port} (${code}).`, fix: 'port' };
  }
}

/** Ask for a port until one is free here; the check runs as it is typed. */
async function askFreePort(io: CliIo, host: string): Promise<string> {
  const answer = await askText(io, 'Port (1024-65535):', {
    validate: async (text) => {
      const port = Number(text.trim());
      if (!/^\d{1,5}$/.test(text.trim()) || port < 1 || port > 65535) return 'A port is a whole number from 1 to 65535.';
      const check = await checkListen(host, port);
      return check.ok ? true : listenProblem(host, port, check.code).text;
    },
  });
  return answer.trim();
}

async function startServerFromMenu(io: CliIo, starters: MenuStarters, chosen: Choices, dashboard: boolean): Promise<ExitCodeValue> {
  const say = sayer(io);
  const { runningServerPid } = await import('./data-dir/server-info.js');
  for (;;) {
    const settings = starters.settings(chosen);
    const dirs = [
      { key: 'data-dir', dir: settings.dataDir, purpose: 'data directory' },
      { key: 'log-dir', dir: settings.logDir, purpose: 'log directory' },
    ] as const;
    let fixedDirectory = false;
    for (const { key, dir, purpose } of dirs) {
      const problem = await directoryProblem(dir, purpose);
      if (problem === undefined) continue;
      say.problem(problem);
      const next = await askChoice(io, `The server needs a ${purpose} it can write to.`, [
        { name: `Use another ${purpose}…`, value: 'other' },
        { name: 'Back to the menu', value: 'back' },
      ] as const);
      if (next === 'back') return ExitCode.ok;
      const answer = await askText(io, `Folder for the ${purpose} (created if missing):`, {
        validate: async (text) => (text.trim() === '' ? 'Type a folder.' : ((await directoryProblem(path.resolve(text.trim()), purpose)) ?? true)),
      });
      chosen[key] = path.resolve(answer.trim());
      say.note(`Using ${chosen[key]} for this menu run; to keep it, set PARTY_POOL_${key === 'data-dir' ? 'DATA_DIR' : 'LOG_DIR'}=${chosen[key]}.`);
      fixedDirectory = true;
      break;
    }
    // Look again from the top with the new directory.
    if (fixedDirectory) continue;
    const pid = runningServerPid(settings.dataDir);
    if (pid !== undefined) {
      say.problem(`A server is already running from ${settings.dataDir} (process ${pid}).`);
      const next = await askChoice(io, 'What would you like to do?', [
        { name: 'Open its root console (Login as Administrator)', value: 'root' },
        { name: 'Chat on it (Login as Client)', value: 'client' },
        { name: 'Back to the menu', value: 'back' },
      ] as const);
      return next === 'back' ? ExitCode.ok : loginFromMenu(io, starters, chosen, next);
    }
    const check = await checkListen(settings.host, settings.port);
    if (!check.ok) {
      const problem = listenProblem(settings.host, settings.port, check.code);
      say.problem(problem.text);
      if (problem.fix === 'port') {
        const next = await askChoice(io, 'Which port should the server use?', [
          { name: 'Another port…', value: 'other' },
          { name: 'Any free port (the system picks; it changes at every start, so packages would need rebuilding)', value: 'any' },
          { name: 'Back to the menu', value: 'back' },
        ] as const);
        if (next === 'back') return ExitCode.ok;
        chosen.port = next === 'any' ? '0' : await askFreePort(io, settings.host);
        if (chosen.port !== '0') say.note(`Using port ${chosen.port} for this menu run; to keep it, set PARTY_POOL_PORT=${chosen.port}.`);
      } else {
        const next = await askChoice(io, 'Where should the server listen?', [
          { name: 'Every network of this machine (0.0.0.0): friends can connect', value: '0.0.0.0' },
          { name: 'This machine only (127.0.0.1): for trying it out', value: '127.0.0.1' },
          { name: 'Back to the menu', value: 'back' },
        ] as const);
        if (next === 'back') return ExitCode.ok;
        chosen.host = next;
        say.note(`Listening on ${next} for this menu run; to keep it, set PARTY_POOL_HOST=${next}.`);
      }
      continue;
    }
    if (isLoopbackHost(settings.host)) say.note(`The server will listen on ${settings.host}: only this machine can connect.`);
    return starters.server(io, dashboard ? { ...chosen, dashboard: true } : chosen);
  }
}

async function loginFromMenu(io: CliIo, starters: MenuStarters, chosen: Choices, kind: 'root' | 'client'): Promise<ExitCodeValue> {
  const say = sayer(io);
  const settings = starters.settings(chosen);
  const [{ readServerInfo }, { processAlive }] = await Promise.all([import('./data-dir/server-info.js'), import('./common/processes.js')]);
  const read = readServerInfo(settings.dataDir);
  const entry = kind === 'root' ? 'Login as Administrator (Root)' : 'Login as Client';
  if (read.state === 'missing' || (read.state === 'running' && !processAlive(read.info.pid))) {
    say.problem(`No server is running from ${settings.dataDir}.`);
    say.line(`Start it first: choose Start Server in another terminal window (the server keeps that window for its log), then come back here and choose ${entry}.`);
    return ExitCode.ok;
  }
  if (read.state === 'damaged') {
    say.problem(`${read.file} is damaged. Stop the server and start it again, then choose ${entry}.`);
    return ExitCode.ok;
  }
  return kind === 'root' ? starters.root(io, { 'data-dir': settings.dataDir }) : starters.client(io, { 'data-dir': settings.dataDir });
}

async function generateFromMenu(io: CliIo, starters: MenuStarters, chosen: Choices): Promise<ExitCodeValue> {
  const say = sayer(io);
  const settings = starters.settings(chosen);
  const [{ AUTH_FILE }, { readTextIfExists }] = await Promise.all([import('./data-dir/auth-keys.js'), import('./data-dir/files.js')]);
  let setUp: boolean;
  try {
    setUp = readTextIfExists(path.join(settings.dataDir, AUTH_FILE)) !== undefined;
  } catch {
    setUp = false;
  }
  if (!setUp) {
    say.problem(`No server has been set up in ${settings.dataDir} yet.`);
    say.line("Choose Start Server once first: it creates the server's identity and passkey, which every package needs.");
    return ExitCode.ok;
  }
  const { runPackageMenu } = await import('./packaging/issue.js');
  try {
    return await runPackageMenu(io, settings);
  } catch (error) {
    // Building needs the server's files; anything else is reported by the menu as it is.
    if (error instanceof PartyPoolError && error.code === 'SERVER_NOT_SET_UP') throw new PartyPoolError('SERVER_NOT_SET_UP', `The server in ${settings.dataDir} is not set up completely: choose Start Server once.`);
    throw error;
  }
}
