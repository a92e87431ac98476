// Reading values out of command words (the dispatcher has already checked how many there are).
import { CommandError } from './command-error.js';

/** A whole number within [min, max], or INVALID_ARGUMENT naming what it is for. */
export function wholeNumber(word: string, min: number, max: number, what: string): number {
  const value = /^\d{1,16}$/.test(word) ? Number(word) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new CommandError('INVALID_ARGUMENT', `${what} must be a whole number from ${min} to ${max}.`);
  return value;
}
