// What the admin dashboard reads in-process (server/dashboard-feed.ts) and how the server names
// its own dashboard's root login (login/local-consoles.ts): the snapshot holds the live state,
// the log tap passes lines on (never a message body), and only the connection this process
// registered is dashboard#<id>; any other root login stays root#<id>.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DASHBOARD_ROWS } from '../../src/protocol/dashboard.js';
import { DashboardFeed } from '../../src/server/dashboard-feed.js';
import { RawClient, loggedInV2 } from '../helpers/raw-client.js';
import { rootLoggedIn, runOk } from '../helpers/root.js';
import { startTestServer, tempDir, waitUntil, type TestServer } from '../helpers/server.js';

const host = (t: TestServer): ConstructorParameters<typeof DashboardFeed>[0] => ({
  version: 'test',
  host: '127.0.0.1',
  port: t.port,
  privateAddresses: [],
  publicAddress: null,
  fingerprint: t.fingerprint,
  maxClients: 25,
  dataDir: t.dataDir,
  logFile: path.join(t.logDir, 'server.log'),
});

describe('the dashboard feed', () => {
  const base = tempDir();
  let t: TestServer;
  let feed: DashboardFeed;
  const clients: RawClient[] = [];

  before(async () => {
    t = await startTestServer({ maxSessionsPerAddress: 100 }, base);
    feed = new DashboardFeed(host(t), t.server.services, t.server.logger, Date.now);
  });
  after(async () => {
    feed.close();
    for (const client of clients) client.destroy();
    await t.close();
    fs.rmSync(base, { recursive: true, force: true });
  });

  test('a snapshot has the sessions, rooms, bans, lockdown, shutdown, packages and requests', async () => {
    const ann = await loggedInV2(t.port, 'ann', { password: 'ann-password-1', register: true });
    clients.push(ann);
    await ann.answer(ann.command('create', '#knitting'));
    await ann.answer(ann.command('request', 'a room for bikes'));
    const root = await rootLoggedIn(t.port);
    clients.push(root);
    await runOk(root, 'ban', '-u mallory 2h');
    await runOk(root, 'lockdown', 'on');
    t.server.services.packages.record({ id: 'pkgfeed12345', kind: 'root', platforms: ['windows'], version: '1.0.0', createdAt: new Date(), note: 'co-admin' });

    const snapshot = await feed.snapshot();
    assert.equal(snapshot.usersOnline, 1);
    assert.equal(snapshot.rootsOnline, 1);
    assert.deepEqual(
      snapshot.sessions.map((s) => [s.name, s.role, s.address]),
      [
        ['ann', 'user', '127.0.0.1'],
        [`root#${snapshot.sessions[1]?.id ?? 0}`, 'root', '127.0.0.1'],
      ],
    );
    assert.deepEqual(
      snapshot.rooms.map((r) => [r.name, r.private, r.owner, r.members, r.online]),
      [
        ['#lobby', false, null, 1, 1],
        ['#knitting', false, 'ann', 1, 1],
      ],
    );
    assert.deepEqual(
      snapshot.bans.map((b) => [b.kind, b.target, b.expires !== null]),
      [['name', 'mallory', true]],
    );
    assert.equal(snapshot.lockdown.on, true);
    assert.match(snapshot.lockdown.by, /^root#\d+$/);
    assert.equal(snapshot.shutdown, null);
    assert.deepEqual(
      snapshot.packages.map((p) => [p.id, p.kind, p.revokedAt]),
      [['pkgfeed12345', 'root', null]],
    );
    assert.equal(snapshot.requests.length, 1);
    assert.match(snapshot.requests[0] ?? '', /ann \(127\.0\.0\.1\): a room for bikes$/);
    assert.ok(snapshot.stats.totalVisits >= 1);
    assert.ok(DASHBOARD_ROWS >= 100);
    await runOk(root, 'lockdown', 'off');
  });

  test('the log tap passes lines on (with recent ones kept), never a message body, and stops when closed', async () => {
    const seen: string[] = [];
    const stop = feed.onLog((line) => seen.push(line.text));
    const bea = await loggedInV2(t.port, 'bea');
    clients.push(bea);
    await bea.answer(bea.say('secret-body-b41c do not log me'));
    await waitUntil(() => seen.some((text) => /^login conn=\d+ user=bea role=user/.test(text)), 5000, 'the login line');
    assert.ok(feed.recentLog().some((line) => line.text.includes('user=bea') && line.level === 'info'));
    assert.ok(!seen.concat(feed.recentLog().map((line) => line.text)).some((text) => text.includes('secret-body-b41c')));
    stop();
    const count = seen.length;
    t.server.logger.info('after the listener stopped');
    assert.equal(seen.length, count);
  });
});

describe('the dashboard\'s own root login', () => {
  let t: TestServer;
  before(async () => (t = await startTestServer({ maxSessionsPerAddress: 100 })));
  after(async () => await t.close());

  test('only the connection this process registered is named dashboard#<id>; the label goes when it is forgotten', async () => {
    const consoles = t.server.services.consoles;
    const registered = await RawClient.connect(t.port);
    const forget = consoles.register(registered.socket.localAddress ?? '', registered.socket.localPort ?? 0, 'dashboard');
    const other = await RawClient.connect(t.port);
    const [dashboard, root] = await Promise.all([registered.login('root', { role: 'root' }), other.login('root', { role: 'root' })]);
    assert.match(dashboard.name, /^dashboard#\d+$/);
    assert.match(root.name, /^root#\d+$/);
    forget();
    const later = await RawClient.connect(t.port);
    assert.match((await later.login('root', { role: 'root' })).name, /^root#\d+$/);
    for (const client of [registered, other, later]) client.destroy();
  });
});
