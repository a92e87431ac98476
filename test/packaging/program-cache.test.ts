import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { PartyPoolError } from '../../src/common/errors.js';
import { sha256Hex } from '../../src/crypto/hash.js';
import { ensureProgram, programKey, type ProgramInputs } from '../../src/packaging/executable.js';
import { tempDir } from '../helpers/server.js';

/** Inputs whose runtimes must never be needed: a cache hit touches no runtime. */
function inputs(cacheDir: string): ProgramInputs {
  const never = (): Promise<string> => Promise.reject(new Error('a runtime was asked for'));
  return {
    target: 'win-x64',
    nodeVersion: '22.0.0',
    runtime: { sha256: 'a'.repeat(64), binary: never },
    hostRuntime: { sha256: 'b'.repeat(64), binary: never },
    bundle: Buffer.from('console.log(1)'),
    cacheDir,
    signal: new AbortController().signal,
  };
}

/** A cached program as the builder records it, with made-up contents. */
function plantProgram(cacheDir: string, given: ProgramInputs): string {
  const dir = path.join(cacheDir, 'programs', programKey(given));
  fs.mkdirSync(dir, { recursive: true });
  const files = { program: Buffer.from('MZ program'), prefix: Buffer.from('prefix'), suffix: Buffer.from('suffix') };
  fs.writeFileSync(path.join(dir, 'program'), files.program);
  fs.writeFileSync(path.join(dir, 'before-slot.deflate'), files.prefix);
  fs.writeFileSync(path.join(dir, 'after-slot.deflate'), files.suffix);
  const record = { format: 1, target: 'win-x64', bytes: 10, slotOffset: 2, prefixCrc: 0, notes: [], sha256: { program: sha256Hex(files.program), prefix: sha256Hex(files.prefix), suffix: sha256Hex(files.suffix) } };
  fs.writeFileSync(path.join(dir, 'program.json'), JSON.stringify(record));
  return dir;
}

test('a cached program matching its record is used without touching a runtime; the key follows the bundle and the runtimes', async () => {
  const cache = tempDir();
  const given = inputs(cache);
  const dir = plantProgram(cache, given);
  const program = await ensureProgram(given, () => assert.fail('no blob is needed'));
  assert.equal(program.file, path.join(dir, 'program'));
  assert.equal(program.made, false);
  assert.notEqual(programKey({ ...given, bundle: Buffer.from('console.log(2)') }), programKey(given));
  assert.notEqual(programKey({ ...given, runtime: { sha256: 'c'.repeat(64) } }), programKey(given));
});

test('a tampered cached program is refused with RUNTIME_MISMATCH and not used', async () => {
  const cache = tempDir();
  const given = inputs(cache);
  const dir = plantProgram(cache, given);
  fs.writeFileSync(path.join(dir, 'program'), 'MZ evil!!!');
  await assert.rejects(
    ensureProgram(given, () => assert.fail('no blob is needed')),
    (error) => error instanceof PartyPoolError && error.code === 'RUNTIME_MISMATCH' && (error as Error).message.includes(dir),
  );
});
