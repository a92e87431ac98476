// `party-pool client`: log in and chat, either on the interactive screen (stdin is a TTY) or
// in line mode (one input line per message, one output line per event, optionally JSON).
import { ExitCode, PartyPoolError, exitCodeForClose, type ExitCodeValue } from '../common/errors.js';
import { parseInputLine } from '../link/input-line.js';
import { checkName } from '../protocol/names.js';
import type { ServerMessage } from '../protocol/messages.js';
import { ChatScreen } from '../cli/chat-screen.js';
import type { CliIo } from '../cli/io.js';
import { secondsText } from '../cli/error-text.js';
import { Output } from '../cli/output.js';
import { askSecret, askText, type PromptIo } from '../cli/prompts.js';
import { jsonDirectEvent, jsonEvent, renderDirectEvent, renderEvent, todayKey, type RenderOptions } from '../cli/render.js';
import { colorFor, makeChalk } from '../cli/style.js';
import { ErrorCodes } from '../common/errors.js';
import { config } from '../../config.js';
import { checkPassword } from '../protocol/passwords.js';
import { quoteWords, splitWords } from '../protocol/words.js';
import { ChatClient, startAtTerminal } from '../link/chat-client.js';
import { runInputLines } from '../link/line-mode.js';
import type { AccountProof, Credentials } from '../link/login.js';
import type { PinnedTarget } from '../link/pin.js';
import { Profile, type ProfileLocation } from '../link/profile.js';
import type { DirectOptions } from '../link/direct-chat.js';
import type { ServerRefusal } from '../link/server-link.js';
import { SendPacer } from '../link/send-pacer.js';
import { jsonNotice, jsonProgress, progressLine, renderNotice, withLocalFileCommands, type TransferView } from '../cli/file-view.js';
import { parseFileCommand } from '../link/file-commands.js';
import { FileTransfers } from '../link/file-transfers.js';
import { defaultDownloadsDir } from '../link/local-files.js';
import { FILES_PROTOCOL_VERSION } from '../protocol/files.js';

/** Lines typed while the connection is down, kept to send once it is back. */
const MAX_QUEUED_LINES = 50;

export interface ClientRunOptions {
  pin: PinnedTarget;
  credentials: Credentials;
  name: string | undefined;
  json: boolean;
  interactive: boolean;
  /** The account password from PARTY_POOL_PASSWORD or --password-file, and whether to register the name with it. */
  account?: { password: string | undefined; register: boolean };
  /** The per-user profile for direct messages (--profile-dir, PARTY_POOL_PROFILE_DIR or the OS default). */
  profile?: ProfileLocation;
}

/**
 * Open the profile that holds this device's keys and conversations. One chosen on purpose
 * (--profile-dir, PARTY_POOL_PROFILE_DIR) must work; the OS default failing only turns direct
 * messages off, with one sentence, so chat still works on a locked-down computer.
 */
function openProfile(location: ProfileLocation | undefined, say: (text: string) => void): DirectOptions | undefined {
  if (!location) return undefined;
  try {
    return { profile: Profile.open(location.dir, { notice: say }) };
  } catch (error) {
    if (!(error instanceof PartyPoolError) || location.source !== 'default') throw error;
    say(`${error.message} Direct messages are off (choose a profile folder with --profile-dir).`);
    return undefined;
  }
}

function validateName(value: string): true | string {
  const problem = checkName(value.trim());
  return problem ? ErrorCodes[problem].message : true;
}

/** Run the client until the session ends, on the run's streams; resolves with the exit status. */
export async function runClient(io: CliIo, options: ClientRunOptions): Promise<ExitCodeValue> {
  return options.interactive ? runInteractive(io, options) : runLineMode(io, options);
}

function validatePassword(value: string): true | string {
  return checkPassword(value, config.accounts.passwordMinLength, config.accounts.passwordMaxLength) ? ErrorCodes.PASSWORD_INVALID.message : true;
}

