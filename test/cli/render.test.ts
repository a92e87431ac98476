import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonDirectEvent, jsonEvent, renderDirectEvent, renderEvent } from '../../src/cli/render.js';
import { MAX_MARKS, NOTICE_MARK, sanitizeForTerminal } from '../../src/cli/sanitize.js';
import { makeChalk } from '../../src/cli/style.js';

const plain = { chalk: makeChalk(false), color: false, boxes: false };

test('terminal escapes and bidi overrides from others are shown escaped, never executed', () => {
  assert.equal(sanitizeForTerminal('a\u001b[2Jb\u0007c\u202ed\r\n'), 'a\\x1b[2Jb\\x07c\\u202ed\\x0d\\x0a');
  assert.equal(sanitizeForTerminal('<b>&amp;</b> ünï 😀'), '<b>&amp;</b> ünï 😀');
});

test('chat lines always start with the time and sender; notices cannot be imitated', () => {
  const forged = renderEvent({ type: 'message', from: 'mallory', text: '*** SERVER NOTICE: send me your passkey', time: '2026-01-01T10:00:00Z' }, plain);
  assert.match(forged ?? '', /^\[\d\d:\d\d:\d\d\] mallory: \*\*\* SERVER NOTICE/);
  const real = renderEvent({ type: 'notice', from: 'server', text: 'Restarting soon', time: '2026-01-01T10:00:00Z' }, plain);
  assert.equal(real, `${NOTICE_MARK} *** SERVER NOTICE: Restarting soon`);
  const escaped = renderEvent({ type: 'message', from: 'eve', text: 'x\u001b]0;pwned\u0007', time: '2026-01-01T10:00:00Z' }, plain);
  assert.ok(!escaped?.includes('\u001b'));
});

test('json events have the documented shape', () => {
  assert.deepEqual(jsonEvent({ type: 'message', from: 'a', text: 'b', time: 't' }), { type: 'message', from: 'a', text: 'b', time: 't' });
  assert.deepEqual(jsonEvent({ type: 'online', ref: 3, users: ['a'] }), { type: 'online', users: ['a'] });
  assert.deepEqual(jsonEvent({ type: 'error', ref: 3, code: 'X', message: 'y' }), { type: 'error', code: 'X', message: 'y' });
  assert.equal(jsonEvent({ type: 'ack', ref: 1 }), undefined);
});

test('invisible, bidi, tag and stacked combining characters from others are shown escaped', () => {
  assert.equal(sanitizeForTerminal('pay\u200bpal'), 'pay\\u200bpal', 'zero-width space');
  assert.equal(sanitizeForTerminal('a\u200db\u200cc\u2060d\ufeffe\u00adf'), 'a\\u200db\\u200cc\\u2060d\\ufeffe\\xadf', 'joiners between Latin letters, word joiner, BOM, soft hyphen');
  assert.equal(sanitizeForTerminal('abc\u200e\u200f\u061c\u2066x\u2069'), 'abc\\u200e\\u200f\\u061c\\u2066x\\u2069', 'bidi marks and isolates');
  assert.equal(sanitizeForTerminal('hi\u{e0069}\u{e0067}\u{e006e}'), 'hi\\u{e0069}\\u{e0067}\\u{e006e}', 'tag characters hiding text');
  assert.equal(sanitizeForTerminal('\u0301start'), '\\u0301start', 'a mark with nothing under it');
  assert.equal(sanitizeForTerminal('a \u0301'), 'a \\u0301', 'a mark on a space');
  const zalgo = 'Z' + '\u0336\u0300\u0301\u0302\u0303\u0304\u0305\u0306';
  assert.equal(sanitizeForTerminal(zalgo), 'Z\u0336\u0300\u0301\u0302\\u0303\\u0304\\u0305\\u0306', `at most ${MAX_MARKS} marks on one letter`);
  assert.equal(sanitizeForTerminal(`${NOTICE_MARK} *** ROOT NOTICE: hi \u2589\u25a0\u{1fb8b}`), '\\u2588 *** ROOT NOTICE: hi \\u2589\\u25a0\\u{1fb8b}', 'the notice mark and look-alikes');
});

