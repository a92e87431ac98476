// The WAL checkpoint thread runs only while the database is written: not on an idle server,
// started by a write, ended once everything is checkpointed and nothing more comes, with
// SQLite's automatic checkpoints on whenever it is not running.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { ensurePrivateDir } from '../../../src/data-dir/files.js';
import { DATABASE_FILE, Store } from '../../../src/data-dir/store.js';
import { Checkpointer } from '../../../src/server/storage/checkpointer.js';
import { tempDir, waitUntil } from '../../helpers/server.js';

test('the checkpoint thread starts with writes and ends when the database is idle', async (t) => {
  const dataDir = path.join(tempDir(), 'data');
  ensurePrivateDir(dataDir, 'data directory');
  const store = Store.open(dataDir);
  t.after(() => store.close());
  store.db.exec('CREATE TABLE scratch (x TEXT)');
  const errors: string[] = [];
  // A short interval stands in for the configured second, so idleness comes in well under a second.
  const checkpointer = new Checkpointer(store.db, path.join(dataDir, DATABASE_FILE), 20, (reason) => errors.push(reason));
  t.after(() => checkpointer.stop());
  const autocheckpoint = (): unknown => store.db.pragma('wal_autocheckpoint', { simple: true });
  checkpointer.start();
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(checkpointer.running, false, 'no thread while nothing is written');
  assert.equal(autocheckpoint(), 1000, "SQLite's own checkpoints meanwhile");

  const insert = store.db.prepare('INSERT INTO scratch (x) VALUES (?)');
  insert.run('first');
  await waitUntil(() => checkpointer.running && autocheckpoint() === 0, 10_000, 'the thread to start after a write');
  await waitUntil(() => !checkpointer.running, 10_000, 'the thread to end once idle');
  assert.equal(autocheckpoint(), 1000, 'automatic checkpoints back on while it is gone');
  const [row] = store.db.pragma('wal_checkpoint(PASSIVE)') as { log: number; checkpointed: number }[];
  assert.equal(row?.checkpointed, row?.log, 'everything written was checkpointed before it ended');

  insert.run('second');
  await waitUntil(() => checkpointer.running, 10_000, 'the thread to start again on the next write');
  await checkpointer.stop();
  assert.equal(checkpointer.running, false);
  assert.deepEqual(errors, []);
});
