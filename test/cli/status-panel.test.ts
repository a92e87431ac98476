// The server's status panel and its live footer, and the words errors are put in.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { connectErrorText, fileErrorText, plainErrorText, retryingText } from '../../src/cli/error-text.js';
import { LiveFooter, liveStatusLines, renderStatusPanel, type StatusPanelData } from '../../src/cli/status-panel.js';

const base: StatusPanelData = {
  version: '9.9.9',
  host: '0.0.0.0',
  port: 12345,
  loopbackOnly: false,
  addresses: [
    { address: '127.0.0.1', scope: 'loopback' },
    { address: '192.168.1.20', scope: 'lan', interface: 'eth0', mac: 'aa:bb:cc:dd:ee:ff' },
    { address: '172.17.0.1', scope: 'virtual', interface: 'docker0' },
  ],
  publicAddress: { kind: 'off' },
  fingerprint: 'SHA256:abc',
  maxClients: 25,
  dataDir: '/srv/pp/data',
  logFile: '/srv/pp/logs/server.log',
};

test('the panel says where the server is reachable from, and asks no outside service unless told to', () => {
  const plain = renderStatusPanel(base, { color: false, boxed: false });
  assert.match(plain, /^Party Pool v9\.9\.9: server running\n/);
  assert.match(plain, /Listening:\s+0\.0\.0\.0:12345 \(every network of this machine\)/);
  assert.match(plain, /This machine:\s+127\.0\.0\.1:12345/);
  assert.match(plain, /LAN:\s+192\.168\.1\.20:12345 \(eth0, MAC aa:bb:cc:dd:ee:ff\)\n\s+friends on the same network connect here/);
  assert.match(plain, /Internet:\s+not looked up: no outside service is asked\.\n\s+Set PARTY_POOL_PUBLIC_ADDRESS .*\n\s+or PARTY_POOL_PUBLIC_IP_URL/);
  assert.match(plain, /Other:\s+172\.17\.0\.1:12345 \(docker0\)/);
  assert.doesNotMatch(plain, /[╭│╰]/, 'plain lines for a service manager');

  const typed = renderStatusPanel({ ...base, publicAddress: { kind: 'typed', address: 'home.example.org' } }, { color: false, boxed: false });
  assert.match(typed, /Internet:\s+home\.example\.org:12345 \(as set in PARTY_POOL_PUBLIC_ADDRESS\)\n\s+friends elsewhere connect here once your router forwards TCP port 12345/);

  const local = renderStatusPanel({ ...base, host: '127.0.0.1', loopbackOnly: true, addresses: [{ address: '127.0.0.1', scope: 'loopback' }] }, { color: false, boxed: true });
  assert.match(local, /│ Listening\s+127\.0\.0\.1:12345 \(this machine only\)/);
  assert.match(local, /│ Reachable\s+only from this machine: friends cannot connect\./);
  assert.doesNotMatch(local, /LAN|Internet/, 'a loopback-only server offers nothing friends could use');
  assert.match(local, /Live log:$/);

  const hooked = renderStatusPanel({ ...base, extraRows: [['Dashboard', 'http://127.0.0.1:9/']] }, { color: false, boxed: false });
  assert.match(hooked, /Dashboard:\s+http:\/\/127\.0\.0\.1:9\//);
});

/** A terminal-like stream that keeps what was written. */
function terminal(columns: number): Writable & { text: () => string; columns: number } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return Object.assign(stream, { text: () => text, columns });
}

test('the live footer is redrawn under each log line, cut to the width, and gone once closed', () => {
  const out = terminal(40);
  const footer = new LiveFooter(out, false);
  footer.update(liveStatusLines({ usersOnline: 2, maxClients: 25, names: ['ann', 'bob'], events: [{ time: '12:00:01', text: 'bob joined' }] }));
  assert.equal(out.text(), '── Users online 2 / 25: ann, bob\n── Last events: 12:00:01 bob joined   …');
  footer.log('12:00:02 info login user=cy');
  // Back to the first footer row, clear below, the log line, the footer again.
  assert.ok(out.text().endsWith('\r\u001b[1A\u001b[J12:00:02 info login user=cy\n── Users online 2 / 25: ann, bob\n── Last events: 12:00:01 bob joined   …'));
  footer.close();
  assert.ok(out.text().endsWith('\r\u001b[1A\u001b[J'));
  footer.log('after');
  assert.ok(out.text().endsWith('after\n'));
  const names = liveStatusLines({ usersOnline: 1, maxClients: 5, names: ['e\u001b[2Jvil'], events: [] });
  assert.ok(!names.join('').includes('\u001b'), 'names are made safe for the terminal');
});

test('errors in words: missing files, refused connections, and the retry sentence', () => {
  const missing = Object.assign(new Error("ENOENT: no such file or directory, open '/x/pk'"), { code: 'ENOENT', path: '/x/pk', syscall: 'open' });
  assert.equal(fileErrorText(missing, '/x/pk', 'the passkey file'), 'There is no file /x/pk (the passkey file).');
  assert.equal(plainErrorText(missing), 'There is no file /x/pk.');
  const denied = Object.assign(new Error('EACCES'), { code: 'EACCES', syscall: 'open' });
  assert.equal(fileErrorText(denied, '/x/pk', 'the passkey file'), 'The passkey file /x/pk cannot be read: permission denied.');
  assert.equal(connectErrorText('127.0.0.1', 34567, 'ECONNREFUSED'), 'The server at 127.0.0.1:34567 is not answering. Is it running?');
  assert.match(connectErrorText('nohost.invalid', 1, 'ENOTFOUND'), /^There is no computer called "nohost\.invalid"/);
  assert.match(connectErrorText('::1', 5, 'TIMEOUT', 10_000), /^The server at \[::1\]:5 did not answer within 10 s\./);
  assert.equal(retryingText('The server at 127.0.0.1:34567 is not answering. Is it running?', 5000), 'The server at 127.0.0.1:34567 is not answering. Is it running? Retrying in 5 s — Ctrl-C to stop.');
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED', address: '127.0.0.1', port: 9 });
  assert.equal(plainErrorText(refused), 'The server at 127.0.0.1:9 is not answering. Is it running?');
});