test('text in other scripts and emoji sequences pass unchanged', () => {
  for (const text of [
    'Tiếng Việt: ệ and ề', // Vietnamese, precomposed
    'Vie\u0323\u0302t decomposed', // two marks on one letter
    'ภาษาไทย ที่นี่', // Thai vowel and tone marks
    'हिन्दी क्षत्रिय', // Devanagari virama and vowel signs
    'می\u200cخواهم', // Persian zero-width non-joiner between Arabic letters
    'क्\u200dष', // zero-width joiner in Devanagari
    '👨\u200d👩\u200d👧 family', // emoji ZWJ sequence
    '👩🏽\u200d💻 and ❤️\u200d🔥', // modifier and variation selector before a ZWJ
    '🏴\u{e0067}\u{e0062}\u{e0065}\u{e006e}\u{e0067}\u{e007f} England', // tag sequence flag
    '1️⃣ keycap, 🇬🇧 flag',
    '<b>&amp;</b> ünï 😀',
  ]) {
    assert.equal(sanitizeForTerminal(text), text, text);
  }
});

test('a chat line padded to wrap into a notice never renders a row that looks like a real notice', () => {
  const root = renderEvent({ type: 'notice', from: 'root', text: 'send me your passkey', time: '2026-01-01T10:00:00Z' }, plain) ?? '';
  assert.ok(root.startsWith(`${NOTICE_MARK} *** ROOT NOTICE: `));
  for (const width of [40, 80, 100, 120, 132]) {
    for (const pad of [0, 1, 2, 30, 57, 69]) {
      for (const forged of ['*** ROOT NOTICE: send me your passkey', `${NOTICE_MARK} *** ROOT NOTICE: send me your passkey`, '\u2589 *** ROOT NOTICE: x']) {
        const line = renderEvent({ type: 'message', from: 'mallory', text: ' '.repeat(pad) + forged.padStart(width, ' '), time: '2026-01-01T10:00:00Z' }, plain) ?? '';
        // What a terminal of this width shows, row by row (the rendered line is ASCII here).
        for (let at = 0; at < line.length; at += width) {
          const row = line.slice(at, at + width);
          assert.ok(!row.startsWith(NOTICE_MARK), `row ${JSON.stringify(row)} at width ${width}`);
          assert.notEqual(row.trimEnd(), root.slice(0, width).trimEnd());
        }
      }
    }
  }
});

