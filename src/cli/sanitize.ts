// Make untrusted text safe for a terminal. Shown escaped (\x1b, \u202e, \u{e0041}) instead of
// acting: control characters and escape sequences (they could move the cursor or recolour the
// screen), bidi controls (they reorder text to disguise it), invisible characters (zero-width
// spaces and joiners, tag characters, fillers: they hide text or make two strings look alike),
// combining marks with no letter to sit on or stacked more than MAX_MARKS high (Zalgo text
// spills over neighbouring lines), and the characters that mark real notices (NOTICE_MARK and
// its look-alikes). Invisible characters that do a job stay: a zero-width joiner inside an
// emoji sequence or between letters of a script that uses it (Arabic, Indic), a zero-width
// non-joiner between such letters, variation selectors after a letter or emoji, and tag
// characters inside a flag sequence (the flags of England, Scotland, Wales).

/** The first character of every root or server notice: no one else's text can contain it. */
export const NOTICE_MARK = '\u2588';

/** Combining marks kept on one base character (Vietnamese and Thai need 2-3; Zalgo text uses dozens). */
export const MAX_MARKS = 4;

// Anything that needs a closer look; most chat lines contain none of it and are returned as they are.
// eslint-disable-next-line no-control-regex
const SUSPICIOUS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\p{M}\p{Default_Ignorable_Code_Point}\u061c\u2580-\u259f\u25a0-\u25af\u25fc-\u25fe\u2b1b\u2b1c\u{1f7e0}-\u{1f7eb}\u{1fb00}-\u{1fbff}]/u;
// eslint-disable-next-line no-control-regex
const CONTROL = /^[\u0000-\u001f\u007f-\u009f\u2028\u2029]$/u;
/** NOTICE_MARK and characters that could pass for it (blocks, squares, legacy-computing cells). */
const NOTICE_LOOKALIKE = /^[\u2580-\u259f\u25a0-\u25af\u25fc-\u25fe\u2b1b\u2b1c\u{1f7e0}-\u{1f7eb}\u{1fb00}-\u{1fbff}]$/u;
const MARK = /^\p{M}$/u;
const INVISIBLE = /^[\p{Default_Ignorable_Code_Point}\u061c]$/u;
const PICTOGRAPH = /^\p{Extended_Pictographic}$/u;
/** Letters of scripts that join (or refuse to join) with ZWJ / ZWNJ: any letter but Latin and Common. */
const JOINING_LETTER = /^(?![\p{Script=Latin}\p{Script=Common}])\p{L}$/u;
const EMOJI_MODIFIER = /^\p{Emoji_Modifier}$/u;
const ZWNJ = '\u200c';
const ZWJ = '\u200d';
const BLACK_FLAG = '\u{1f3f4}';

function escape(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  if (code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code <= 0xffff) return `\\u${code.toString(16).padStart(4, '0')}`;
  return `\\u{${code.toString(16)}}`;
}

function isTag(ch: string): boolean {
  const code = ch.codePointAt(0) ?? 0;
  return code >= 0xe0000 && code <= 0xe007f;
}

/** The next base character after position `i`, skipping marks and variation selectors. */
function nextBase(chars: readonly string[], i: number): string | undefined {
  for (let j = i + 1; j < chars.length; j++) {
    const ch = chars[j] ?? '';
    if (!MARK.test(ch) && !EMOJI_MODIFIER.test(ch)) return ch;
  }
  return undefined;
}

/** Whether a joiner between `before` and `after` (base characters) does a job there. */
function joinerKept(joiner: string, before: string | undefined, after: string | undefined): boolean {
  if (before === undefined || after === undefined) return false;
  if (joiner === ZWJ && PICTOGRAPH.test(before) && PICTOGRAPH.test(after)) return true;
  return JOINING_LETTER.test(before) && JOINING_LETTER.test(after);
}

/** Untrusted text as it may be shown in a terminal: harmless characters as they are, the rest escaped. */
export function sanitizeForTerminal(text: string): string {
  if (!SUSPICIOUS.test(text)) return text;
  const chars = Array.from(text);
  let out = '';
  /** The last base character shown as itself (undefined after whitespace or an escape). */
  let base: string | undefined;
  let marks = 0;
  let inFlag = false;
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] ?? '';
    if (!isTag(ch)) inFlag = false;
    if (CONTROL.test(ch) || NOTICE_LOOKALIKE.test(ch)) {
      out += escape(ch);
      base = undefined;
      continue;
    }
    if (MARK.test(ch)) {
      // Variation selectors are marks too: they count against the same limit.
      if (base !== undefined && marks < MAX_MARKS) {
        marks += 1;
        out += ch;
      } else {
        out += escape(ch);
      }
      continue;
    }
    if (isTag(ch)) {
      // A flag: U+1F3F4, tag letters, then CANCEL TAG (U+E007F), which ends it.
      if (inFlag) {
        out += ch;
        if ((ch.codePointAt(0) ?? 0) === 0xe007f) inFlag = false;
      } else {
        out += escape(ch);
      }
      continue;
    }
    // (Variation selectors are default-ignorable too, but were taken as marks above.)
    if (INVISIBLE.test(ch)) {
      if ((ch === ZWJ || ch === ZWNJ) && joinerKept(ch, base, nextBase(chars, i))) out += ch;
      else out += escape(ch);
      continue;
    }
    out += ch;
    // Emoji skin-tone modifiers belong to the emoji before them.
    if (!EMOJI_MODIFIER.test(ch)) {
      base = /\s/u.test(ch) ? undefined : ch;
      marks = 0;
    }
    if (ch === BLACK_FLAG) inFlag = true;
  }
  return out;
}
