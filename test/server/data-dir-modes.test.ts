// Attack: the admin made the data and log directories beforehand (or restored a backup) with
// loose modes, so other users of the machine could read the TLS key, auth.json's verifiers,
// the database and the logs. The server tightens every directory and file there at start and
// logs each change; a directory another user owns (who could swap the files) is refused with
// one clear sentence.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { PartyPoolError } from '../../src/common/errors.js';
import { readTextIfExists } from '../../src/data-dir/files.js';
import { startTestServer, tempDir, waitUntil } from '../helpers/server.js';

const posix = process.platform !== 'win32';
const modeOf = (file: string): number => fs.statSync(file).mode & 0o777;

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? [full, ...walk(full)] : [full];
  });
}

test('data and log directories made beforehand with loose modes are tightened at start, and each change is logged', { skip: !posix }, async () => {
  const root = tempDir();
  const dataDir = path.join(root, 'data');
  const logDir = path.join(root, 'logs');
  // What an admin's `mkdir` and a restored backup leave: 0755 directories, 0644 files.
  fs.mkdirSync(path.join(dataDir, 'old-backup'), { recursive: true });
  fs.mkdirSync(logDir, { recursive: true });
  fs.writeFileSync(path.join(dataDir, 'old-backup', 'notes.txt'), 'x');
  fs.writeFileSync(path.join(logDir, 'audit.log'), '');
  for (const dir of [dataDir, path.join(dataDir, 'old-backup'), logDir]) fs.chmodSync(dir, 0o755);
  fs.chmodSync(logDir, 0o777);
  fs.chmodSync(path.join(dataDir, 'old-backup', 'notes.txt'), 0o644);
  fs.chmodSync(path.join(logDir, 'audit.log'), 0o666);
  const t = await startTestServer({ dataDir, logDir }, root);
  try {
    for (const dir of [dataDir, logDir]) {
      assert.equal(modeOf(dir), 0o700, dir);
      for (const entry of walk(dir)) assert.equal(modeOf(entry) & 0o077, 0, `${entry} is ${modeOf(entry).toString(8)}`);
    }
    const log = path.join(logDir, 'server.log');
    await waitUntil(() => fs.existsSync(log) && fs.readFileSync(log, 'utf8').split('\n').filter((l) => l.includes('permissions tightened')).length >= 5, 5000, 'the log lines');
    const lines = fs.readFileSync(log, 'utf8').split('\n').filter((l) => l.includes('permissions tightened'));
    assert.ok(lines.some((l) => l.includes('audit.log') && l.includes('from 0666 to 0600')), lines.join('\n'));
    assert.ok(lines.some((l) => l.includes(`${logDir} from 0777 to 0700`)), lines.join('\n'));
  } finally {
    await t.close();
  }
});

test('a file read from the data directory is tightened before it is trusted', { skip: !posix }, () => {
  const dir = tempDir();
  const file = path.join(dir, 'auth.json');
  fs.writeFileSync(file, '{}');
  fs.chmodSync(file, 0o644);
  assert.equal(readTextIfExists(file), '{}');
  assert.equal(modeOf(file), 0o600);
  assert.equal(readTextIfExists(path.join(dir, 'missing.json')), undefined);
});

test('a data directory owned by another user is refused with one sentence, and left as it was', { skip: !posix || process.getuid?.() !== 0 ? 'needs root (to give a directory to another user)' : false }, async () => {
  const root = tempDir();
  const dataDir = path.join(root, 'data');
  fs.mkdirSync(dataDir, { mode: 0o700 });
  fs.chownSync(dataDir, 4242, 4242);
  await assert.rejects(startTestServer({ dataDir }, root), (error) => {
    assert.ok(error instanceof PartyPoolError && error.code === 'DATA_DIR_UNUSABLE', String(error));
    assert.match(error.message, /^Cannot use the data directory .*belongs to another user \(uid 4242\)/);
    assert.ok(!error.message.includes('\n'));
    return true;
  });
  assert.equal(fs.statSync(dataDir).uid, 4242);
  assert.deepEqual(fs.readdirSync(dataDir), []);
});
