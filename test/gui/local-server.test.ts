// The browser app's web server against everything that is not its own page, over plain HTTP
// and WebSocket: the one-time link, the cookie, Host (DNS rebinding), Origin, frame size,
// message floods, page count, malformed requests. After all of it the program still serves.
import assert from 'node:assert/strict';
import net from 'node:net';
import zlib from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { PartyPoolError } from '../../src/common/errors.js';
import { embeddedAssets } from '../../src/gui/assets.js';
import { CONTENT_SECURITY_POLICY } from '../../src/gui/local-server.js';
import { startGui, type GuiApp } from '../../src/gui/run-gui.js';
import { exchange, httpGet, openPage, pageHeaders } from '../helpers/gui.js';

const noServer = (): Promise<never> => Promise.reject(new PartyPoolError('CONNECT_FAILED', 'No chat server in this test.'));

describe('the local web server', () => {
  let app: GuiApp;
  let port: number;
  let cookie: string;
  before(async () => {
    app = await startGui({ connect: noServer, limits: { maxPages: 3, maxViolations: 12, burst: 10, ratePerSecond: 1 } });
    port = app.server.port;
  });
  after(() => app.close());

  test('listens on 127.0.0.1 only and prints a link with a one-time secret', () => {
    const url = new URL(app.url);
    assert.equal(url.hostname, '127.0.0.1');
    assert.equal(url.pathname, '/session');
    assert.match(url.searchParams.get('token') ?? '', /^[A-Za-z0-9_-]{43}$/);
  });

  test('without the cookie nothing is served, and every answer carries the security headers', async () => {
    for (const path of ['/', '/app.js', '/app.css', '/index.html']) {
      const answer = await httpGet(port, path);
      assert.equal(answer.status, 403, path);
      assert.equal(answer.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
      assert.equal(answer.headers['x-content-type-options'], 'nosniff');
      assert.equal(answer.headers['x-frame-options'], 'DENY');
      assert.equal(answer.headers['referrer-policy'], 'no-referrer');
    }
    assert.match(CONTENT_SECURITY_POLICY, /default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'/);
  });

  test('a wrong token or a foreign Host does not get the cookie, and does not use up the link', async () => {
    const good = new URL(app.url);
    const wrong = await httpGet(port, `/session?token=${'A'.repeat(43)}`);
    assert.equal(wrong.status, 403);
    assert.equal(wrong.headers['set-cookie'], undefined);
    const empty = await httpGet(port, '/session');
    assert.equal(empty.status, 403);
    // DNS rebinding: evil.example resolves to 127.0.0.1, so its page could reach this port.
    for (const host of [`evil.example:${port}`, `127.0.0.1:${port + 1}`, '127.0.0.1', `localhost.evil.example:${port}`]) {
      const rebound = await httpGet(port, good.pathname + good.search, { Host: host });
      assert.equal(rebound.status, 421, host);
      assert.equal(rebound.headers['set-cookie'], undefined);
    }
    assert.ok(app.server.refused.token >= 2);
    assert.ok(app.server.refused.host >= 4);
  });

  test('the link is exchanged once for an HttpOnly, SameSite=Strict cookie and a redirect to a clean URL', async () => {
    const url = new URL(app.url);
    const first = await httpGet(port, url.pathname + url.search);
    assert.equal(first.status, 303);
    assert.equal(first.headers.location, '/');
    const setCookie = first.headers['set-cookie']?.[0] ?? '';
    assert.match(setCookie, new RegExp(`^party_pool_${port}=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=/$`));
    cookie = setCookie.split(';')[0] ?? '';
    const again = await httpGet(port, url.pathname + url.search);
    assert.equal(again.status, 403);
    assert.match(again.body, /already used/);
    await assert.rejects(exchange(app.url));
  });

  test('with the cookie the embedded app is served (also as localhost), never to a foreign Host', async () => {
    const page = await httpGet(port, '/', { Cookie: cookie });
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.doesNotMatch(page.body, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
    assert.doesNotMatch(page.body, /https?:\/\/(?!127\.0\.0\.1)/, 'nothing remote');
    const script = await httpGet(port, '/app.js', { Cookie: cookie, Host: `localhost:${port}` });
    assert.equal(script.status, 200);
    assert.match(String(script.headers['content-type']), /^text\/javascript/);
    assert.equal((await httpGet(port, '/app.css', { Cookie: cookie })).status, 200);
    assert.equal((await httpGet(port, '/nothing-here', { Cookie: cookie })).status, 404);
    assert.equal((await httpGet(port, '/', { Cookie: cookie, Host: `evil.example:${port}` })).status, 421);
    assert.equal((await httpGet(port, '/', { Cookie: `${cookie}x` })).status, 403);
    assert.equal((await httpGet(port, '/', { Cookie: cookie }, 'POST')).status, 405);
  });

  test('the embedded assets stay within 150 KB gzipped and name nothing remote', () => {
    let gzipped = 0;
    for (const [name, asset] of embeddedAssets()) {
      gzipped += zlib.gzipSync(asset.body).length;
      assert.doesNotMatch(asset.body.toString('utf8'), /(?:src|href)\s*=\s*["']?https?:/i, name);
      assert.doesNotMatch(asset.body.toString('utf8'), /\b(?:eval|new Function)\s*\(/, name);
    }
    assert.ok(gzipped <= 150 * 1024, `${gzipped} bytes gzipped`);
  });

  test('the WebSocket refuses a missing or foreign Origin, a foreign Host and a missing cookie', async () => {
    const cases: [string, Record<string, string | undefined>, number][] = [
      ['no Origin', { Cookie: cookie }, 403],
      ['foreign Origin', { Cookie: cookie, Origin: 'http://evil.example' }, 403],
      ['another port on 127.0.0.1', { Cookie: cookie, Origin: `http://127.0.0.1:${port + 1}` }, 403],
      ['foreign Host', { ...pageHeaders(port, cookie), Host: `evil.example:${port}` }, 421],
      ['no cookie', { Origin: `http://127.0.0.1:${port}` }, 403],
      ['wrong cookie', pageHeaders(port, `party_pool_${port}=${'B'.repeat(43)}`), 403],
    ];
    for (const [what, headers, status] of cases) {
      const page = openPage(port, headers);
      await assert.rejects(page.opened, new RegExp(`HTTP ${status}`), what);
    }
    assert.ok(app.server.refused.origin >= 3);
  });

  test('a real page connects and gets the login view first', async () => {
    const page = openPage(port, pageHeaders(port, cookie));
    await page.opened;
    const hello = await page.waitFor('hello');
    assert.equal(hello.phase, 'login');
    assert.equal(hello.login.askPasskey, true);
    page.close();
    await page.closed;
  });

  test('malformed requests are answered, then a page that keeps sending them is disconnected', async () => {
    const page = openPage(port, pageHeaders(port, cookie));
    await page.opened;
    await page.waitFor('hello');
    page.ws.send('not json');
    page.send({ type: 'no-such-thing' });
    page.send({ type: 'login', name: 'x', admin: true });
    page.send({ type: 'send', room: 'lobby', text: 'no #' });
    page.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    page.send({ type: 'view', room: '#lobby' });
    const problems = await page.waitFor('problem', () => page.events.filter((e) => e.type === 'problem').length >= 6);
    assert.ok(problems);
    const codes = page.events.flatMap((e) => (e.type === 'problem' ? [e.code] : []));
    assert.deepEqual(codes.slice(0, 6), ['BAD_MESSAGE', 'BAD_MESSAGE', 'BAD_MESSAGE', 'BAD_MESSAGE', 'BAD_MESSAGE', 'NOT_NOW']);
    for (let i = 0; i < 30; i++) page.ws.send('{');
    const closed = await page.closed;
    assert.equal(closed.code, 1008);
  });

  test('a flood is cut off: too fast is refused, then the page is disconnected', async () => {
    const page = openPage(port, pageHeaders(port, cookie));
    await page.opened;
    await page.waitFor('hello');
    for (let i = 0; i < 40; i++) page.send({ type: 'list-rooms' });
    const closed = await page.closed;
    assert.equal(closed.code, 1008);
    assert.ok(page.events.some((e) => e.type === 'problem' && e.code === 'TOO_FAST'));
    assert.ok(app.server.refused.tooFast > 0);
  });

  test('an oversized frame closes that page with 1009', async () => {
    const page = openPage(port, pageHeaders(port, cookie));
    await page.opened;
    await page.waitFor('hello');
    page.ws.send(JSON.stringify({ type: 'send', room: '#lobby', text: 'x'.repeat(70 * 1024) }));
    const closed = await page.closed;
    assert.equal(closed.code, 1009);
  });

  test('at most maxPages pages at once; the next is refused until one closes', async () => {
    const pages = [openPage(port, pageHeaders(port, cookie)), openPage(port, pageHeaders(port, cookie)), openPage(port, pageHeaders(port, cookie))];
    await Promise.all(pages.map((p) => p.opened));
    const extra = openPage(port, pageHeaders(port, cookie));
    await assert.rejects(extra.opened, /HTTP 503/);
    for (const p of pages) p.close();
    await Promise.all(pages.map((p) => p.closed));
  });

  test('garbage on the port gets 400, and after every abuse above the app still serves', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.write('\x16\x03\x01 this is not HTTP\r\n\r\n'));
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
      socket.setTimeout(10_000, () => socket.destroy(new Error('no answer')));
    });
    assert.match(answer, /^HTTP\/1\.1 400/);
    assert.equal((await httpGet(port, '/', { Cookie: cookie })).status, 200);
    const page = openPage(port, pageHeaders(port, cookie));
    await page.opened;
    await page.waitFor('hello');
    page.close();
    await page.closed;
  });
});