/** Ask for a new password twice (hidden); undefined when the two differ. */
async function askNewPassword(io: PromptIo, label: string): Promise<string | undefined> {
  const first = await askSecret(io, label, validatePassword);
  const again = await askSecret(io, 'Type it again:');
  return first === again ? first : undefined;
}

/** The hidden prompts behind a login that needs a password (or a new one, to register). */
async function askLoginPassword(io: PromptIo, name: string, refusal: ServerRefusal, say: (text: string) => void): Promise<AccountProof | undefined> {
  if (refusal.serverCode === 'PASSWORD_REQUIRED') return { password: await askSecret(io, `Password for ${name}:`) };
  say(refusal.message);
  for (;;) {
    const password = await askNewPassword(io, `Choose a password for ${name} (at least ${config.accounts.passwordMinLength} characters):`);
    if (password !== undefined) return { password, register: true };
    say('The two passwords differ; try again.');
  }
}

function promptFor(client: ChatClient): string {
  return `[${client.rooms.current}] ${client.name}> `;
}

async function runInteractive(io: CliIo, options: ClientRunOptions): Promise<ExitCodeValue> {
  const out = new Output(io);
  const color = colorFor(io);
  const render: RenderOptions = { chalk: makeChalk(color), color, boxes: true, days: { today: todayKey } };
  // Ask before connecting: the server gives each login attempt a limited window.
  const firstName = options.name ?? (await askText(io, 'Your name:', { validate: validateName })).trim();
  const chooseName = async (refusal?: ServerRefusal): Promise<string | undefined> => {
    if (!refusal) return firstName;
    out.line(render.chalk.red(`${refusal.message} Try another name.`));
    return (await askText(io, 'Your name:', { validate: validateName })).trim();
  };
  // Profile notices (tightened permissions) wait for the chat screen.
  const notices: { print?: (text: string) => void; queued: string[] } = { queued: [] };
  const direct = openProfile(options.profile, (text) => (notices.print ? notices.print(text) : notices.queued.push(text)));
  const client = new ChatClient({
    pin: options.pin,
    credentials: options.credentials,
    role: 'user',
    chooseName,
    reconnect: true,
    retryFirstConnect: true,
    account: {
      password: options.account?.password,
      register: options.account?.register ?? false,
      ask: (name, refusal) => askLoginPassword(io, name, refusal, (text) => out.line(render.chalk.yellow(text))),
    },
    ...(direct ? { direct } : {}),
  });
  out.line(render.chalk.dim('Connecting…'));
  // Errors raised while logging in (a profile in use, a refused device) wait for the screen.
  const early: ServerMessage[] = [];
  const keepEarly = (message: ServerMessage): number => early.push(message);
  client.on('message', keepEarly);
  const welcome = await startAtTerminal(client, (text) => out.line(render.chalk.yellow(text))).finally(() => client.off('message', keepEarly));
  const screen = new ChatScreen({ input: io.stdin, output: io.stdout, prompt: promptFor(client) });
  const print = (text: string): void => screen.print(render.chalk.yellow(text));
  notices.print = print;
  for (const text of notices.queued.splice(0)) print(text);
  // Files: progress bars above the prompt, a line when each transfer ends. Downloads go to the OS's Downloads folder.
  const transfers = new FileTransfers(client, { downloadsDir: defaultDownloadsDir({ env: io.env }), lingerMs: 1500, direct: client.directFiles });
  transfers.on('progress', (views) => screen.setStatus(views.map((view) => progressLine(view, render.chalk, screen.columns - 1))));
  transfers.on('notice', (notice) => screen.print(renderNotice(notice, render.chalk)));
  let byeShown = false;
  let synced = false;
  const show = (shown: ServerMessage): void => {
    render.currentRoom = client.rooms.current;
    // /send and /get are this program's: /help lists them beside the server's /files.
    const message = shown.type === 'help' ? withLocalFileCommands(shown) : shown;
    const text = renderEvent(message, render);
    if (text !== undefined) screen.print(text);
    if (message.type === 'bye' && text !== undefined) byeShown = true;
    if (message.type === 'synced' && !synced) {
      synced = true;
      if (!message.registered) screen.print(render.chalk.dim('Your name is not registered: /register protects it with a password.'));
    }
  };
  const notSent = (): void => screen.print(render.chalk.yellow('Not connected right now; nothing changed.'));
  /**
   * Is `old` the current password? Asked of the server before the new one is typed (a server from
   * before this check answers MISSING_ARGUMENT: then the change itself checks it).
   */
  const currentPasswordOk = async (old: string): Promise<boolean> => {
    let refusal: string | undefined;
    const answered = await client.command('password', quoteWords([old]), (reply) => {
      if (reply.type === 'error' && reply.code !== 'MISSING_ARGUMENT') refusal = reply.message;
    });
    // A refusal is shown like any other error reply (once the prompt is gone).
    if (!answered) notSent();
    return answered && refusal === undefined;
  };
  /** `/register` and `/password` typed without arguments ask at hidden prompts instead. */
  const askAndSend = async (name: 'register' | 'password'): Promise<void> => {
    // Known before asking anything: do not make someone type a password twice for nothing.
    if (name === 'register' && client.rooms.registered) return screen.print(render.chalk.yellow(`${client.name} is already registered; /password changes the password.`));
    if (name === 'password' && !client.rooms.registered) return screen.print(render.chalk.yellow('Your name is not registered; /register sets a password.'));
    try {
      await screen.suspendFor(async () => {
        if (name === 'register') {
          const password = await askNewPassword(io, `New password for ${client.name}:`);
          if (password === undefined) out.line(render.chalk.red('The two passwords differ; nothing changed.'));
          else client.register(password).catch(notSent);
        } else {
          const old = await askSecret(io, 'Current password:');
          if (!(await currentPasswordOk(old))) return;
          const password = await askNewPassword(io, 'New password:');
          if (password === undefined) out.line(render.chalk.red('The two passwords differ; nothing changed.'));
          else client.changePassword(old, password).catch(notSent);
        }
      });
    } catch (error) {
      screen.print(error instanceof PartyPoolError && error.code === 'CANCELLED' ? render.chalk.dim('Cancelled.') : render.chalk.red(error instanceof Error ? error.message : String(error)));
    }
  };
  /** A line as typed, sent now (connected) or when the connection is back. */
  const send = (input: ReturnType<typeof parseInputLine>): void => {
    if (input.kind === 'empty') return;
    if (input.kind === 'say') void client.say(input.text);
    else if (input.name === 'send' || input.name === 'get') {
      const started = startTransfer(client, transfers, input.name, input.args);
      if (typeof started === 'string') screen.print(render.chalk.yellow(started));
    } else if ((input.name === 'register' || input.name === 'password') && input.args.trim() !== '') {
      // Typed with the password on the line: it was taken off the screen; send it as typed.
      const words = splitWords(input.args);
      if (input.name === 'register' && words?.length === 1 && words[0]) client.register(words[0]).catch(notSent);
      else if (input.name === 'password' && words?.length === 2 && words[0] && words[1]) client.changePassword(words[0], words[1]).catch(notSent);
      else screen.print(render.chalk.yellow(`Type /${input.name} alone: the password is then asked without showing it. Nothing was sent.`));
    } else if ((input.name === 'register' || input.name === 'password') && client.protocol >= 2) void askAndSend(input.name);
    else void client.command(input.name, input.args);
  };
  const queued: ReturnType<typeof parseInputLine>[] = [];
  show(welcome);
  for (const message of early) show(message);
  client.on('direct', (event) => screen.print(renderDirectEvent(event, render)));
  return new Promise<ExitCodeValue>((resolve) => {
    let finished = false;
    const finish = (code: ExitCodeValue): void => {
      if (finished) return;
      finished = true;
      transfers.close();
      screen.close();
      resolve(code);
    };
    client.on('message', show);
    client.on('invalid', (detail) => screen.print(render.chalk.red(`! ${detail}`)));
    client.on('disconnected', ({ reason, retryInMs, attempt }) => {
      const wait = secondsText(retryInMs ?? 0);
      // The first time says what happens to typed lines; later tries only why and when.
      screen.print(render.chalk.yellow(attempt === 1 ? `${reason} Reconnecting in ${wait}; lines you type meanwhile are sent once it is back; /exit leaves.` : `${reason} Retrying in ${wait} — /exit leaves.`));
    });
    client.on('reconnected', (again) => {
      screen.setPrompt(promptFor(client));
      screen.print(render.chalk.green(`Reconnected as ${again.name}.${queued.length > 0 ? ` Sending the ${queued.length === 1 ? 'line' : `${queued.length} lines`} typed meanwhile.` : ''}`));
      for (const input of queued.splice(0)) send(input);
    });
    client.on('status', () => screen.setPrompt(promptFor(client)));
    client.on('closed', ({ code, message }) => {
      finish(exitCodeForClose(code));
      if (code !== 'LEFT' && !byeShown) out.error(message);
    });
    screen.start(
      (line) => {
        const input = parseInputLine(line);
        if (input.kind === 'empty') return;
        if (input.kind === 'command' && (input.name === 'register' || input.name === 'password') && input.args.trim() !== '') {
          // A password typed on the line must not stay on the screen or one Up-arrow away.
          screen.scrub(line);
          screen.print(render.chalk.dim(`/${input.name} ******** (the password was taken off the screen and out of the line history)`));
        }
        // Leaving works even while the connection is down (and the client is waiting to retry).
        if (input.kind === 'command' && (input.name === 'exit' || input.name === 'quit') && !client.connected) {
          client.stop();
          finish(ExitCode.ok);
          return;
        }
        if (!client.connected) {
          if (queued.length >= MAX_QUEUED_LINES) return screen.print(render.chalk.yellow(`Already ${MAX_QUEUED_LINES} lines are waiting to be sent; that one was not kept.`));
          queued.push(input);
          screen.print(render.chalk.dim(`(waiting to send: ${queued.length} line${queued.length === 1 ? '' : 's'})`));
          return;
        }
        send(input);
      },
      () => {
        client.stop();
        finish(ExitCode.cancelled);
      },
    );
  });
}

