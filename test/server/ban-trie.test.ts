// The prefix trie behind address bans, and the ban list built on it, checked against naive
// references (a list of prefixes scanned linearly) on random operations: inserts, replacements,
// deletions, expiry and restarts. Short prefixes and a narrow address space make overlaps common.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { PrefixTrie } from '../../src/server/abuse/prefix-trie.js';
import { inRange, parseAddress, parseIpRange, prefixKey } from '../../src/server/abuse/ip-range.js';
import { BanList, type Ban } from '../../src/server/moderation/bans.js';
import { Store } from '../../src/data-dir/store.js';
import { tempDir } from '../helpers/server.js';

/** Whether the first `length` bits of two keys agree (the reference's idea of "covers"). */
function naiveCovers(prefix: Uint32Array, length: number, address: Uint32Array): boolean {
  for (let bit = 0; bit < length; bit++) {
    const word = bit >>> 5;
    const shift = 31 - (bit & 31);
    if ((((prefix[word] ?? 0) >>> shift) & 1) !== (((address[word] ?? 0) >>> shift) & 1)) return false;
  }
  return true;
}

/** The key with every bit from `length` on cleared. */
function maskKey(key: Uint32Array, length: number): number[] {
  return [...key].map((word, i) => {
    const kept = Math.min(32, Math.max(0, length - i * 32));
    return kept === 0 ? 0 : kept === 32 ? word : (word & (0xffffffff << (32 - kept))) >>> 0;
  });
}

/** A key of `bits` bits drawn from a few leading patterns, so random prefixes overlap often. */
function keyArbitrary(bits: number): fc.Arbitrary<Uint32Array> {
  const words = Math.ceil(bits / 32);
  const word = fc.oneof(fc.constantFrom(0, 0xffffffff, 0x80000000, 0x20010db8, 0x0a000000), fc.integer({ min: 0, max: 0xffffffff }));
  return fc.array(word, { minLength: words, maxLength: words }).map((list) => Uint32Array.from(list));
}

for (const bits of [32, 128]) {
  test(`prefix trie (${bits} bits) agrees with a linear scan after random inserts, replacements and deletions`, () => {
    const op = fc.record({ remove: fc.boolean(), key: keyArbitrary(bits), length: fc.oneof(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: bits })) });
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 60 }), fc.array(keyArbitrary(bits), { minLength: 1, maxLength: 20 }), (ops, probes) => {
        const trie = new PrefixTrie<number>(bits);
        const reference = new Map<string, { key: Uint32Array; length: number; value: number }>();
        const id = (key: Uint32Array, length: number): string => `${length}/${maskKey(key, length).join('.')}`;
        ops.forEach((o, value) => {
          const name = id(o.key, o.length);
          if (o.remove) {
            // Delete an existing prefix most of the time, so deletions do real work.
            const victim = [...reference.values()][value % Math.max(1, reference.size)];
            const [key, length] = victim && value % 4 !== 0 ? [victim.key, victim.length] : [o.key, o.length];
            assert.equal(trie.delete(key, length), reference.delete(id(key, length)));
          } else {
            trie.set(o.key, o.length, value);
            reference.set(name, { key: o.key, length: o.length, value });
          }
          assert.equal(trie.size, reference.size);
          assert.ok(trie.nodeCount() <= 2 * trie.size + 1, 'valueless nodes with one child are collapsed');
        });
        // Probe random addresses and addresses inside the stored prefixes.
        const addresses = [...probes, ...[...reference.values()].map((r) => r.key)];
        for (const address of addresses) {
          const found: number[] = [];
          trie.covering(address, (v) => found.push(v));
          const expected = [...reference.values()].filter((r) => naiveCovers(r.key, r.length, address)).sort((a, b) => a.length - b.length).map((r) => r.value);
          assert.deepEqual(found, expected);
        }
        for (const r of reference.values()) assert.equal(trie.get(r.key, r.length), r.value);
        // Deleting everything leaves an empty trie that matches nothing.
        for (const r of [...reference.values()]) assert.equal(trie.delete(r.key, r.length), true);
        assert.equal(trie.size, 0);
        assert.equal(trie.nodeCount(), 1, 'only the root is left');
        for (const address of addresses) trie.covering(address, () => assert.fail('an emptied trie matched'));
      }),
      { numRuns: 300 },
    );
  });
}

test('prefix trie: the whole space (/0) and single addresses, and lengths outside the key are refused', () => {
  const trie = new PrefixTrie<string>(32);
  const key = (text: string): Uint32Array => prefixKey(parseAddress(text)?.bytes ?? []);
  trie.set(key('0.0.0.0'), 0, 'all');
  trie.set(key('10.1.2.3'), 32, 'host');
  trie.set(key('10.0.0.0'), 8, 'ten');
  const seen: string[] = [];
  trie.covering(key('10.1.2.3'), (v) => seen.push(v));
  assert.deepEqual(seen, ['all', 'ten', 'host']);
  assert.equal(trie.delete(key('0.0.0.0'), 0), true);
  assert.equal(trie.delete(key('10.0.0.0'), 9), false);
  assert.throws(() => trie.set(key('1.2.3.4'), 33, 'x'), RangeError);
  trie.clear();
  assert.equal(trie.size, 0);
});

