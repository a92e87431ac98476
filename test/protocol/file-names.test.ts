// Untrusted file names: whatever a sender calls a file, what is stored and saved is one visible
// component that no file system misreads, and a download never takes an existing name.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { FALLBACK_FILE_NAME, MAX_SAFE_NAME_BYTES, numberedFileName, safeFileName } from '../../src/protocol/file-names.js';

test('separators, dot-dot, control and bidi characters, device names, trailing dots and length', () => {
  const cases: [string, string][] = [
    ['holiday.jpg', 'holiday.jpg'],
    ['../../../etc/passwd', 'passwd'],
    ['..\\..\\boot.ini', 'boot.ini'],
    ['..', FALLBACK_FILE_NAME],
    ['', FALLBACK_FILE_NAME],
    ['\u200B\u200D', FALLBACK_FILE_NAME],
    ['.hidden', 'hidden'],
    ['report\u202Efdp.exe', 'reportfdp.exe'],
    ['a\u2066b\u2069c.txt', 'abc.txt'],
    ['tab\there.txt', 'tabhere.txt'],
    ['new\nline.txt', 'newline.txt'],
    ['what?*<>|".txt', 'what______.txt'],
    ['CON', '_CON'],
    ['con.txt', '_con.txt'],
    ['Lpt9.tar.gz', '_Lpt9.tar.gz'],
    ['COM¹', '_COM¹'],
    ['console.txt', 'console.txt'],
    ['name. . .', 'name'],
    ['   spaced   out  .txt ', 'spaced out .txt'],
    ['café.png', 'café.png'],
  ];
  for (const [given, expected] of cases) assert.equal(safeFileName(given), expected, JSON.stringify(given));
  const long = safeFileName('é'.repeat(300) + '.jpeg');
  assert.ok(Buffer.byteLength(long) <= MAX_SAFE_NAME_BYTES && long.endsWith('é.jpeg'), long);
});

test('any input becomes a safe name (property)', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (raw) => {
      const name = safeFileName(raw);
      assert.ok(name.length > 0);
      assert.ok(Buffer.byteLength(name) <= MAX_SAFE_NAME_BYTES);
      assert.doesNotMatch(name, /[/\\<>:"|?*\p{Cc}\p{Cf}]/u);
      assert.doesNotMatch(name, /^[.\s]|[.\s]$/u);
      assert.doesNotMatch(name.split('.')[0] ?? '', /^(con|prn|aux|nul|com\d|lpt\d)$/i);
      assert.equal(safeFileName(name), name, 'safe names stay as they are');
    }),
    { numRuns: 2000 },
  );
});

test('numbered names keep the extension', () => {
  assert.equal(numberedFileName('holiday.jpg', 0), 'holiday.jpg');
  assert.equal(numberedFileName('holiday.jpg', 1), 'holiday (1).jpg');
  assert.equal(numberedFileName('archive.tar.gz', 2), 'archive.tar (2).gz');
  assert.equal(numberedFileName('README', 3), 'README (3)');
});
