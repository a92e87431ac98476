// Small argument helpers for commands whose params are shell-like words.
import { CommandError } from './types.js';

/** Refuse words beyond the first `count` (the dispatcher already enforced the minimum). */
export function atMost(params: readonly string[], count: number, usage: string, hint = ''): void {
  if (params.length > count) throw new CommandError('TOO_MANY_ARGUMENTS', `Usage: ${usage}${hint ? ` (${hint})` : ''}`);
}

/** A whole number within [min, max], or INVALID_ARGUMENT naming what it is for. */
export function wholeNumber(word: string, min: number, max: number, what: string): number {
  const value = /^\d{1,16}$/.test(word) ? Number(word) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new CommandError('INVALID_ARGUMENT', `${what} must be a whole number from ${min} to ${max}.`);
  return value;
}
