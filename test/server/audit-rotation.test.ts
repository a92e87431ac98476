// audit.log rotates like server.log (audit.log -> .1 -> .2, the oldest dropped, owner-only), and
// root session ids never repeat across restarts, so "root#12" in the audit trail is one session.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { AuditLog } from '../../src/server/moderation/audit.js';
import { rootLoggedIn } from '../helpers/root.js';
import { startTestServer, tempDir, waitUntil } from '../helpers/server.js';

test('audit.log rotates at its size limit, keeping the newest files, each owner-only', () => {
  const dir = tempDir();
  const errors: unknown[] = [];
  const onError = (error: unknown): void => void errors.push(error);
  const audit = new AuditLog(dir, 'audit.log', () => Date.UTC(2026, 0, 1), onError, { maxFileBytes: 400, maxFiles: 3 });
  for (let i = 0; i < 30; i++) audit.record({ who: `root#${i}`, from: '127.0.0.1', action: 'ban', targets: [`name-${i}`], result: 'ok' });
  assert.deepEqual(errors, []);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['audit.log', 'audit.log.1', 'audit.log.2']);
  const lines: string[] = [];
  for (const name of ['audit.log.2', 'audit.log.1', 'audit.log']) {
    const file = path.join(dir, name);
    assert.ok(fs.statSync(file).size <= 400, name);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600, name);
    lines.push(...fs.readFileSync(file, 'utf8').trim().split('\n'));
  }
  const whos = lines.map((line) => (JSON.parse(line) as { who: string }).who);
  // The newest entries are kept, in order, with nothing missing between them.
  assert.equal(whos.at(-1), 'root#29');
  const first = Number(whos[0]?.slice(5));
  assert.deepEqual(whos, whos.map((_, i) => `root#${first + i}`));
  // A new AuditLog on the same files (a restart) carries on where the last one stopped.
  const again = new AuditLog(dir, 'audit.log', () => Date.UTC(2026, 0, 1), onError, { maxFileBytes: 400, maxFiles: 3 });
  again.record({ who: 'root#30', from: '127.0.0.1', action: 'unban', result: 'ok' });
  assert.ok(fs.statSync(path.join(dir, 'audit.log')).size <= 400);
});

test('root session ids are unique across restarts', async (t) => {
  const base = tempDir();
  const names: string[] = [];
  for (let run = 0; run < 2; run++) {
    const server = await startTestServer({}, base);
    t.after(() => server.close());
    for (let i = 0; i < 2; i++) {
      const root = await rootLoggedIn(server.port);
      const welcome = root.received.find((m) => m.type === 'welcome');
      names.push(welcome?.type === 'welcome' ? welcome.name : '');
      root.destroy();
    }
    await waitUntil(() => server.server.activeSessions().length === 0, 5000, 'the roots to leave');
    await server.close();
  }
  assert.ok(names.every((name) => /^root#\d+$/.test(name)), names.join());
  assert.equal(new Set(names).size, 4, `ids repeat: ${names.join(', ')}`);
  const audit = fs.readFileSync(path.join(base, 'logs', 'audit.log'), 'utf8');
  const logins = audit.split('\n').filter((line) => line.includes('"action":"login"')).map((line) => (JSON.parse(line) as { who: string }).who);
  assert.deepEqual(logins, names);
});
