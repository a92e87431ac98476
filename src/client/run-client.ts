// `party-pool client`: log in and chat, either on the interactive screen (stdin is a TTY) or
// in line mode (one input line per message, one output line per event, optionally JSON).
import readline from 'node:readline';
import { ExitCode, PartyPoolError, type ExitCodeValue } from '../common/errors.js';
import { parseInputLine } from '../protocol/commands.js';
import { checkName } from '../protocol/names.js';
import type { ServerMessage } from '../protocol/messages.js';
import { ChatScreen } from '../cli/chat-screen.js';
import { printError, printJson, printLine } from '../cli/output.js';
import { askText } from '../cli/prompts.js';
import { jsonEvent, renderEvent, type RenderOptions } from '../cli/render.js';
import { colorEnabled, makeChalk } from '../cli/style.js';
import { ErrorCodes } from '../common/errors.js';
import { config } from '../../config.js';
import { ChatClient } from './chat-client.js';
import type { Credentials, PinnedTarget, ServerRefusal } from './connection.js';

export interface ClientRunOptions {
  pin: PinnedTarget;
  credentials: Credentials;
  name: string | undefined;
  json: boolean;
  interactive: boolean;
}

/** Exit status for the way a session ended. */
export function exitCodeForClose(code: string): ExitCodeValue {
  if (code === 'LEFT' || code === 'SHUTDOWN') return ExitCode.ok;
  if (['AUTH_FAILED', 'ROOT_AUTH_FAILED', 'KICKED', 'BANNED', 'PACKAGE_REVOKED', 'SERVER_FULL', 'TOO_MANY_FROM_ADDRESS'].includes(code)) return ExitCode.authRefused;
  return ExitCode.cannotConnect;
}

function validateName(value: string): true | string {
  const problem = checkName(value.trim());
  return problem ? ErrorCodes[problem].message : true;
}

export async function runClient(options: ClientRunOptions): Promise<ExitCodeValue> {
  return options.interactive ? runInteractive(options) : runLineMode(options);
}

async function runInteractive(options: ClientRunOptions): Promise<ExitCodeValue> {
  const color = colorEnabled();
  const render: RenderOptions = { chalk: makeChalk(color), color, boxes: true };
  const chooseName = async (refusal?: ServerRefusal): Promise<string | undefined> => {
    if (refusal) printLine(render.chalk.red(`${refusal.message} Try another name.`));
    if (options.name !== undefined && !refusal) return options.name;
    return (await askText('Your name:', { validate: validateName })).trim();
  };
  const client = new ChatClient({ pin: options.pin, credentials: options.credentials, role: 'user', chooseName, reconnect: true });
  printLine(render.chalk.dim('Connecting…'));
  const welcome = await client.start();
  const screen = new ChatScreen({ input: process.stdin, output: process.stdout, prompt: `${welcome.name}> ` });
  let byeShown = false;
  const show = (message: ServerMessage): void => {
    const text = renderEvent(message, render);
    if (text !== undefined) screen.print(text);
    if (message.type === 'bye' && text !== undefined) byeShown = true;
  };
  show(welcome);
  return new Promise<ExitCodeValue>((resolve) => {
    let finished = false;
    const finish = (code: ExitCodeValue): void => {
      if (finished) return;
      finished = true;
      screen.close();
      resolve(code);
    };
    client.on('message', show);
    client.on('invalid', (detail) => screen.print(render.chalk.red(`! ${detail}`)));
    client.on('disconnected', ({ reason, retryInMs }) => {
      screen.print(render.chalk.yellow(`${reason} Reconnecting in ${((retryInMs ?? 0) / 1000).toFixed(1)} s…`));
    });
    client.on('reconnected', (again) => {
      screen.setPrompt(`${again.name}> `);
      screen.print(render.chalk.green(`Reconnected as ${again.name}.`));
    });
    client.on('closed', ({ code, message }) => {
      finish(exitCodeForClose(code));
      if (code !== 'LEFT' && !byeShown) printError(message);
    });
    screen.start(
      (line) => {
        const input = parseInputLine(line);
        if (input.kind === 'empty') return;
        if (!client.connected) {
          screen.print(render.chalk.yellow('Not connected right now; that was not sent.'));
          return;
        }
        if (input.kind === 'say') void client.say(input.text);
        else void client.command(input.name, input.args);
      },
      () => {
        client.stop();
        finish(ExitCode.cancelled);
      },
    );
  });
}

async function runLineMode(options: ClientRunOptions): Promise<ExitCodeValue> {
  const color = colorEnabled();
  const render: RenderOptions = { chalk: makeChalk(color), color, boxes: false };
  const show = (message: ServerMessage): void => {
    if (options.json) {
      const event = jsonEvent(message);
      if (event) printJson(event);
    } else {
      const text = renderEvent(message, render);
      if (text !== undefined) printLine(text);
    }
  };
  if (options.name === undefined) throw new PartyPoolError('USAGE', 'Line mode needs --name NAME (stdin is not a terminal).');
  const name = options.name;
  const chooseName = (refusal?: ServerRefusal): Promise<string | undefined> => Promise.resolve(refusal ? undefined : name);
  const client = new ChatClient({ pin: options.pin, credentials: options.credentials, role: 'user', chooseName, reconnect: false });
  const welcome = await client.start();
  show(welcome);
  let closedWith: { code: string; message: string } | undefined;
  const closed = new Promise<void>((resolve) => client.on('closed', (info) => ((closedWith = info), resolve())));
  client.on('message', show);
  client.on('invalid', (detail) => printError(detail));

  const answers: Promise<boolean>[] = [];
  const lines = readline.createInterface({ input: process.stdin, terminal: false });
  const inputDone = new Promise<void>((resolve) => lines.once('close', () => resolve()));
  lines.on('line', (line) => {
    if (closedWith) return;
    const input = parseInputLine(line);
    if (input.kind === 'empty') return;
    if (input.kind === 'say') answers.push(client.say(input.text));
    else {
      answers.push(client.command(input.name, input.args));
      if (input.name === 'exit') lines.close();
    }
  });
  await Promise.race([inputDone, closed]);
  if (!closedWith) {
    // End of input: wait until the server has answered everything we sent, then leave.
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), config.client.drainTimeoutMs).unref());
    const result = await Promise.race([Promise.all(answers), timeout]);
    const allAnswered = result !== 'timeout' && result.every(Boolean);
    if (!closedWith) client.stop();
    await closed;
    if (!allAnswered) {
      printError('The connection ended before the server confirmed every message.');
      return ExitCode.cannotConnect;
    }
    return ExitCode.ok;
  }
  lines.close();
  const info = closedWith;
  if (info.code !== 'LEFT') printError(info.message);
  return exitCodeForClose(info.code);
}
