// Where Party Pool keeps things on disk by default: beside the checkout, so an admin who
// runs `npm start` finds `data/` and `logs/` next to the README.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout's root directory (build/src/common/ is three levels below it). */
export function projectRoot(): string {
  const here = typeof import.meta.url === 'string' ? path.dirname(fileURLToPath(import.meta.url)) : process.cwd();
  const candidate = path.resolve(here, '..', '..', '..');
  return path.basename(path.resolve(here, '..', '..')) === 'build' ? candidate : process.cwd();
}

export function defaultDataDir(): string {
  return path.join(projectRoot(), 'data');
}

export function defaultLogDir(): string {
  return path.join(projectRoot(), 'logs');
}
