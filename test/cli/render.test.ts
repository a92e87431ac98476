import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonEvent, renderEvent } from '../../src/cli/render.js';
import { sanitizeForTerminal } from '../../src/cli/sanitize.js';
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
  assert.equal(real, '*** SERVER NOTICE: Restarting soon');
  const escaped = renderEvent({ type: 'message', from: 'eve', text: 'x\u001b]0;pwned\u0007', time: '2026-01-01T10:00:00Z' }, plain);
  assert.ok(!escaped?.includes('\u001b'));
});

test('json events have the documented shape', () => {
  assert.deepEqual(jsonEvent({ type: 'message', from: 'a', text: 'b', time: 't' }), { type: 'message', from: 'a', text: 'b', time: 't' });
  assert.deepEqual(jsonEvent({ type: 'online', ref: 3, users: ['a'] }), { type: 'online', users: ['a'] });
  assert.deepEqual(jsonEvent({ type: 'error', ref: 3, code: 'X', message: 'y' }), { type: 'error', code: 'X', message: 'y' });
  assert.equal(jsonEvent({ type: 'ack', ref: 1 }), undefined);
});
