// Who may be called what: the name rules shared by client and server.
//
// Names are ASCII only (A-Z a-z 0-9 _ . -), so no zero-width, bidi, tag or combining character
// can be part of one, and Unicode normalisation has nothing to do. What is left of impersonation
// is look-alike ASCII (`aIice` for `alice`, `r00t` for `root`): `nameSkeleton` is the UTS #39
// skeleton for the characters names can use, widened to letter case, and two names with the
// same skeleton are one name to a reader.
import type { ErrorCode } from '../common/errors.js';

export const NAME_PATTERN = /^[A-Za-z0-9_.-]{1,24}$/;
export const RESERVED_NAMES: ReadonlySet<string> = new Set(['root', 'server', 'admin', 'system']);

/**
 * Every entry of Unicode's confusables.txt (UTS #39) whose source is a character a name may
 * use, with the target ("prototype") it maps to. No other entry has such a source; the list is
 * re-derived from a copy of confusables.txt by `scripts/name-confusables.ts`.
 */
export const NAME_CONFUSABLES: ReadonlyMap<string, string> = new Map([
  ['0', 'O'], // 0030 ;	004F ;	MA	# ( 0 → O ) DIGIT ZERO → LATIN CAPITAL LETTER O
  ['1', 'l'], // 0031 ;	006C ;	MA	# ( 1 → l ) DIGIT ONE → LATIN SMALL LETTER L
  ['I', 'l'], // 0049 ;	006C ;	MA	# ( I → l ) LATIN CAPITAL LETTER I → LATIN SMALL LETTER L
  ['m', 'rn'], // 006D ;	0072 006E ;	MA	# ( m → rn ) LATIN SMALL LETTER M → LATIN SMALL LETTER R, LATIN SMALL LETTER N
]);

/**
 * What each name character stands for in a skeleton. UTS #39 compares exact strings, but here
 * one person may appear as "ALICE" in one login and "alice" in the next, so look-alikes are
 * closed over case: I looks like l, and I is i in another case, so i, I, l, L and 1 are one
 * character; 0, O and o are another; m and M stand for "rn". Each class is written as the
 * lower-case form of the prototype its members map to.
 */
const SKELETON_CHARS: ReadonlyMap<string, string> = (() => {
  const alphabet = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-'];
  const parent = new Map(alphabet.map((ch) => [ch, ch]));
  const find = (ch: string): string => {
    let root = ch;
    while (parent.get(root) !== root) root = parent.get(root) ?? root;
    return root;
  };
  const join = (a: string, b: string): void => {
    parent.set(find(a), find(b));
  };
  for (const ch of alphabet) {
    join(ch, ch.toLowerCase());
    const target = NAME_CONFUSABLES.get(ch);
    if (target !== undefined && target.length === 1) join(ch, target);
  }
  const prototypes = new Set([...NAME_CONFUSABLES.values()].filter((t) => t.length === 1));
  const spelling = new Map<string, string>();
  for (const ch of alphabet) {
    const root = find(ch);
    const members = alphabet.filter((other) => find(other) === root);
    const prototype = members.find((m) => prototypes.has(m)) ?? members.find((m) => m === m.toLowerCase() && /[a-z]/.test(m)) ?? ch;
    spelling.set(ch, prototype.toLowerCase());
  }
  // A character that maps to several (m -> rn) is written as their skeletons.
  for (const [source, target] of NAME_CONFUSABLES) {
    if (target.length === 1) continue;
    const written = [...target].map((t) => spelling.get(t) ?? t.toLowerCase()).join('');
    for (const ch of alphabet) if (find(ch) === find(source)) spelling.set(ch, written);
  }
  return spelling;
})();

/** Names compare case-insensitively: "Alice" and "alice" are the same person. */
export function nameKey(name: string): string {
  return name.toLowerCase();
}

/**
 * The confusable skeleton of a name (UTS #39, closed over letter case): names with the same
 * skeleton look alike to a reader ("aIice", "alice", "ALICE" and "a1ice" are all "allce";
 * "r00t" is "root"). Defined for names that pass `checkName`; other characters are lower-cased.
 */
export function nameSkeleton(name: string): string {
  let out = '';
  for (const ch of name) out += SKELETON_CHARS.get(ch) ?? ch.toLowerCase();
  return out;
}

const RESERVED_SKELETONS: ReadonlySet<string> = new Set([...RESERVED_NAMES].map(nameSkeleton));

/** Returns the error code that makes `name` unusable, or undefined when it is fine. */
export function checkName(name: string): ErrorCode | undefined {
  if (!NAME_PATTERN.test(name)) return 'NAME_INVALID';
  // "r00t" and "adm1n" pass for the reserved names as well as "root" and "admin" do.
  if (RESERVED_SKELETONS.has(nameSkeleton(name))) return 'NAME_RESERVED';
  return undefined;
}
