// Where secrets come from: an environment variable, a file named by a flag, or a hidden
// prompt on a terminal. Never a plain command-line argument (argv is visible to everyone).
import fs from 'node:fs';
import { PartyPoolError } from '../common/errors.js';
import type { CliIo } from './io.js';

export interface SecretSource {
  /** What to call it in messages: "passkey", "root password". */
  label: string;
  envName: string;
  /** The flag that names a file holding it, e.g. "--passkey-file". */
  fileFlag: string;
  file: string | undefined;
  minLength?: number;
  /** Ask twice when it is being set for the first time. */
  confirm?: boolean;
  interactive: boolean;
}

function readSecretFile(file: string, label: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new PartyPoolError('SECRET_MISSING', `Cannot read the ${label} file ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}.`);
  }
  // One trailing newline is an editor's habit, not part of the secret.
  return text.replace(/\r?\n$/, '');
}

/** A secret from its file or environment variable, without prompting; undefined when neither is given. */
export function givenSecret(source: Pick<SecretSource, 'label' | 'envName' | 'file'>, env: CliIo['env']): string | undefined {
  if (source.file !== undefined) return readSecretFile(source.file, source.label);
  const value = env[source.envName];
  return value === undefined || value === '' ? undefined : value;
}

/** Resolve a secret from file, environment or prompt, in that order. */
export async function resolveSecret(source: SecretSource, io: Pick<CliIo, 'env' | 'stdin' | 'stdout'>): Promise<string> {
  let secret = givenSecret(source, io.env);
  if (secret === undefined) {
    if (!source.interactive) {
      throw new PartyPoolError('SECRET_MISSING', `No ${source.label} given: set ${source.envName} or use ${source.fileFlag} FILE.`);
    }
    // The prompt library is loaded only to ask: a server started with its secrets in the
    // environment or a file never loads it (a few MB of resident memory).
    const { askSecret } = await import('./prompts.js');
    const min = source.minLength ?? 1;
    const validate = (value: string): true | string => (value.length >= min ? true : `The ${source.label} must be at least ${min} characters long.`);
    secret = await askSecret(io, `${capitalise(source.label)}:`, validate);
    if (source.confirm) {
      const again = await askSecret(io, `Type the ${source.label} again:`);
      if (again !== secret) throw new PartyPoolError('SECRET_MISSING', `The two ${source.label}s did not match.`);
    }
  }
  if (source.minLength !== undefined && secret.length < source.minLength) {
    throw new PartyPoolError('SECRET_TOO_SHORT', `The ${source.label} must be at least ${source.minLength} characters long.`);
  }
  return secret;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
