// The account password rule, shared so a client can refuse a bad password before sending it.
import type { ErrorCode } from '../common/errors.js';

// C0 and C1 controls and DEL: they cannot be typed reliably and hide in terminals.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;

/** The error code that refuses `password`, or undefined when it is acceptable. */
export function checkPassword(password: string, minLength: number, maxLength: number): ErrorCode | undefined {
  const length = [...password].length;
  if (length < minLength || length > maxLength || CONTROL.test(password)) return 'PASSWORD_INVALID';
  return undefined;
}
