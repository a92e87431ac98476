// File names from other people are untrusted: a name could climb out of the download folder
// (`../../.bashrc`), hide its real extension behind a bidi override (`gpj.exe` shown as
// `exe.jpg`), be a device on Windows (`CON`, `nul.txt`), lose its trailing dots there, or be
// too long for any file system. The server stores, and the client saves under, what this makes
// of it: one plain component of at most MAX_SAFE_NAME_BYTES UTF-8 bytes.

/** The longest safe name, in UTF-8 bytes (every common file system takes 255). */
export const MAX_SAFE_NAME_BYTES = 200;
/** What an empty (or all-invisible) name becomes. */
export const FALLBACK_FILE_NAME = 'file';

// Control characters, format characters (bidi marks, overrides and isolates, zero-width
// characters, the BOM, soft hyphen, tags), line/paragraph separators and lone surrogates.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;
// Separators on any system, and what Windows refuses in a name.
const FORBIDDEN = /[/\\<>:"|?*]/g;
// Device names Windows reserves, with or without an extension ("nul.txt" is the device too).
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$|clock\$)$/i;
const LONGEST_KEPT_EXTENSION = 16;

function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Cut `text` to at most `maxBytes` UTF-8 bytes without splitting a character. */
function cutToBytes(text: string, maxBytes: number): string {
  let out = '';
  let bytes = 0;
  for (const char of text) {
    const size = utf8Length(char);
    if (bytes + size > maxBytes) break;
    out += char;
    bytes += size;
  }
  return out;
}

function trimEnds(text: string): string {
  // Leading dots would hide the file (or be `..`); Windows drops trailing dots and spaces.
  return text.replace(/^[.\s]+/u, '').replace(/[.\s]+$/u, '');
}

/** A name safe to store and to save under: one component, visible characters, no device name, not too long. */
export function safeFileName(untrusted: string): string {
  // A path is not a name: keep its last part ("../../etc/passwd" is "passwd", "C:\\x\\y.txt" is "y.txt").
  const visible = untrusted.normalize('NFC').replace(INVISIBLE, '');
  const last = visible.split(/[/\\]/).filter((part) => part.trim() !== '').pop() ?? '';
  let name = last.replace(FORBIDDEN, '_').replace(/\s+/gu, ' ');
  name = trimEnds(name);
  if (utf8Length(name) > MAX_SAFE_NAME_BYTES) {
    const dot = name.lastIndexOf('.');
    const extension = dot > 0 && name.length - dot <= LONGEST_KEPT_EXTENSION ? name.slice(dot) : '';
    name = trimEnds(cutToBytes(name.slice(0, name.length - extension.length), MAX_SAFE_NAME_BYTES - utf8Length(extension))) + extension;
    name = trimEnds(name);
  }
  if (name === '') return FALLBACK_FILE_NAME;
  const stem = name.split('.')[0]?.trimEnd() ?? name;
  if (WINDOWS_DEVICE.test(stem)) name = '_' + name;
  return name;
}

/** `holiday (1).jpg` for `holiday.jpg` and n = 1: the name a download takes when the first is taken. */
export function numberedFileName(name: string, n: number): string {
  if (n === 0) return name;
  const dot = name.lastIndexOf('.');
  const hasExtension = dot > 0 && name.length - dot <= LONGEST_KEPT_EXTENSION;
  return hasExtension ? `${name.slice(0, dot)} (${n})${name.slice(dot)}` : `${name} (${n})`;
}
