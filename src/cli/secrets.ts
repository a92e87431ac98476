// Where secrets come from: a file named by a flag, an environment variable, a systemd credential
// ($CREDENTIALS_DIRECTORY/<name>, from LoadCredential=), or a hidden prompt on a terminal. Never a
// plain command-line argument (argv is visible to everyone). At a prompt every mistake is explained
// and asked again on the spot: too short, the two entries differ, equal to another secret, or (when
// the caller can tell) not the right one.
import fs from 'node:fs';
import path from 'node:path';
import { PartyPoolError } from '../common/errors.js';
import { fileErrorText } from './error-text.js';
import type { CliIo } from './io.js';
import { askSecret, type Validate } from './prompts.js';

export interface SecretSource {
  /** What to call it in messages: "passkey", "root password". */
  label: string;
  envName: string;
  /** The flag that names a file holding it, e.g. "--passkey-file". */
  fileFlag: string;
  file: string | undefined;
  /** The systemd credential holding it: $CREDENTIALS_DIRECTORY/<credential> (e.g. "passkey"). */
  credential?: string;
  minLength?: number;
  /** Ask twice when it is being set for the first time. */
  confirm?: boolean;
  interactive: boolean;
  /** It must differ from this other secret (the root password from the passkey). */
  differentFrom?: { value: string; label: string };
  /**
   * At a prompt, a check of the typed value against what it must be (the stored passkey): true or
   * the sentence to show before asking again. Given secrets (file, environment) are checked by the caller.
   */
  check?: Validate;
}

function readSecretFile(file: string, label: string, fileFlag: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new PartyPoolError('SECRET_MISSING', fileErrorText(error, file, `the ${label} file given with ${fileFlag}`));
  }
  // One trailing newline is an editor's habit, not part of the secret.
  return text.replace(/\r?\n$/, '');
}

/** A secret from its file, environment variable or systemd credential, without prompting; undefined when none is given. */
export function givenSecret(source: Pick<SecretSource, 'label' | 'envName' | 'file' | 'credential'> & { fileFlag?: string }, env: CliIo['env']): string | undefined {
  if (source.file !== undefined) return readSecretFile(source.file, source.label, source.fileFlag ?? 'its flag');
  const value = env[source.envName];
  if (value !== undefined && value !== '') return value;
  // systemd passes LoadCredential= files in a private directory only this service can read.
  const credentials = env.CREDENTIALS_DIRECTORY;
  if (source.credential && credentials) {
    const file = path.join(credentials, source.credential);
    if (fs.existsSync(file)) return readSecretFile(file, source.label, `LoadCredential=${source.credential}`);
  }
  return undefined;
}

/** Resolve a secret from file, environment or prompt, in that order. */
export async function resolveSecret(source: SecretSource, io: Pick<CliIo, 'env' | 'stdin' | 'stdout'>): Promise<string> {
  let secret = givenSecret(source, io.env);
  if (secret === undefined) {
    if (!source.interactive) {
      const credential = source.credential ? `, or pass the systemd credential "${source.credential}"` : '';
      throw new PartyPoolError('SECRET_MISSING', `No ${source.label} given: set ${source.envName} or use ${source.fileFlag} FILE${credential}.`);
    }
    secret = await askNewOrKnownSecret(source, io);
  }
  if (source.minLength !== undefined && secret.length < source.minLength) {
    throw new PartyPoolError('SECRET_TOO_SHORT', `The ${source.label} must be at least ${source.minLength} characters long.`);
  }
  if (source.differentFrom && secret === source.differentFrom.value) {
    throw new PartyPoolError('SECRET_MISMATCH', `The ${source.label} must differ from the ${source.differentFrom.label}.`);
  }
  return secret;
}

/** The hidden prompt(s): each answer checked as it is typed; two entries that differ start the pair again. */
async function askNewOrKnownSecret(source: SecretSource, io: Pick<CliIo, 'stdin' | 'stdout'>): Promise<string> {
  const min = source.minLength ?? 1;
  const validate: Validate = async (value) => {
    if (value.length < min) return `The ${source.label} must be at least ${min} characters long.`;
    if (source.differentFrom && value === source.differentFrom.value) return `The ${source.label} must differ from the ${source.differentFrom.label}; choose another.`;
    return source.check ? source.check(value) : true;
  };
  let note = '';
  for (;;) {
    const secret = await askSecret(io, `${note}${capitalise(source.label)}:`, validate);
    if (!source.confirm) return secret;
    const again = await askSecret(io, `Type the ${source.label} again:`);
    if (again === secret) return secret;
    note = `The two ${source.label}s differed; type it again. `;
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
