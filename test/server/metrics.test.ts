// Prometheus metrics: off by default; when on, served on 127.0.0.1 only with sessions, logins by
// result, messages relayed, deliveries, commit time and fan-out histograms, refusals by reason,
// storage use and event-loop lag, and never a name, room or address. The endpoint's own abuse
// story: GET /metrics only, loopback Host names only, no body, bounded connections and headers.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { noMetrics } from '../../src/server/metrics.js';
import type { ServerMessage } from '../../src/protocol/messages.js';
import { loggedInV2, RawClient } from '../helpers/raw-client.js';
import { rootLoggedIn } from '../helpers/root.js';
import { serverFor, startTestServer, type TestServer, within } from '../helpers/server.js';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(port: number, options: { method?: string; path?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return within(
    new Promise<Reply>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path ?? '/metrics', headers: options.headers ?? {}, agent: false }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end(options.body);
    }),
    10_000,
    `${options.method ?? 'GET'} ${options.path ?? '/metrics'}`,
  );
}

/** A sample's value: `name{labels} value`. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

async function say(client: RawClient, text: string, room?: string): Promise<void> {
  const id = 1000 + Math.floor(Math.random() * 1e9);
  client.send({ type: 'say', id, text, ...(room ? { room } : {}) });
  const answer: ServerMessage = await client.answer(id);
  assert.equal(answer.type, 'ack');
}

test('metrics are off by default: no endpoint, and the hooks do nothing', async (t) => {
  const server = await serverFor(t);
  assert.equal(server.server.metricsPort, undefined);
  assert.equal(server.server.services.metrics, noMetrics);
});

describe('metrics endpoint', () => {
  let t: TestServer;
  let port: number;
  before(async () => {
    t = await startTestServer({ maxSessionsPerAddress: 100 }, undefined, { metricsPort: 0 });
    port = t.server.metricsPort ?? 0;
  });
  after(() => t.close());

  test('sessions, logins, messages, deliveries, histograms, refusals, storage and event-loop lag; no names, rooms or addresses', async () => {
    const zed = await loggedInV2(t.port, 'zed-secret-name');
    const yan = await loggedInV2(t.port, 'yan-secret-name');
    await zed.registerAccount('zed-password-1');
    await zed.answer(zed.command('create', '#hidden-room'));
    await say(zed, 'hello everyone');
    await say(zed, 'in the room', '#hidden-room');
    const root = await rootLoggedIn(t.port);
    const wrong = await RawClient.connect(t.port);
    wrong.send(await wrong.authMessage('someone', { passkey: 'not-the-passkey' }));
    assert.equal((await wrong.waitFor('error')).code, 'AUTH_FAILED');
    wrong.destroy();
    const unknown = zed.command('no-such-command');
    await zed.answer(unknown);

    const reply = await request(port);
    assert.equal(reply.status, 200);
    assert.match(String(reply.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const text = reply.body;
    assert.equal(sample(text, 'party_pool_sessions', 'role="user"'), 2);
    assert.equal(sample(text, 'party_pool_sessions', 'role="root"'), 1);
    assert.equal(sample(text, 'party_pool_logins_total', 'result="ok"'), 3);
    assert.equal(sample(text, 'party_pool_logins_total', 'result="AUTH_FAILED"'), 1);
    assert.equal(sample(text, 'party_pool_refusals_total', 'reason="UNKNOWN_COMMAND"'), 1);
    assert.equal(sample(text, 'party_pool_messages_relayed_total'), 2);
    // The lobby line reached two users; the room line its one member.
    assert.equal(sample(text, 'party_pool_deliveries_total'), 3);
    assert.equal(sample(text, 'party_pool_commit_seconds_count'), 2);
    assert.equal(sample(text, 'party_pool_fanout_recipients_count'), 2);
    assert.equal(sample(text, 'party_pool_fanout_recipients_bucket', 'le="1"'), 1);
    assert.ok((sample(text, 'party_pool_storage_bytes', 'what="database"') ?? 0) > 0);
    assert.ok((sample(text, 'party_pool_storage_bytes', 'what="data_dir"') ?? 0) > 0);
    assert.ok(sample(text, 'nodejs_eventloop_lag_seconds') !== undefined);
    assert.ok(sample(text, 'party_pool_connections_refused_before_tls', 'reason="rate"') !== undefined);
    for (const secret of ['zed-secret-name', 'yan-secret-name', 'hidden-room', '127.0.0.1', 'hello everyone']) assert.ok(!text.includes(secret), `${secret} must not appear`);
    zed.destroy();
    yan.destroy();
    root.destroy();
  });

  test('listens on 127.0.0.1 only and serves GET/HEAD /metrics and nothing else', async () => {
    const address = (t.server as unknown as { metrics: { server: net.Server } }).metrics.server.address();
    assert.equal(typeof address === 'object' && address?.address, '127.0.0.1');
    assert.equal((await request(port, { method: 'HEAD' })).status, 200);
    const post = await request(port, { method: 'POST', body: 'x' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET, HEAD');
    assert.equal((await request(port, { method: 'DELETE' })).status, 405);
    assert.equal((await request(port, { path: '/' })).status, 404);
    assert.equal((await request(port, { path: '/metrics/../secret' })).status, 404);
    assert.equal((await request(port, { path: '/metrics?x=1' })).status, 200);
    // DNS rebinding: a page on evil.example resolving to 127.0.0.1 sends its own Host.
    assert.equal((await request(port, { headers: { host: 'evil.example:9464' } })).status, 403);
    assert.equal((await request(port, { headers: { host: 'localhost:9464' } })).status, 200);
    assert.equal((await request(port, { headers: { 'content-length': '3' }, body: 'abc' })).status, 413);
    assert.equal((await request(port, { headers: { 'x-big': 'a'.repeat(20_000) } })).status, 431);
  });

  test('connections are capped: one past the cap is closed at once', async () => {
    const idle: net.Socket[] = [];
    try {
      for (let i = 0; i < 8; i++) {
        const socket = net.connect(port, '127.0.0.1');
        await within(new Promise((resolve) => socket.once('connect', resolve)), 5000, 'connect');
        idle.push(socket);
      }
      const extra = net.connect(port, '127.0.0.1');
      extra.on('error', () => undefined);
      await within(new Promise((resolve) => extra.once('close', resolve)), 5000, 'the extra connection to be closed');
      extra.destroy();
    } finally {
      for (const socket of idle) socket.destroy();
    }
    // Once they are gone, scrapes work again.
    let status = 0;
    const deadline = Date.now() + 5000;
    while (status !== 200 && Date.now() < deadline) status = (await request(port).catch(() => ({ status: 0 }))).status;
    assert.equal(status, 200);
  });
});