/** Random address targets: IPv4 and IPv6 ranges under two crowded prefixes, hosts, and IPv4-mapped forms. */
const v4Target = fc
  .tuple(fc.constantFrom(10, 203), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 8, max: 32 }))
  .map(([a, b, c, d, prefix]) => (prefix === 32 ? `${a}.${b}.${c}.${d}` : `${a}.${b}.${c}.${d}/${prefix}`));
const v6Target = fc
  .tuple(fc.constantFrom('2001:db8', 'fd00:1'), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 16, max: 128 }))
  .map(([head, a, b, prefix]) => `${head}:${a}:${b.toString(16)}::${(b & 7).toString(16)}${prefix === 128 ? '' : `/${prefix}`}`);
const mappedTarget = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 255 })).map(([c, d]) => `::ffff:10.0.${c}.${d}`);
const target = fc.oneof(v4Target, v6Target, mappedTarget);
const probe = fc.oneof(
  target.map((t) => t.split('/')[0] ?? t),
  fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 255 })).map(([c, d]) => `10.0.${c}.${d}`),
  fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 0xffff })).map(([a, b]) => `2001:db8:${a}:${b.toString(16)}::1`),
);
const banOp = fc.oneof(
  fc.record({ op: fc.constant('add' as const), target, minutes: fc.option(fc.integer({ min: 1, max: 120 }), { nil: undefined }) }),
  fc.record({ op: fc.constant('remove' as const), target }),
  fc.record({ op: fc.constant('wait' as const), minutes: fc.integer({ min: 1, max: 90 }) }),
  fc.record({ op: fc.constant('restart' as const) }),
);

test('ban list agrees with a linear scan of every ban in force, across adds, unbans, expiry and restarts', (t) => {
  const dir = tempDir();
  const store = Store.open(dir);
  t.after(() => {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  fc.assert(
    fc.property(fc.array(banOp, { minLength: 1, maxLength: 40 }), fc.array(probe, { minLength: 1, maxLength: 15 }), (ops, probes) => {
      store.db.exec('DELETE FROM bans');
      let now = 1_700_000_000_000;
      let bans = new BanList(store.db, () => now);
      // The reference: every ban by canonical target, scanned in full on each check.
      const reference = new Map<string, Ban>();
      const check = (): void => {
        for (const [key, ban] of reference) if (ban.expiresAt !== null && ban.expiresAt <= now) reference.delete(key);
        for (const address of [...probes, ...[...reference.keys()].map((k) => k.split('/')[0] ?? k)]) {
          const parsed = parseAddress(address);
          assert.ok(parsed);
          const covering = [...reference.values()].filter((ban) => {
            const range = parseIpRange(ban.target);
            return range !== undefined && inRange(range, parsed);
          });
          const got = bans.forAddress(address);
          if (covering.length === 0) {
            assert.equal(got, undefined, `${address} is not banned`);
            continue;
          }
          assert.ok(got, `${address} is banned`);
          const longest = covering.some((b) => b.expiresAt === null) ? null : Math.max(...covering.map((b) => b.expiresAt ?? 0));
          assert.equal(got.expiresAt, longest, `${address}: the longest ban applies`);
          assert.ok(covering.some((b) => b.target === got.target), `${address}: ${got.target} covers it`);
        }
        assert.deepEqual(bans.list().map((b) => b.target).sort(), [...reference.keys()].sort());
      };
      for (const step of ops) {
        if (step.op === 'add') {
          const ban = bans.add('address', step.target, step.minutes === undefined ? undefined : step.minutes * 60_000, 'test');
          assert.equal(ban.target, parseIpRange(step.target)?.text, 'targets are stored in canonical form');
          reference.set(ban.target, ban);
        } else if (step.op === 'remove') {
          const key = parseIpRange(step.target)?.text ?? step.target;
          const live = reference.get(key);
          const inForce = live !== undefined && (live.expiresAt === null || live.expiresAt > now);
          assert.equal(bans.remove('address', step.target), inForce);
          reference.delete(key);
        } else if (step.op === 'wait') {
          now += step.minutes * 60_000;
        } else {
          bans = new BanList(store.db, () => now);
        }
        check();
      }
      const live = store.db.prepare('SELECT count(*) FROM bans WHERE expires_at IS NULL OR expires_at > ?').pluck().get(now);
      assert.equal(live, reference.size, 'the table holds exactly the bans in force');
    }),
    { numRuns: 150 },
  );
});

test('an address ban stored in a non-canonical form (before this version) is found, listed once and lifted', (t) => {
  const dir = tempDir();
  const store = Store.open(dir);
  t.after(() => {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const now = 1_700_000_000_000;
  store.db.prepare("INSERT INTO bans (kind, target, created_at, expires_at, created_by) VALUES ('address', '::ffff:198.51.100.7', ?, NULL, 'auto: failed logins')").run(now);
  const bans = new BanList(store.db, () => now);
  assert.equal(bans.forAddress('198.51.100.7')?.target, '198.51.100.7');
  assert.equal(bans.forAddress('::ffff:198.51.100.7')?.target, '198.51.100.7');
  assert.deepEqual(bans.list().map((b) => b.target), ['198.51.100.7']);
  assert.equal(bans.remove('address', '::ffff:198.51.100.7'), true);
  assert.equal(bans.forAddress('198.51.100.7'), undefined);
  assert.equal(store.db.prepare('SELECT count(*) FROM bans').pluck().get(), 0);
});
