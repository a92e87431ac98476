// Shared by the root console's commands: the titled `result` answer, times written one way,
// and what the audit trail records instead of a message someone will read.
import type { ResultMessage } from '../../../protocol/messages.js';
import { CommandError } from '../command-error.js';

/** A titled answer with free lines and/or a table. */
export function result(title: string, body: { lines?: string[]; columns?: string[]; rows?: string[][] }): Omit<ResultMessage, 'ref'> {
  return { type: 'result', title, ...body };
}

/** What the audit trail records instead of a message someone will read. */
export function messageLength(text: string): string {
  const length = [...text].length;
  return `(message: ${length} ${length === 1 ? 'character' : 'characters'})`;
}

/** Names in a sentence, at most this many (a ban of a /8 may disconnect thousands). */
export const LISTED_IN_A_LINE = 50;

/** "a, b, c" — or the first LISTED_IN_A_LINE and "and N more": a result line stays a line. */
export function listed(items: readonly string[], max = LISTED_IN_A_LINE): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

/** Refuse with INVALID_ARGUMENT and the usage line. */
export function usageError(usage: string, why?: string): CommandError {
  return new CommandError('INVALID_ARGUMENT', `${why ? why + ' ' : ''}Usage: ${usage}`);
}

/** "2026-11-21 09:45:58 UTC": unambiguous whatever time zone the console is in. */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
}
