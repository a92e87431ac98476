// Room export: JSON and a self-contained HTML page of a room's stored history, while the server
// runs; markup in messages is escaped, the output file is owner-only and never overwritten.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { escapeHtml } from '../../src/admin/export.js';
import type { ServerMessage } from '../../src/protocol/messages.js';
import { runMain } from '../helpers/in-process.js';
import { loggedInV2, type RawClient } from '../helpers/raw-client.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const HOSTILE = `<script>alert("x")</script> & <img src=x onerror=alert(1)> 'quoted' שלום`;

async function say(client: RawClient, room: string, text: string): Promise<void> {
  const id = 1000 + Math.floor(Math.random() * 1e9);
  client.send({ type: 'say', id, text, room });
  const answer: ServerMessage = await client.answer(id);
  assert.equal(answer.type, 'ack', JSON.stringify(answer));
}

describe('export', () => {
  let t: TestServer;
  let ann: RawClient;
  before(async () => {
    t = await startTestServer();
    ann = await loggedInV2(t.port, 'ann');
    await ann.registerAccount('ann-password-1');
    const created = await ann.answer(ann.command('create', '#Games'));
    assert.equal(created.type, 'joined', JSON.stringify(created));
    await say(ann, '#games', 'first line');
    await say(ann, '#games', HOSTILE);
    await say(ann, '#lobby', 'not in games');
  });
  after(async () => {
    ann.destroy();
    await t.close();
  });

  test('JSON to stdout: every message of the room, in order, while the server runs', async () => {
    const result = await runMain(['export', '--room', '#GAMES', '--data-dir', t.dataDir]);
    assert.equal(result.code, 0, result.stderr);
    const parsed = JSON.parse(result.stdout) as { format: string; room: string; messages: { id: number; from: string; text: string; time: string }[] };
    assert.equal(parsed.format, 'party-pool-room-export');
    assert.equal(parsed.room, '#Games');
    assert.deepEqual(
      parsed.messages.map((m) => [m.from, m.text]),
      [
        ['ann', 'first line'],
        ['ann', HOSTILE],
      ],
    );
    assert.ok(parsed.messages.every((m) => !Number.isNaN(Date.parse(m.time))));
  });

  test('HTML to a file: self-contained, escaped, owner-only, never overwritten', async () => {
    const out = path.join(tempDir(), 'games.html');
    const result = await runMain(['export', '--room', '#games', '--format', 'html', '--out', out, '--data-dir', t.dataDir]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Exported 2 messages of #Games to .*games\.html \(owner-only\)\./);
    assert.equal(fs.statSync(out).mode & 0o777, 0o600);
    const html = fs.readFileSync(out, 'utf8');
    assert.ok(html.startsWith('<!DOCTYPE html>'));
    assert.match(html, /Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"/);
    assert.ok(!html.includes('<script'), 'no script element, not even from a message');
    assert.ok(!html.includes('<img'), 'no markup from a message');
    assert.ok(html.includes(escapeHtml(HOSTILE)));
    assert.ok(!/src=|href=|url\(/i.test(html.replace(escapeHtml(HOSTILE), '')), 'nothing is loaded from anywhere');
    assert.match(html, /<bdi class="text">/, 'text is bidi-isolated');
    assert.ok(!html.includes('not in games'));
    const again = await runMain(['export', '--room', '#games', '--out', out, '--data-dir', t.dataDir]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists/);
  });

  test('an empty room, an unknown room and a bad format', async () => {
    await ann.answer(ann.command('create', '#quiet'));
    const empty = await runMain(['export', '--room', '#quiet', '--data-dir', t.dataDir]);
    assert.equal(empty.code, 0);
    assert.deepEqual((JSON.parse(empty.stdout) as { messages: unknown[] }).messages, []);
    const unknown = await runMain(['export', '--room', '#nowhere', '--data-dir', t.dataDir]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /There is no room #nowhere/);
    const invalid = await runMain(['export', '--room', 'games', '--data-dir', t.dataDir]);
    assert.match(invalid.stderr, /is not a room name/);
    const format = await runMain(['export', '--room', '#games', '--format', 'pdf', '--data-dir', t.dataDir]);
    assert.equal(format.code, 2);
    assert.match(format.stderr, /--format is json or html/);
    const noRoom = await runMain(['export', '--data-dir', t.dataDir]);
    assert.equal(noRoom.code, 2);
    assert.match(noRoom.stderr, /Say which room/);
  });
});
