// Reading parsed command-line values: flags are strings, booleans or lists; anything node's
// parseArgs refuses becomes one USAGE sentence that points at --help.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { PartyPoolError } from '../common/errors.js';

export type Options = NonNullable<ParseArgsConfig['options']>;
/** Parsed flags: a string, a boolean, or (for `multiple` options) a list of strings. */
export type Values = Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;

/** Where parseOptions puts the words that are not flags, when a command takes them ("restore FILE"). */
export const POSITIONALS = '_';

/** Parse `args` against `options`; unknown flags (and positionals, unless allowed) are a USAGE error naming `helpHint`. */
export function parseOptions(options: Options, args: string[], helpHint: string, allowPositionals = false): Values {
  try {
    const parsed = parseArgs({ args, options, allowPositionals, strict: true });
    return allowPositionals ? { ...parsed.values, [POSITIONALS]: parsed.positionals } : parsed.values;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const secretHint = /--(passkey|root-password|password)\b/.test(args.join(' ')) ? ' Secrets are never taken as arguments: use the environment variable or a --*-file option.' : '';
    const first = (message.split('\n')[0] ?? message).trim();
    throw new PartyPoolError('USAGE', `${/[.!?]$/.test(first) ? first : first + '.'}${secretHint} See "${helpHint}".`);
  }
}

/** A string flag's value, if given. */
export function stringValue(values: Values, key: string): string | undefined {
  const value = values[key];
  return typeof value === 'string' ? value : undefined;
}

/** A repeatable string flag's values (none: an empty list). */
export function listValue(values: Values, key: string): string[] {
  const value = values[key];
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
