// Rules for user text on the wire. The server refuses control characters rather than
// silently rewriting what someone typed; a tab is the one exception and becomes a space.
import type { ErrorCode } from '../common/errors.js';

// C0 and C1 controls, DEL, and Unicode bidi overrides/isolates (used to disguise text).
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

/** Normalise chat text, or return the error code that refuses it. */
export function checkText(raw: string, maxLength: number): { text: string } | { error: ErrorCode } {
  const text = raw.includes('\t') ? raw.replace(/\t/g, ' ') : raw;
  if (!/\S/.test(text)) return { error: 'TEXT_EMPTY' };
  // Code points never outnumber UTF-16 units, so only long strings need counting.
  if (text.length > maxLength && [...text].length > maxLength) return { error: 'TEXT_TOO_LONG' };
  if (FORBIDDEN.test(text)) return { error: 'TEXT_INVALID' };
  return { text };
}
