// The one host:port grammar: read by the client (--server, sealed addresses), written by the
// package builder; what one writes the other reads back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatHostPort, parseHostPort } from '../../src/protocol/address.js';

test('host, host:port, [v6], [v6]:port and a bare IPv6 address are read; the default port fills in', () => {
  assert.deepEqual(parseHostPort('chat.example.org', 12345), { host: 'chat.example.org', port: 12345 });
  assert.deepEqual(parseHostPort(' 10.0.0.2:443 ', 12345), { host: '10.0.0.2', port: 443 });
  assert.deepEqual(parseHostPort('[::1]', 12345), { host: '::1', port: 12345 });
  assert.deepEqual(parseHostPort('[fe80::1]:9000', 12345), { host: 'fe80::1', port: 9000 });
  assert.deepEqual(parseHostPort('fe80::1', 12345), { host: 'fe80::1', port: 12345 });
});

test('anything else is not an address', () => {
  for (const bad of ['', ' ', 'host:0', 'host:65536', 'host:123456', 'host:port', 'bad host', 'a:b:c:zz', '[not-v6]:1', '[::1', 'http://example.com']) {
    assert.equal(parseHostPort(bad, 12345), undefined, bad);
  }
});

test('formatting brackets IPv6, and what is written reads back the same', () => {
  for (const address of [{ host: 'chat.example.org', port: 1 }, { host: '192.168.1.20', port: 12345 }, { host: '::1', port: 65535 }, { host: '2001:db8::7', port: 80 }]) {
    const text = formatHostPort(address);
    assert.deepEqual(parseHostPort(text, 9), address, text);
  }
  assert.equal(formatHostPort({ host: '::1', port: 5 }), '[::1]:5');
});
