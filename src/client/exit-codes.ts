// The exit status for the way a session ended (the README's table of exit codes).
import { ExitCode, type ExitCodeValue } from '../common/errors.js';

const REFUSALS: ReadonlySet<string> = new Set(['AUTH_FAILED', 'ROOT_AUTH_FAILED', 'KICKED', 'BANNED', 'PACKAGE_REVOKED', 'SERVER_FULL', 'TOO_MANY_FROM_ADDRESS', 'ACCOUNT_DELETED', 'PASSWORD_WRONG', 'LOCKDOWN']);

/** 0 for leaving or a server shutdown, 3 for a refusal or removal, 1 for flooding, 4 for a lost connection. */
export function exitCodeForClose(code: string): ExitCodeValue {
  if (code === 'LEFT' || code === 'SHUTDOWN') return ExitCode.ok;
  if (REFUSALS.has(code)) return ExitCode.authRefused;
  if (code === 'FLOODING') return ExitCode.runtime;
  return ExitCode.cannotConnect;
}
