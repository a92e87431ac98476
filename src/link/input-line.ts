// What a person types into the chat client: a chat line, or a /command with its raw arguments
// (the server parses the arguments; the client only splits off the name).

/** Turn one input line into what the client sends: plain text, or a command with raw args. */
export type ParsedInput = { kind: 'say'; text: string } | { kind: 'command'; name: string; args: string } | { kind: 'empty' };

export function parseInputLine(line: string): ParsedInput {
  const trimmed = line.trim();
  if (trimmed.length === 0) return { kind: 'empty' };
  // "//text" sends a line that starts with a slash.
  if (trimmed.startsWith('//')) return { kind: 'say', text: line.trimEnd().replace(/^\s*\//, '') };
  if (!trimmed.startsWith('/')) return { kind: 'say', text: line.trimEnd() };
  const match = /^\/(\S+)\s*([\s\S]*)$/.exec(trimmed);
  const name = (match?.[1] ?? '').toLowerCase();
  return { kind: 'command', name, args: match?.[2] ?? '' };
}
