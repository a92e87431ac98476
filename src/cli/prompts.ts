// Questions for people, through @inquirer/prompts. Ctrl-C at any prompt becomes a
// CANCELLED error (exit 130, no stack trace), decided once here.
import { checkbox, confirm, input, password, select } from '@inquirer/prompts';
import { PartyPoolError } from '../common/errors.js';

async function cancellable<T>(ask: () => Promise<T>): Promise<T> {
  try {
    return await ask();
  } catch (error) {
    if (error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError')) throw new PartyPoolError('CANCELLED');
    throw error;
  }
}

/** Ask for a secret without echoing it. */
export function askSecret(message: string, validate?: (value: string) => true | string): Promise<string> {
  return cancellable(() => password({ message, mask: '*', ...(validate ? { validate } : {}) }));
}

export function askText(message: string, options: { default?: string; validate?: (value: string) => true | string } = {}): Promise<string> {
  return cancellable(() => input({ message, ...options }));
}

export function askChoice<T extends string>(message: string, choices: readonly { name: string; value: T; description?: string; disabled?: boolean | string }[]): Promise<T> {
  return cancellable(() => select<T>({ message, choices: [...choices], pageSize: 10 }));
}

export function askConfirm(message: string, defaultValue = true): Promise<boolean> {
  return cancellable(() => confirm({ message, default: defaultValue }));
}

/** Pick one or more; at least one must be ticked. */
export function askCheckbox<T extends string>(message: string, choices: readonly { name: string; value: T; checked?: boolean; description?: string }[]): Promise<T[]> {
  return cancellable(() => checkbox<T>({ message, choices: [...choices], required: true, pageSize: 12 }));
}
