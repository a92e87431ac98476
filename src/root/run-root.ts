// `party-pool root` and the menu's Login as Administrator: a root session on the chat screen
// (stdin is a TTY) or in line mode (one command per input line, one event per output line,
// optionally JSON). Commands run on the server; this is only their console.
import { ExitCode, exitCodeForClose, type ExitCodeValue } from '../common/errors.js';
import type { ServerMessage } from '../protocol/messages.js';
import { ChatScreen } from '../cli/chat-screen.js';
import type { CliIo } from '../cli/io.js';
import { Output } from '../cli/output.js';
import { jsonEvent, renderEvent, type RenderOptions } from '../cli/render.js';
import { sanitizeForTerminal } from '../cli/sanitize.js';
import { colorFor, makeChalk } from '../cli/style.js';
import { secondsText } from '../cli/error-text.js';
import { ChatClient, startAtTerminal } from '../link/chat-client.js';
import type { ReplyEffect } from '../link/request-tracker.js';
import { runInputLines } from '../link/line-mode.js';
import type { Credentials, Welcome } from '../link/login.js';
import type { PinnedTarget } from '../link/pin.js';

export interface RootRunOptions {
  pin: PinnedTarget;
  credentials: Credentials & { rootPassword: string };
  json: boolean;
  interactive: boolean;
}

export const ROOT_PROMPT = 'root> ';

/** One console line as a command: "ban -u bob 2h" -> ban, "-u bob 2h". A leading "/" is forgiven. */
export function parseRootLine(line: string): { name: string; args: string } | undefined {
  const match = /^\s*\/?(\S+)\s*([\s\S]*)$/.exec(line);
  if (!match?.[1]) return undefined;
  return { name: match[1].toLowerCase().slice(0, 32), args: match[2]?.trimEnd() ?? '' };
}

/** Chat lines are the members' conversation, not the console's business: only server events show. */
function shownToRoot(message: ServerMessage): boolean {
  return message.type !== 'message';
}

function newClient(options: RootRunOptions, reconnect: boolean): ChatClient {
  // The server names a root session "root#<id>" itself; the name sent only enters the proof.
  const chooseName = (refusal?: unknown): Promise<string | undefined> => Promise.resolve(refusal ? undefined : 'root');
  return new ChatClient({ pin: options.pin, credentials: options.credentials, role: 'root', chooseName, reconnect, retryFirstConnect: reconnect });
}

/**
 * Send a console command. A close-server this console gave, once accepted, means the server's
 * goodbye ends the console instead of a reconnect; a cancel-shutdown undoes that.
 */
function sendCommand(client: ChatClient, command: { name: string; args: string }, onReply?: ReplyEffect): Promise<boolean> {
  return client.command(command.name, command.args, (reply) => {
    if (reply.type !== 'error' && command.name === 'close-server') client.expectShutdown(true);
    if (reply.type !== 'error' && command.name === 'cancel-shutdown') client.expectShutdown(false);
    onReply?.(reply);
  });
}

function welcomeLine(welcome: Welcome): string {
  return `Logged in as ${sanitizeForTerminal(welcome.name)}; ${welcome.online} user${welcome.online === 1 ? '' : 's'} online. Type help for the commands, exit to leave.`;
}

/** Run the root console until the session ends, on the run's streams; resolves with the exit status. */
export async function runRoot(io: CliIo, options: RootRunOptions): Promise<ExitCodeValue> {
  return options.interactive ? runInteractive(io, options) : runLineMode(io, options);
}

async function runInteractive(io: CliIo, options: RootRunOptions): Promise<ExitCodeValue> {
  const out = new Output(io);
  const color = colorFor(io);
  const render: RenderOptions = { chalk: makeChalk(color), color, boxes: true };
  const client = newClient(options, true);
  out.line(render.chalk.dim('Connecting…'));
  const welcome = await startAtTerminal(client, (text) => out.line(render.chalk.yellow(text)));
  const screen = new ChatScreen({ input: io.stdin, output: io.stdout, prompt: ROOT_PROMPT });
  screen.print(render.chalk.green(welcomeLine(welcome)));
  let byeShown = false;
  return new Promise<ExitCodeValue>((resolve) => {
    let finished = false;
    const finish = (code: ExitCodeValue): void => {
      if (finished) return;
      finished = true;
      screen.close();
      resolve(code);
    };
    client.on('message', (message) => {
      if (!shownToRoot(message)) return;
      const text = renderEvent(message, render);
      if (text === undefined) return;
      screen.print(text);
      if (message.type === 'bye') byeShown = true;
    });
    client.on('invalid', (detail) => screen.print(render.chalk.red(`! ${detail}`)));
    client.on('disconnected', ({ reason, retryInMs }) => screen.print(render.chalk.yellow(`${reason} Reconnecting in ${secondsText(retryInMs ?? 0)}; exit leaves.`)));
    client.on('reconnected', (again) => screen.print(render.chalk.green(`Reconnected. ${welcomeLine(again)}`)));
    client.on('closed', ({ code, message }) => {
      finish(exitCodeForClose(code));
      if (code !== 'LEFT' && !byeShown) out.error(message);
    });
    screen.start(
      (line) => {
        const command = parseRootLine(line);
        if (!command) return;
        if (command.name === 'exit' && !client.connected) {
          client.stop();
          finish(ExitCode.ok);
          return;
        }
        if (!client.connected) {
          screen.print(render.chalk.yellow('Not connected right now; that was not sent.'));
          return;
        }
        void sendCommand(client, command);
      },
      () => {
        client.stop();
        finish(ExitCode.cancelled);
      },
    );
  });
}

async function runLineMode(io: CliIo, options: RootRunOptions): Promise<ExitCodeValue> {
  const out = new Output(io);
  const color = colorFor(io);
  const render: RenderOptions = { chalk: makeChalk(color), color, boxes: false };
  const show = (message: ServerMessage): void => {
    if (!shownToRoot(message)) return;
    if (options.json) {
      const event = jsonEvent(message);
      if (event) out.json(event);
    } else if (message.type === 'welcome') {
      out.line(welcomeLine(message));
    } else {
      const text = renderEvent(message, render);
      if (text !== undefined) out.line(text);
    }
  };
  const client = newClient(options, false);
  const welcome = await client.start();
  show(welcome);
  client.on('message', show);
  client.on('invalid', (detail) => out.error(detail));
  return runInputLines(
    client,
    { input: io.stdin, reportError: (text) => out.error(text) },
    (line, onReply) => {
      const command = parseRootLine(line);
      return command ? { answer: sendCommand(client, command, onReply), last: command.name === 'exit', label: command.name } : undefined;
    },
    'answered every command',
  );
}
