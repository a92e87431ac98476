// Re-derives NAME_CONFUSABLES (src/protocol/names.ts) from a copy of Unicode's confusables.txt
// (UTS #39 security data): every entry whose source is a character names may use.
//   npm run build && node build/scripts/name-confusables.js path/to/confusables.txt
// Prints the entries and exits 1 when they differ from the table in the code.
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { NAME_CONFUSABLES, NAME_PATTERN } from '../src/protocol/names.js';

/** Source → target for each line of confusables.txt whose source is a single name character. */
export function nameConfusablesFrom(text: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const data = line.split('#')[0]?.trim() ?? '';
    if (data === '') continue;
    const [source = '', target = ''] = data.split(';').map((field) => field.trim());
    const sourceChars = source.split(/\s+/).map((hex) => String.fromCodePoint(parseInt(hex, 16)));
    if (sourceChars.length !== 1 || !NAME_PATTERN.test(sourceChars[0] ?? '')) continue;
    found.set(sourceChars[0] ?? '', target.split(/\s+/).map((hex) => String.fromCodePoint(parseInt(hex, 16))).join(''));
  }
  return found;
}

function main(file: string | undefined): number {
  if (!file) {
    console.error('Give the path of a confusables.txt (Unicode security data, UTS #39).');
    return 2;
  }
  const found = nameConfusablesFrom(fs.readFileSync(file, 'utf8'));
  for (const [source, target] of found) console.log(`${source} -> ${target}`);
  const same = found.size === NAME_CONFUSABLES.size && [...found].every(([source, target]) => NAME_CONFUSABLES.get(source) === target);
  console.log(same ? 'NAME_CONFUSABLES matches this file.' : 'NAME_CONFUSABLES differs from this file: update src/protocol/names.ts.');
  return same ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.exitCode = main(process.argv[2]);
