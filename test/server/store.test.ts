import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { DATABASE_FILE, Store } from '../../src/data-dir/store.js';
import { tempDir } from '../helpers/server.js';

test('the database is owner-only, in WAL mode, with foreign keys, and migrations run once', () => {
  const dir = tempDir();
  const store = Store.open(dir);
  assert.equal(fs.statSync(path.join(dir, DATABASE_FILE)).mode & 0o777, 0o600);
  assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(store.db.pragma('foreign_keys', { simple: true }), 1);
  store.setSetting('greeting', 'hello');
  const applied = store.appliedMigrations();
  store.close();
  const again = Store.open(dir);
  assert.deepEqual(again.appliedMigrations(), applied);
  assert.equal(again.getSetting('greeting'), 'hello');
  again.close();
});

test('a failing migration is rolled back and reported, leaving earlier ones applied', () => {
  const dir = tempDir();
  const good = { id: '001-good', sql: 'CREATE TABLE a (x INTEGER) STRICT;' };
  const bad = { id: '002-bad', sql: 'CREATE TABLE b (x INTEGER) STRICT; THIS IS NOT SQL;' };
  assert.throws(() => Store.open(dir, [good, bad]));
  const store = Store.open(dir, [good]);
  assert.deepEqual(store.appliedMigrations(), ['001-good']);
  assert.equal(store.db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'b'").pluck().get(), 0);
  store.close();
});
