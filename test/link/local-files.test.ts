// Where downloads go and how /send and /get arguments read: the OS's Downloads folder (XDG's
// user-dirs on Linux), paths with spaces, quotes and ~, and sealed files' sizes and resume points.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { DIRECT_FILE_PLAIN_CHUNK, DIRECT_FILE_SEALED_CHUNK, FileOpener, SealedFileReader, newFileKey, sealedSize } from '../../src/link/direct-files.js';
import { parseFileCommand } from '../../src/link/file-commands.js';
import { defaultDownloadsDir, resolveUserPath } from '../../src/link/local-files.js';
import { tempDir } from '../helpers/server.js';

test('the Downloads folder: Windows, macOS, XDG user-dirs, and ~/Downloads otherwise', () => {
  assert.equal(defaultDownloadsDir({ env: { USERPROFILE: 'C:\\Users\\ann' }, platform: 'win32', homedir: 'C:\\Users\\x' }), 'C:\\Users\\ann\\Downloads');
  assert.equal(defaultDownloadsDir({ env: {}, platform: 'darwin', homedir: '/Users/ann' }), '/Users/ann/Downloads');
  const home = tempDir();
  assert.equal(defaultDownloadsDir({ env: {}, platform: 'linux', homedir: home }), path.join(home, 'Downloads'));
  fs.mkdirSync(path.join(home, '.config'));
  fs.writeFileSync(path.join(home, '.config', 'user-dirs.dirs'), '# written by xdg-user-dirs-update\nXDG_DESKTOP_DIR="$HOME/Desktop"\nXDG_DOWNLOAD_DIR="$HOME/Téléchargements"\n');
  assert.equal(defaultDownloadsDir({ env: {}, platform: 'linux', homedir: home }), path.join(home, 'Téléchargements'));
  const elsewhere = tempDir();
  fs.writeFileSync(path.join(elsewhere, 'user-dirs.dirs'), 'XDG_DOWNLOAD_DIR="$HOME"\n');
  assert.equal(defaultDownloadsDir({ env: { XDG_CONFIG_HOME: elsewhere }, platform: 'linux', homedir: home }), path.join(home, 'Downloads'), 'the home folder itself is not a downloads folder');
});

test('/send and /get arguments: spaces, quotes, ~ and @name', () => {
  const cwd = '/work/here';
  assert.deepEqual(parseFileCommand('send', 'holiday photo.jpg', cwd), { kind: 'send', path: '/work/here/holiday photo.jpg' });
  assert.deepEqual(parseFileCommand('send', '"a b.txt"', cwd), { kind: 'send', path: '/work/here/a b.txt' });
  assert.deepEqual(parseFileCommand('send', "@bob '/tmp/x y'", cwd), { kind: 'send', path: '/tmp/x y', to: 'bob' });
  assert.equal(parseFileCommand('send', '~/notes.txt', cwd).kind === 'send' && (parseFileCommand('send', '~/notes.txt', cwd) as { path: string }).path, resolveUserPath('~/notes.txt'));
  assert.equal(parseFileCommand('send', '', cwd).kind, 'usage');
  assert.equal(parseFileCommand('send', '@bob', cwd).kind, 'usage');
  assert.deepEqual(parseFileCommand('get', '7', cwd), { kind: 'get', id: 7 });
  assert.deepEqual(parseFileCommand('get', '#12 my downloads', cwd), { kind: 'get', id: 12, dir: '/work/here/my downloads' });
  for (const bad of ['', 'seven', '-1', '1.5']) assert.equal(parseFileCommand('get', bad, cwd).kind, 'usage', bad);
});

test('a sealed file reads the same from any offset, and opens chunk by chunk from any whole chunk', async () => {
  const dir = tempDir();
  for (const plainSize of [0, 1, DIRECT_FILE_PLAIN_CHUNK, DIRECT_FILE_PLAIN_CHUNK + 1, 3 * DIRECT_FILE_PLAIN_CHUNK + 100]) {
    const plain = Buffer.alloc(plainSize, 0).map((_, i) => (i * 7) % 251);
    const file = path.join(dir, `p${plainSize}`);
    fs.writeFileSync(file, plain);
    const key = newFileKey();
    const handle = await fs.promises.open(file, 'r');
    try {
      const reader = new SealedFileReader(handle, plainSize, key, '42');
      assert.equal(reader.size, sealedSize(plainSize));
      const whole = await reader.read(0, reader.size);
      assert.equal(whole.length, reader.size);
      // Read again in odd pieces (a resumed upload's chunks fall anywhere).
      const pieces: Buffer[] = [];
      for (let at = 0; at < reader.size; at += 1000) pieces.push(await reader.read(at, 1000));
      assert.ok(Buffer.concat(pieces).equals(whole));
      // Open from the start, and from a resume point.
      const opener = new FileOpener(key, '42', plainSize, 0);
      const opened = [...opener.push(whole.subarray(0, 70_000)), ...opener.push(whole.subarray(70_000)), opener.finish()];
      assert.ok(Buffer.concat(opened).equals(plain));
      const resume = FileOpener.resumePoint(Math.min(plainSize, DIRECT_FILE_PLAIN_CHUNK + 5), plainSize);
      assert.ok(resume.index <= Math.max(0, Math.ceil(plainSize / DIRECT_FILE_PLAIN_CHUNK) - 1), 'never past the final chunk');
      const later = new FileOpener(key, '42', plainSize, resume.index);
      const rest = [...later.push(whole.subarray(resume.sealed)), later.finish()];
      assert.ok(Buffer.concat(rest).equals(plain.subarray(resume.plain)));
      // Another file's id, or a byte changed: it does not open.
      if (plainSize > 0) {
        const isDecryptFailure = (error: unknown): boolean => error instanceof Error && 'code' in error && error.code === 'DECRYPT_FAILED';
        const moved = new FileOpener(key, '43', plainSize, 0);
        assert.throws(() => {
          moved.push(whole);
          moved.finish();
        }, isDecryptFailure);
        const tampered = Buffer.from(whole);
        tampered[5] = (tampered[5] ?? 0) ^ 1;
        const broken = new FileOpener(key, '42', plainSize, 0);
        assert.throws(() => {
          broken.push(tampered);
          broken.finish();
        }, isDecryptFailure);
      }
      assert.equal(DIRECT_FILE_SEALED_CHUNK, DIRECT_FILE_PLAIN_CHUNK + 16);
    } finally {
      await handle.close();
    }
  }
});
