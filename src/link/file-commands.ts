// `/send [@name] <path>` and `/get <id> [dir]` as typed: paths may contain spaces (no quotes
// needed), may be quoted, and may start with `~`.
import { resolveUserPath } from './local-files.js';

export type FileCommand =
  | { readonly kind: 'send'; readonly path: string; readonly to?: string }
  | { readonly kind: 'get'; readonly id: number; readonly dir?: string }
  | { readonly kind: 'usage'; readonly message: string };

function unquote(text: string): string {
  const trimmed = text.trim();
  const quote = trimmed[0];
  if ((quote === '"' || quote === "'") && trimmed.length >= 2 && trimmed.endsWith(quote)) return trimmed.slice(1, -1);
  return trimmed;
}

/** Read the arguments of /send or /get; paths come back absolute. */
export function parseFileCommand(name: 'send' | 'get', args: string, cwd?: string): FileCommand {
  const text = args.trim();
  if (name === 'send') {
    let to: string | undefined;
    let rest = text;
    const target = /^@(\S+)\s*([\s\S]*)$/.exec(text);
    if (target) {
      to = target[1];
      rest = target[2] ?? '';
    }
    const file = unquote(rest);
    if (file === '') return { kind: 'usage', message: 'Usage: /send <path> (into this room) or /send @name <path> (to one person).' };
    return { kind: 'send', path: resolveUserPath(file, cwd), ...(to === undefined ? {} : { to }) };
  }
  const match = /^#?(\d{1,15})(?:\s+([\s\S]+))?$/.exec(text);
  if (!match?.[1]) return { kind: 'usage', message: 'Usage: /get <id> [folder] — the id is the number /files shows.' };
  const dir = match[2] === undefined ? undefined : unquote(match[2]);
  return { kind: 'get', id: Number(match[1]), ...(dir === undefined || dir === '' ? {} : { dir: resolveUserPath(dir, cwd) }) };
}
