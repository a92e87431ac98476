// Questions for people, through @inquirer/prompts, on the run's own streams. Ctrl-C at any
// prompt becomes a CANCELLED error (exit 130, no stack trace; inside the menu: back to the
// menu), decided once here; so does Esc, except where a prompt says it means nothing.
import { checkbox, confirm, input, password, select } from '@inquirer/prompts';
import { PartyPoolError } from '../common/errors.js';
import type { CliIo } from './io.js';

/** The streams a prompt reads keys from and draws on. */
export type PromptIo = Pick<CliIo, 'stdin' | 'stdout'>;

/** An answer's check: true, or the sentence shown under the question (it is asked again). May take time (a KDF). */
export type Validate = (value: string) => true | string | Promise<true | string>;

interface Context {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  signal: AbortSignal;
}

/**
 * Ask, with Esc aborting the question when `escape` is true. readline (inside the prompt) turns
 * the terminal's bytes into keypress events on the input; a lone Esc arrives as "escape".
 */
async function cancellable<T>(io: PromptIo, ask: (context: Context) => Promise<T>, escape = true): Promise<T> {
  const controller = new AbortController();
  const onKey = (_text: unknown, key: unknown): void => {
    if (escape && typeof key === 'object' && key !== null && Reflect.get(key, 'name') === 'escape') controller.abort();
  };
  io.stdin.on('keypress', onKey);
  try {
    return await ask({ input: io.stdin, output: io.stdout, signal: controller.signal });
  } catch (error) {
    if (error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError')) throw new PartyPoolError('CANCELLED');
    throw error;
  } finally {
    io.stdin.off('keypress', onKey);
  }
}

/** Ask for a secret without echoing it. */
export function askSecret(io: PromptIo, message: string, validate?: Validate): Promise<string> {
  return cancellable(io, (context) => password({ message, mask: '*', ...(validate ? { validate } : {}) }, context));
}

export function askText(io: PromptIo, message: string, options: { default?: string; validate?: Validate } = {}): Promise<string> {
  return cancellable(io, (context) => input({ message, ...options }, context));
}

/** Pick one. `escape: false` where Esc must not cancel (the main menu: only Exit or Ctrl-C leave). */
export function askChoice<T extends string>(io: PromptIo, message: string, choices: readonly { name: string; value: T; description?: string; disabled?: boolean | string }[], options: { escape?: boolean } = {}): Promise<T> {
  return cancellable(io, (context) => select<T>({ message, choices: [...choices], pageSize: 12 }, context), options.escape ?? true);
}

export function askConfirm(io: PromptIo, message: string, defaultValue = true): Promise<boolean> {
  return cancellable(io, (context) => confirm({ message, default: defaultValue }, context));
}

/** Pick one or more; at least one must be ticked. */
export function askCheckbox<T extends string>(io: PromptIo, message: string, choices: readonly { name: string; value: T; checked?: boolean; description?: string }[]): Promise<T[]> {
  return cancellable(io, (context) => checkbox<T>({ message, choices: [...choices], required: true, pageSize: 12 }, context));
}

/** Show `prompt` on stderr and wait for Enter (or the end of input). */
export function waitForEnter(io: Pick<CliIo, 'stdin' | 'stderr'>, prompt: string): Promise<void> {
  return new Promise((resolve) => {
    io.stderr.write(prompt + '\n');
    io.stdin.resume();
    io.stdin.once('data', () => resolve());
    io.stdin.once('end', () => resolve());
  });
}
