// The error registry is the contract: every code is documented, the command line's exit
// statuses are the registry's, and the facts a client derives from it stay consistent.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { ErrorCodes, ExitCode, PartyPoolError, exitCodeForClose, isErrorCode, isPasswordRefusal, isServerUnavailable, mayReconnectAfter, type ErrorCode } from '../../src/common/errors.js';

const read = (file: string): string => fs.readFileSync(new URL(`../../../${file}`, import.meta.url), 'utf8');
const protocolDoc = read('docs/PROTOCOL.md');
const readme = read('README.md');
const codes = Object.keys(ErrorCodes).filter(isErrorCode);

test('every registered code is documented in docs/PROTOCOL.md or the README', () => {
  const undocumented = codes.filter((code) => !protocolDoc.includes(`\`${code}\``) && !readme.includes(`\`${code}\``));
  assert.deepEqual(undocumented, [], 'document these codes (wire codes in docs/PROTOCOL.md, command-line codes in the README table)');
});

test("the README's table of command-line codes states the registry's exit status for each", () => {
  const rows = [...readme.matchAll(/^\| `([A-Z_]+)` \| (\d+) \|/gm)].map((match) => [match[1] ?? '', Number(match[2])] as const);
  assert.ok(rows.length >= 10, 'the table is there');
  for (const [code, exit] of rows) {
    assert.ok(isErrorCode(code), `${code} is registered`);
    assert.equal(exit, ErrorCodes[code].exit, `${code}: the README says ${exit}`);
  }
});

test('a session ending with a code exits with that code\'s status; unknown codes are a lost connection', () => {
  for (const code of codes) assert.equal(exitCodeForClose(code), ErrorCodes[code].exit, code);
  assert.equal(exitCodeForClose('SOMETHING_NEWER'), ExitCode.cannotConnect);
  assert.equal(exitCodeForClose('LEFT'), ExitCode.ok);
  assert.equal(new PartyPoolError('PACKAGE_REVOKED').exitCode, ExitCode.authRefused);
});

test('reconnect and password answers follow the registry', () => {
  const final: ErrorCode[] = ['AUTH_FAILED', 'KICKED', 'BANNED', 'PACKAGE_REVOKED', 'LOCKDOWN', 'FLOODING', 'IDENTITY_MISMATCH', 'PROTOCOL_VERSION'];
  for (const code of final) assert.equal(mayReconnectAfter(code), false, code);
  for (const code of ['SERVER_SHUTTING_DOWN', 'HEARTBEAT_TIMEOUT', 'CONNECT_FAILED', 'SOMETHING_NEWER']) assert.equal(mayReconnectAfter(code), true, code);
  assert.deepEqual(codes.filter(isPasswordRefusal).sort(), ['PASSWORD_INVALID', 'PASSWORD_REQUIRED', 'REGISTRATION_REQUIRED']);
});

test('a first connection is tried again only while the server is not there or busy (the registry says which)', () => {
  for (const code of ['CONNECT_FAILED', 'SERVER_FULL', 'SERVER_SHUTTING_DOWN', 'AUTH_TIMEOUT', 'INTERNAL'] as const) assert.equal(isServerUnavailable(code), true, code);
  for (const code of ['AUTH_FAILED', 'BANNED', 'NAME_TAKEN', 'IDENTITY_MISMATCH', 'PACKAGE_REVOKED', 'no-such-code'] as const) assert.equal(isServerUnavailable(code), false, code);
  // Unavailable is never final: a client that may wait for the server may also reconnect after it.
  for (const code of Object.keys(ErrorCodes) as ErrorCode[]) if (isServerUnavailable(code)) assert.equal(mayReconnectAfter(code), true, code);
});
