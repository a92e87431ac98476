// The script bundle: one zip per kind holding the bundled program, the sealed server file,
// setup.sh (executable bit set in the archive) and setup.bat that check Node and start it,
// and a README.txt for a non-technical user. Texts come from templates/.
import fs from 'node:fs';
import path from 'node:path';
import { ZipArchive } from 'archiver';
import { PartyPoolError } from '../common/errors.js';
import { SEALED_FILE_NAME, type PackageKind } from '../protocol/sealed-file.js';
import { programName, scriptName } from './plan.js';

export interface ZipBundleOptions {
  outFile: string;
  kind: PackageKind;
  version: string;
  minNodeVersion: string;
  bundleFile: string;
  sealedText: string;
  templatesDir: string;
}

const TEMPLATE_FILES = ['setup.sh', 'setup.bat', 'README.txt'] as const;

/** Fill {{NAME}} placeholders; an unknown placeholder is a bug in the template, so it fails loudly. */
export function fillTemplate(text: string, values: Record<string, string>): string {
  return text.replace(/\{\{([A-Z_]+)\}\}/g, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) throw new PartyPoolError('BUILD_FAILED', `The template uses ${whole}, which the builder does not know.`);
    return value;
  });
}

function readTemplate(dir: string, name: string): string {
  try {
    return fs.readFileSync(path.join(dir, name), 'utf8');
  } catch {
    throw new PartyPoolError('BUILD_FAILED', `The template ${path.join(dir, name)} is missing; is the checkout complete?`);
  }
}

/** Write the zip bundle for one kind. */
export async function makeZipBundle(options: ZipBundleOptions): Promise<void> {
  const title = options.kind === 'root' ? 'Party Pool Root' : 'Party Pool Client';
  const values = {
    TITLE: title,
    VERSION: options.version,
    MIN_NODE: options.minNodeVersion,
    SCRIPT: scriptName(options.kind),
    UNDERLINE: '='.repeat(`${title} v${options.version}`.length),
    STEP_TWO: options.kind === 'root' ? 'Type the root password and press Enter.' : 'Type the name others will see you as (letters, digits, _ - .).',
    STEP_THREE:
      options.kind === 'root'
        ? 'Type a command and press Enter; "help" lists them, "exit" (or Ctrl-C) leaves.'
        : 'Type a message and press Enter to send it to everyone.\n     /help lists the commands, /exit (or Ctrl-C) leaves.',
  };
  const [setupSh, setupBat, readme] = TEMPLATE_FILES.map((name) => fillTemplate(readTemplate(options.templatesDir, name), values));
  const folder = `${programName(options.kind)}-v${options.version}`;
  const archive = new ZipArchive({ zlib: { level: 9 } });
  const output = fs.createWriteStream(options.outFile);
  const written = new Promise<void>((resolve, reject) => {
    output.on('close', resolve);
    output.on('error', reject);
    archive.on('error', reject);
  });
  archive.pipe(output);
  archive.file(options.bundleFile, { name: `${folder}/${scriptName(options.kind)}`, mode: 0o644 });
  archive.append(options.sealedText, { name: `${folder}/${SEALED_FILE_NAME}`, mode: 0o644 });
  archive.append(setupSh ?? '', { name: `${folder}/setup.sh`, mode: 0o755 });
  // cmd.exe wants CRLF line endings; README.txt too, for Notepad on older Windows.
  archive.append((setupBat ?? '').replace(/\r?\n/g, '\r\n'), { name: `${folder}/setup.bat`, mode: 0o644 });
  archive.append((readme ?? '').replace(/\r?\n/g, '\r\n'), { name: `${folder}/README.txt`, mode: 0o644 });
  await archive.finalize();
  await written;
}
