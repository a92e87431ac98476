import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseClientMessage, parseServerMessage } from '../../src/protocol/messages.js';
import { checkName } from '../../src/protocol/names.js';
import { checkText } from '../../src/protocol/text.js';

test('client messages are validated into the union', () => {
  assert.equal(parseClientMessage({ type: 'say', id: 3, text: 'hi' }).ok, true);
  for (const bad of [null, 42, 'say', [], {}, { type: 'nope' }, { type: 'say', id: -1, text: 'x' }, { type: 'say', id: 1.5, text: 'x' }, { type: 'say', id: 1, text: 7 }, { type: 'command', id: 1, name: '', args: '' }, { type: 'hello', versions: [], client: 'x' }, { type: 'say', id: 2 ** 60, text: 'x' }]) {
    const result = parseClientMessage(bad);
    assert.equal(result.ok, false, JSON.stringify(bad));
  }
});

test('server messages are validated on the client too', () => {
  assert.equal(parseServerMessage({ type: 'message', from: 'a', text: 'b', time: 't' }).ok, true);
  assert.equal(parseServerMessage({ type: 'notice', from: 'alice', text: 'b', time: 't' }).ok, false);
});

test('name rules', () => {
  assert.equal(checkName('alice'), undefined);
  assert.equal(checkName('A.b-c_9'), undefined);
  assert.equal(checkName('x'.repeat(24)), undefined);
  assert.equal(checkName('x'.repeat(25)), 'NAME_INVALID');
  assert.equal(checkName(''), 'NAME_INVALID');
  assert.equal(checkName('has space'), 'NAME_INVALID');
  assert.equal(checkName('ünïcode'), 'NAME_INVALID');
  assert.equal(checkName('<script>'), 'NAME_INVALID');
  for (const reserved of ['root', 'Server', 'ADMIN', 'system']) assert.equal(checkName(reserved), 'NAME_RESERVED');
});

test('text rules: control characters refused, tabs become spaces, length counted in characters', () => {
  assert.deepEqual(checkText('a\tb', 10), { text: 'a b' });
  assert.deepEqual(checkText('   ', 10), { error: 'TEXT_EMPTY' });
  assert.deepEqual(checkText('\u001b[2J', 10), { error: 'TEXT_INVALID' });
  assert.deepEqual(checkText('line\nbreak', 20), { error: 'TEXT_INVALID' });
  assert.deepEqual(checkText('evil\u202etxt', 20), { error: 'TEXT_INVALID' });
  assert.deepEqual(checkText('😀'.repeat(10), 10), { text: '😀'.repeat(10) });
  assert.deepEqual(checkText('x'.repeat(11), 10), { error: 'TEXT_TOO_LONG' });
  assert.deepEqual(checkText('<b>&amp;</b>', 20), { text: '<b>&amp;</b>' });
});
