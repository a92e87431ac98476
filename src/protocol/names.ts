// Who may be called what: the name rules shared by client and server.
import type { ErrorCode } from '../common/errors.js';

export const NAME_PATTERN = /^[A-Za-z0-9_.-]{1,24}$/;
export const RESERVED_NAMES: ReadonlySet<string> = new Set(['root', 'server', 'admin', 'system']);

/** Names compare case-insensitively: "Alice" and "alice" are the same person. */
export function nameKey(name: string): string {
  return name.toLowerCase();
}

/** Returns the error code that makes `name` unusable, or undefined when it is fine. */
export function checkName(name: string): ErrorCode | undefined {
  if (!NAME_PATTERN.test(name)) return 'NAME_INVALID';
  if (RESERVED_NAMES.has(nameKey(name))) return 'NAME_RESERVED';
  return undefined;
}
