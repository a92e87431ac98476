// The entry point of every issued package. The builder bundles this file (and what it imports)
// into client.cjs / root.cjs and into the executables. The sealed server file is an asset inside
// an executable, or sits beside the script in a zip bundle.
// First: every other module's top-level code may touch stdout (colour detection).
import './package-streams.js';
import fs from 'node:fs';
import path from 'node:path';
import { config } from '../config.js';
import { PartyPoolError } from './common/errors.js';
import { SEALED_FILE_NAME } from './protocol/sealed-file.js';
import { exitProcess, processIo } from './cli/io.js';
import { packagedMain } from './packaged-main.js';

/** True when running as a single-executable application (Node 22 executables). */
function isExecutable(): boolean {
  // getBuiltinModule arrived in Node 20.16; anything older is not one of our executables.
  if (typeof process.getBuiltinModule !== 'function') return false;
  return process.getBuiltinModule('node:sea').isSea();
}

function readSealedText(): string {
  if (isExecutable()) return process.getBuiltinModule('node:sea').getAsset(SEALED_FILE_NAME, 'utf8');
  const dir = path.dirname(path.resolve(process.argv[1] ?? '.'));
  try {
    return fs.readFileSync(path.join(dir, SEALED_FILE_NAME), 'utf8');
  } catch {
    throw new PartyPoolError('PACKAGE_DAMAGED', `${SEALED_FILE_NAME} is missing beside ${path.basename(process.argv[1] ?? 'the program')}; unzip the whole package again.`);
  }
}

function nodeIsTooOld(): boolean {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  const [needMajor = 0, needMinor = 0] = config.packaging.minBundleNodeVersion.split('.').map(Number);
  return major < needMajor || (major === needMajor && minor < needMinor);
}

if (nodeIsTooOld()) {
  process.stderr.write(`This program needs Node.js ${config.packaging.minBundleNodeVersion} or newer; this computer has ${process.version}. Update it from https://nodejs.org.\n`);
  process.exit(1);
}
const program = isExecutable() ? path.basename(process.execPath) : `node ${path.basename(process.argv[1] ?? 'client.cjs')}`;
void packagedMain(processIo(), readSealedText, process.argv.slice(2), program, { pauseOnError: isExecutable() && process.platform === 'win32' }).then(exitProcess);
