import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseInputLine } from '../../src/link/input-line.js';

test('input lines become chat text or commands', () => {
  assert.deepEqual(parseInputLine('hello'), { kind: 'say', text: 'hello' });
  assert.deepEqual(parseInputLine('/request  more snacks '), { kind: 'command', name: 'request', args: 'more snacks' });
  assert.deepEqual(parseInputLine('/ONLINE'), { kind: 'command', name: 'online', args: '' });
  assert.deepEqual(parseInputLine('//not a command'), { kind: 'say', text: '/not a command' });
  assert.deepEqual(parseInputLine('   '), { kind: 'empty' });
});
