import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { checkRoomName, roomKey } from '../../src/protocol/rooms.js';
import { quoteWords, splitWords } from '../../src/protocol/words.js';

test('splitWords: quotes group words, "#room" is a word (not a comment), globs are not expanded', () => {
  assert.deepEqual(splitWords('kick #games bob'), ['kick', '#games', 'bob']);
  assert.deepEqual(splitWords('#games "two words" it\\\'s'), ['#games', 'two words', "it's"]);
  assert.deepEqual(splitWords('a#b "#quoted" \'#single\''), ['a#b', '#quoted', '#single']);
  assert.deepEqual(splitWords('pass*word ?'), ['pass*word', '?']);
  assert.deepEqual(splitWords('$HOME ${x}'), ['$HOME', '$x']);
  assert.equal(splitWords('a | b'), undefined);
  assert.equal(splitWords('a; rm -rf'), undefined);
  assert.deepEqual(splitWords(''), []);
});

test('quoteWords then splitWords gives back any words exactly (passwords from hidden prompts)', () => {
  fc.assert(
    fc.property(fc.array(fc.string({ unit: 'grapheme', minLength: 0, maxLength: 40 }), { minLength: 1, maxLength: 4 }), (words) => {
      assert.deepEqual(splitWords(quoteWords(words)), words);
    }),
    { numRuns: 500 },
  );
  for (const tricky of ["it's", '"', '\\', '$(x)', '#x', '*', 'a b', "'", '`ls`', '!x', '~']) assert.deepEqual(splitWords(quoteWords([tricky])), [tricky]);
});

test('room names: "#" plus 1-32 letters, digits, "-" or "_", compared case-insensitively', () => {
  for (const ok of ['#a', '#Games', '#a-b_c9', '#' + 'x'.repeat(32)]) assert.equal(checkRoomName(ok), undefined, ok);
  for (const bad of ['games', '#', '##', '#a b', '#a.b', '#' + 'x'.repeat(33), '#é', ' #a']) assert.equal(checkRoomName(bad), 'ROOM_NAME_INVALID', bad);
  assert.equal(roomKey('#GaMeS'), '#games');
});