test('direct messages: "[21:04] bob → you: …" in their own colour, escaped; the --json forms are the fixed ones', () => {
  const time = new Date(2026, 0, 2, 21, 4).toISOString();
  const incoming = { type: 'direct', id: 'm1', from: 'bob', to: 'alice', text: 'hi \u001b[2J', time, direction: 'in' } as const;
  assert.equal(renderDirectEvent(incoming, plain), '[21:04] bob → you: hi \\x1b[2J');
  assert.equal(renderDirectEvent({ ...incoming, direction: 'out', from: 'alice', to: 'bob' }, plain), '[21:04] you → bob: hi \\x1b[2J');
  assert.equal(renderDirectEvent({ ...incoming, sentAs: 'bobby' }, plain), '[21:04] bob → you (sent as bobby): hi \\x1b[2J');
  const coloured = renderDirectEvent(incoming, { ...plain, chalk: makeChalk(true), color: true });
  assert.notEqual(coloured, renderDirectEvent(incoming, plain), 'coloured on a terminal');
  assert.deepEqual(jsonDirectEvent({ ...incoming, stored: true, sentAs: 'bobby' }), { type: 'direct', id: 'm1', from: 'bob', to: 'alice', text: 'hi \u001b[2J', time });
  const number = '12345 67890 12345 67890 12345 67890 12345 67890 12345 67890 12345 67890';
  assert.deepEqual(jsonDirectEvent({ type: 'safety-number', name: 'bob', number, verified: false, confirmed: false }), { type: 'safety-number', name: 'bob', number, verified: false });
  const change = { type: 'key-changed', name: 'bob', status: 'changed', added: ['a'], removed: ['b'], wasVerified: true, self: false } as const;
  assert.deepEqual(jsonDirectEvent(change), { type: 'key-changed', name: 'bob' });
  assert.match(renderDirectEvent(change, plain), /bob's keys changed.*nothing is sent to them until you compare the safety number again/);
  assert.match(renderDirectEvent({ ...change, status: 'new-device', wasVerified: false }, plain), /bob has a new device \(a\)\. If you did not expect it, compare safety numbers with \/verify bob\./);
  assert.match(renderDirectEvent({ type: 'safety-number', name: 'bob', number, verified: false }, plain), /^Safety number with bob:\n {2}12345 67890 12345 67890\n/);
});

test('people read sentences, not codes: an error shows its message only (--json keeps the code)', () => {
  const refused = { type: 'error', ref: 4, code: 'MISSING_ARGUMENT', message: 'Usage: /join #room' } as const;
  assert.equal(renderEvent(refused, plain), '! Usage: /join #room');
  assert.deepEqual(jsonEvent(refused), { type: 'error', code: 'MISSING_ARGUMENT', message: 'Usage: /join #room' });
});

test('a message from another day than the one shown before it gets a date line; today\'s first gets none', () => {
  const days = { today: () => '2026-03-03' };
  const options = { ...plain, days };
  const at = (iso: string): string => renderEvent({ type: 'message', from: 'ann', text: 'hi', time: new Date(iso).toISOString() }, options) ?? '';
  // Local times, so the test holds in any time zone.
  assert.doesNotMatch(at('2026-03-03T09:00:00'), /──/);
  assert.doesNotMatch(at('2026-03-03T09:05:00'), /──/);
  const history = renderEvent(
    {
      type: 'history',
      ref: 1,
      room: '#lobby',
      reason: 'older',
      more: true,
      messages: [
        { id: 1, from: 'bob', text: 'old', time: new Date('2026-03-01T23:59:00').toISOString() },
        { id: 2, from: 'bob', text: 'newer', time: new Date('2026-03-02T00:01:00').toISOString() },
      ],
    },
    options,
  );
  assert.match(history ?? '', /── from the history of #lobby ──\n── Sunday, 1 March 2026 ──\n\[23:59:00\] bob: old\n── Monday, 2 March 2026 ──\n\[00:01:00\] bob: newer\n── \/history more shows earlier messages ──/);
  assert.match(at('2026-03-03T10:00:00'), /^── Today ──\n\[10:00:00\] ann: hi$/);
});

test('root tables line up by display width: wide characters and emoji take two columns', () => {
  const result = renderEvent(
    { type: 'result', ref: 1, title: 'Connected names', columns: ['name', 'role'], rows: [['ann', 'user'], ['李小龍', 'user'], ['😀😀', 'root']] },
    plain,
  );
  const rows = (result ?? '').split('\n').slice(1).map((line) => line.trim());
  assert.deepEqual(rows, ['name    role', 'ann     user', '李小龍  user', '😀😀    root']);
});

test('a file sent to one person: "[21:04] bob sent you holiday.jpg (2.4 MB) — /get 7", escaped; --json is the shared-file shape with "to"', () => {
  const time = new Date(2026, 0, 2, 21, 4).toISOString();
  const file = { id: '7', name: 'holiday\u202e.jpg', size: 2_400_000, sha256: 'ab'.repeat(32) };
  const incoming = { type: 'direct', id: 'm1', from: 'bob', to: 'alice', text: '[file] …', time, direction: 'in', file } as const;
  assert.equal(renderDirectEvent(incoming, plain), '[21:04] bob sent you holiday\\u202e.jpg (2.4 MB) — /get 7');
  assert.equal(renderDirectEvent({ ...incoming, direction: 'out', from: 'alice', to: 'bob' }, plain), '[21:04] You sent bob holiday\\u202e.jpg (2.4 MB) — /get 7');
  assert.deepEqual(jsonDirectEvent(incoming), { type: 'file', id: 7, to: 'alice', from: 'bob', name: 'holiday\u202e.jpg', size: 2_400_000, sha256: 'ab'.repeat(32), time });
});
