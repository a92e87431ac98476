// Shell-like splitting of command arguments (quotes group words, a backslash escapes) without
// any expansion, and the quoting that reverses it. Shared by the server's command table and
// clients that build commands from secrets typed at a hidden prompt.
import shellQuote from 'shell-quote';

/**
 * shell-quote reads any unquoted "#" as the start of a comment; in chat "#games" is a room, so
 * every unquoted "#" is escaped before parsing.
 */
function escapeHashes(args: string): string {
  let out = '';
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < args.length; i++) {
    const ch = args.charAt(i);
    if (quote) {
      if (ch === '\\' && quote === '"' && i + 1 < args.length) {
        out += ch + args.charAt(i + 1);
        i++;
        continue;
      }
      if (ch === quote) quote = undefined;
      out += ch;
    } else if (ch === '\\' && i + 1 < args.length) {
      out += ch + args.charAt(i + 1);
      i++;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      out += ch;
    } else if (ch === '#') {
      out += '\\#';
    } else {
      out += ch;
    }
  }
  return out;
}

/** Split arguments like a shell: quotes group words, no expansion; undefined when an operator (| ; & > …) appears. */
export function splitWords(args: string): string[] | undefined {
  const parsed = shellQuote.parse(escapeHashes(args), (key) => `$${key}`);
  const words: string[] = [];
  for (const part of parsed) {
    if (typeof part === 'string') words.push(part);
    // A glob is just a word here: nothing is ever expanded.
    else if ('op' in part && part.op === 'glob') words.push(part.pattern);
    else return undefined;
  }
  return words;
}

/** Quote words so that splitWords gives them back exactly. */
export function quoteWords(words: readonly string[]): string {
  return words.map((word) => `'${word.replace(/'/g, `'"'"'`)}'`).join(' ');
}
