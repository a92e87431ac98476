// Questions for people, through @inquirer/prompts, on the run's own streams. Ctrl-C at any
// prompt becomes a CANCELLED error (exit 130, no stack trace), decided once here.
import { checkbox, confirm, input, password, select } from '@inquirer/prompts';
import { PartyPoolError } from '../common/errors.js';
import type { CliIo } from './io.js';

/** The streams a prompt reads keys from and draws on. */
export type PromptIo = Pick<CliIo, 'stdin' | 'stdout'>;

const context = (io: PromptIo): { input: NodeJS.ReadableStream; output: NodeJS.WritableStream } => ({ input: io.stdin, output: io.stdout });

async function cancellable<T>(ask: () => Promise<T>): Promise<T> {
  try {
    return await ask();
  } catch (error) {
    if (error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError')) throw new PartyPoolError('CANCELLED');
    throw error;
  }
}

/** Ask for a secret without echoing it. */
export function askSecret(io: PromptIo, message: string, validate?: (value: string) => true | string): Promise<string> {
  return cancellable(() => password({ message, mask: '*', ...(validate ? { validate } : {}) }, context(io)));
}

export function askText(io: PromptIo, message: string, options: { default?: string; validate?: (value: string) => true | string } = {}): Promise<string> {
  return cancellable(() => input({ message, ...options }, context(io)));
}

export function askChoice<T extends string>(io: PromptIo, message: string, choices: readonly { name: string; value: T; description?: string; disabled?: boolean | string }[]): Promise<T> {
  return cancellable(() => select<T>({ message, choices: [...choices], pageSize: 10 }, context(io)));
}

export function askConfirm(io: PromptIo, message: string, defaultValue = true): Promise<boolean> {
  return cancellable(() => confirm({ message, default: defaultValue }, context(io)));
}

/** Pick one or more; at least one must be ticked. */
export function askCheckbox<T extends string>(io: PromptIo, message: string, choices: readonly { name: string; value: T; checked?: boolean; description?: string }[]): Promise<T[]> {
  return cancellable(() => checkbox<T>({ message, choices: [...choices], required: true, pageSize: 12 }, context(io)));
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
