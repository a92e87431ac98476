// Name rules: ASCII only (so no invisible, bidi, tag or combining character can be in a name),
// reserved names and their look-alikes, and the confusable skeleton (UTS #39, closed over case).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { NAME_CONFUSABLES, checkName, nameSkeleton } from '../../src/protocol/names.js';
import { nameConfusablesFrom } from '../../scripts/name-confusables.js';

test('names refuse zero-width, bidi, tag and combining characters (names are ASCII only)', () => {
  const disguised = [
    'al\u200bice', // zero-width space
    'al\u200dice', // zero-width joiner
    'alice\u2060', // word joiner
    '\ufeffalice', // byte-order mark
    'al\u00adice', // soft hyphen
    'alice\u202e', // right-to-left override
    '\u2067alice', // right-to-left isolate
    'alice\u200f', // right-to-left mark
    'alice\u{e0041}', // tag latin capital letter A
    'ali\u0301ce', // combining acute accent
    'alice\u0336', // combining long stroke overlay
    'al\u0456ce', // Cyrillic i
    '\u3164', // Hangul filler (looks blank)
  ];
  for (const name of disguised) assert.equal(checkName(name), 'NAME_INVALID', JSON.stringify(name));
  assert.equal(checkName('alice'), undefined);
  assert.equal(checkName('Bob_2.0-x'), undefined);
});

test('look-alike names share a skeleton; different names do not', () => {
  const same = [
    ['aIice', 'alice', 'ALICE', 'a1ice', 'AL1CE', 'alIce'],
    ['r00t', 'root', 'ROOT', 'rO0t'],
    ['rnallory', 'mallory', 'MALLORY', 'rnalIory'],
    ['b0b', 'bob', 'BOB'],
    ['bill', 'bi11', 'BILL', 'biII'],
  ];
  for (const group of same) for (const name of group) assert.equal(nameSkeleton(name), nameSkeleton(group[0] ?? ''), `${name} ~ ${group[0]}`);
  const different = [
    ['alice', 'alicia'],
    ['bob', 'rob'],
    ['al.ice', 'alice'],
    ['alice_', 'alice'],
    ['eve', 'eva'],
  ];
  for (const [a = '', b = ''] of different) assert.notEqual(nameSkeleton(a), nameSkeleton(b), `${a} vs ${b}`);
  assert.equal(nameSkeleton('aIice'), 'allce');
  assert.equal(nameSkeleton('r00t'), 'root');
});

test('reserved names are refused in look-alike spellings too', () => {
  for (const name of ['root', 'ROOT', 'r00t', 'R0OT', 'admin', 'adm1n', 'ADMIN', 'admln', 'adrnin', 'system', 'systern', 'SERVER', 'server']) {
    assert.equal(checkName(name), 'NAME_RESERVED', name);
  }
  for (const name of ['rooty', 'admins', 'root_', 'serve', 'sys']) assert.equal(checkName(name), undefined, name);
});

const nameChar = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-');
const validName = fc.array(nameChar, { minLength: 1, maxLength: 24 }).map((chars) => chars.join(''));

test('a skeleton ignores letter case and every confusables.txt substitution, and is its own skeleton', () => {
  fc.assert(
    fc.property(validName, fc.array(fc.boolean(), { minLength: 24, maxLength: 24 }), (name, flips) => {
      const recased = [...name].map((ch, i) => (flips[i] ? (ch === ch.toLowerCase() ? ch.toUpperCase() : ch.toLowerCase()) : ch)).join('');
      assert.equal(nameSkeleton(recased), nameSkeleton(name));
      // Replace each character that has a confusables.txt entry by its prototype (UTS #39's mapping).
      const mapped = [...name].map((ch) => NAME_CONFUSABLES.get(ch) ?? ch).join('');
      assert.equal(nameSkeleton(mapped), nameSkeleton(name));
      assert.equal(nameSkeleton(nameSkeleton(name)), nameSkeleton(name));
    }),
    { numRuns: 500 },
  );
});

test('the table is what confusables.txt says about name characters (derivation script)', () => {
  // Lines as they appear in confusables.txt (source ; target ; type # comment), with neighbours
  // whose source is not a name character.
  const excerpt = [
    '# confusables.txt',
    '05AD ;\t0596 ;\tMA\t# ( ֭ → ֖ ) HEBREW ACCENT DEHI → HEBREW ACCENT TIPEHA\t# ',
    '0030 ;\t004F ;\tMA\t# ( 0 → O ) DIGIT ZERO → LATIN CAPITAL LETTER O\t# ',
    '0031 ;\t006C ;\tMA\t# ( 1 → l ) DIGIT ONE → LATIN SMALL LETTER L\t# ',
    '007C ;\t006C ;\tMA\t# ( | → l ) VERTICAL LINE → LATIN SMALL LETTER L\t# ',
    '0049 ;\t006C ;\tMA\t# ( I → l ) LATIN CAPITAL LETTER I → LATIN SMALL LETTER L\t# ',
    '006D ;\t0072 006E ;\tMA\t# ( m → rn ) LATIN SMALL LETTER M → LATIN SMALL LETTER R, LATIN SMALL LETTER N\t# ',
    '0430 ;\t0061 ;\tMA\t# ( а → a ) CYRILLIC SMALL LETTER A → LATIN SMALL LETTER A\t# ',
    '',
  ].join('\n');
  assert.deepEqual(nameConfusablesFrom(excerpt), new Map(NAME_CONFUSABLES));
});
