// dist/SHA256SUMS: one line per artifact in the output directory ("<hex>  client/<file>"),
// the format `sha256sum -c` checks, rewritten after every build so it covers every artifact.
import fs from 'node:fs';
import path from 'node:path';
import { sha256File } from '../crypto/hash.js';
import { PACKAGE_KINDS } from '../protocol/sealed-file.js';
import { programName } from './plan.js';

export const CHECKSUMS_FILE = 'SHA256SUMS';

/** Every artifact file under outDir/client and outDir/root, as forward-slash relative paths. */
export function listArtifacts(outDir: string): string[] {
  return PACKAGE_KINDS.flatMap((kind) => {
    const dir = path.join(outDir, kind);
    if (!fs.existsSync(dir)) return [];
    const stem = `${programName(kind)}-v`;
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.startsWith(stem))
      .map((entry) => `${kind}/${entry.name}`);
  }).sort();
}

/** Rewrite SHA256SUMS for every artifact present; returns its path. */
export async function writeChecksums(outDir: string): Promise<string> {
  const lines: string[] = [];
  for (const relative of listArtifacts(outDir)) lines.push(`${await sha256File(path.join(outDir, ...relative.split('/')))}  ${relative}`);
  const file = path.join(outDir, CHECKSUMS_FILE);
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, lines.join('\n') + '\n');
  fs.renameSync(temp, file);
  return file;
}