async function runLineMode(io: CliIo, options: ClientRunOptions): Promise<ExitCodeValue> {
  const out = new Output(io);
  const color = colorFor(io);
  const render: RenderOptions = { chalk: makeChalk(color), color, boxes: false, days: { today: todayKey } };
  if (options.name === undefined) throw new PartyPoolError('USAGE', 'Line mode needs --name NAME (stdin is not a terminal).');
  const name = options.name;
  const nameProblem = checkName(name);
  if (nameProblem) throw new PartyPoolError('USAGE', `--name "${name.slice(0, 40)}": ${ErrorCodes[nameProblem].message}`);
  const chooseName = (refusal?: ServerRefusal): Promise<string | undefined> => Promise.resolve(refusal ? undefined : name);
  // Notices about the profile go to stderr: stdout stays one event per line.
  const direct = openProfile(options.profile, (text) => out.error(text));
  const client = new ChatClient({
    pin: options.pin,
    credentials: options.credentials,
    role: 'user',
    chooseName,
    reconnect: false,
    account: { password: options.account?.password, register: options.account?.register ?? false },
    ...(direct ? { direct } : {}),
  });
  const show = (shown: ServerMessage): void => {
    render.currentRoom = client.rooms.current;
    const message = shown.type === 'help' ? withLocalFileCommands(shown) : shown;
    if (options.json) {
      const event = jsonEvent(message);
      if (event) out.json(event);
    } else {
      const text = renderEvent(message, render);
      if (text !== undefined) out.line(text);
    }
  };
  let welcome: Awaited<ReturnType<ChatClient['start']>>;
  // Errors raised while logging in (a profile in use, a refused device) come after the welcome.
  const early: ServerMessage[] = [];
  const keepEarly = (message: ServerMessage): number => early.push(message);
  client.on('message', keepEarly);
  try {
    welcome = await client.start();
  } catch (error) {
    // Line mode cannot ask: say where the password comes from.
    if (error instanceof PartyPoolError && (error.code === 'PASSWORD_REQUIRED' || error.code === 'REGISTRATION_REQUIRED')) {
      throw new PartyPoolError(error.code, `${error.message} Give the password with PARTY_POOL_PASSWORD or --password-file F${error.code === 'REGISTRATION_REQUIRED' ? ', and add --register' : ''}.`);
    }
    throw error;
  }
  client.off('message', keepEarly);
  show(welcome);
  for (const message of early) show(message);
  client.on('message', show);
  client.on('direct', (event) => (options.json ? out.json(jsonDirectEvent(event)) : out.line(renderDirectEvent(event, render))));
  client.on('invalid', (detail) => out.error(detail));
  // Files: line mode saves into the current directory; --json reports progress at most once a second.
  const transfers = new FileTransfers(client, { downloadsDir: process.cwd(), direct: client.directFiles });
  transfers.on('notice', (notice) => {
    if (!options.json) return out.line(renderNotice(notice, render.chalk));
    const event = jsonNotice(notice);
    if (event) out.json(event);
  });
  if (options.json) {
    const reported = new Map<number, number>();
    transfers.on('progress', (views: TransferView[]) => {
      const now = Date.now();
      for (const view of views) {
        if ((view.phase !== 'sending' && view.phase !== 'receiving') || now - (reported.get(view.key) ?? now) < 1000) {
          if (!reported.has(view.key)) reported.set(view.key, now);
          continue;
        }
        reported.set(view.key, now);
        out.json(jsonProgress(view));
      }
    });
  }
  // Piped input arrives all at once: send it no faster than the server's announced rates.
  const pacer = new SendPacer(welcome.limits);
  const paced = (kind: 'say' | 'command', send: () => Promise<boolean>): Promise<boolean> => pacer.schedule(kind, () => (client.connected ? send() : false));
  const code = await runInputLines(
    client,
    { input: io.stdin, reportError: (text) => out.error(text) },
    (line, onReply) => {
      const input = parseInputLine(line);
      if (input.kind === 'empty') return undefined;
      if (input.kind === 'say') return { answer: paced('say', () => client.say(input.text, onReply)), last: false, label: 'a chat line' };
      if (input.name === 'send' || input.name === 'get') {
        // An offer is one request; a download two (what the file is, then its bytes).
        const tokens = input.name === 'get' ? paced('command', () => Promise.resolve(true)) : Promise.resolve(true);
        const answer = tokens.then(() =>
          paced('command', () => {
            const started = startTransfer(client, transfers, input.name === 'send' ? 'send' : 'get', input.args);
            if (typeof started !== 'string') return started;
            if (options.json) out.json({ type: 'error', code: 'USAGE', message: started });
            else out.error(started);
            return Promise.resolve(true);
          }),
        );
        return { answer, last: false, label: `/${input.name}` };
      }
      // A direct message draws on the chat-line rate, like a line in a room.
      const kind = input.name === 'msg' || input.name === 'dm' ? 'say' : 'command';
      return { answer: paced(kind, () => client.command(input.name, input.args, onReply)), last: input.name === 'exit', label: `/${input.name.slice(0, 24)}` };
    },
    'confirmed every message',
    // Before leaving: everything sent, the login's stored direct messages handled, and transfers
    // done (they take as long as they take: the wait for the last answers starts after them).
    async () => {
      await pacer.idle();
      await client.settled();
      await transfers.idle();
    },
  );
  transfers.close();
  return code;
}

/** `/send` or `/get` as typed: the transfer's answer, or why it did not start (a sentence to show). */
function startTransfer(client: ChatClient, transfers: FileTransfers, name: 'send' | 'get', args: string): Promise<boolean> | string {
  if (client.protocol < FILES_PROTOCOL_VERSION) return 'This server does not take files (it needs a newer server, protocol 3).';
  const command = parseFileCommand(name, args);
  if (command.kind === 'usage') return command.message;
  if (command.kind === 'get') return transfers.get(command.id, command.dir);
  return transfers.send(command.path, command.to === undefined ? { room: client.rooms.current } : { to: command.to });
}
