// Which addresses a server is reachable at, and from where; whether a host and port can be
// listened on; the sentences that blame the right setting.
import assert from 'node:assert/strict';
import net from 'node:net';
import type os from 'node:os';
import { test } from 'node:test';
import { addressScope, checkListen, hostProblem, isLoopbackHost, listenFailureText, reachableAddresses } from '../../src/common/network-info.js';

function iface(address: string, family: 'IPv4' | 'IPv6' = 'IPv4', internal = false): os.NetworkInterfaceInfo {
  const base = { address, netmask: '255.255.255.0', mac: '02:00:00:00:00:01', internal, cidr: null };
  return family === 'IPv4' ? { ...base, family } : { ...base, family, scopeid: 0 };
}

const machine: NodeJS.Dict<os.NetworkInterfaceInfo[]> = {
  lo: [iface('127.0.0.1', 'IPv4', true), iface('::1', 'IPv6', true)],
  eth0: [iface('192.168.1.20'), iface('fe80::1', 'IPv6'), iface('2001:db8::20', 'IPv6')],
  docker0: [iface('172.17.0.1')],
  wlan0: [iface('169.254.3.4')],
};

test('addresses are judged by range: loopback, LAN (private and carrier-grade NAT), link-local, public', () => {
  assert.equal(addressScope('127.0.0.1'), 'loopback');
  assert.equal(addressScope('10.1.2.3'), 'lan');
  assert.equal(addressScope('172.16.0.1'), 'lan');
  assert.equal(addressScope('172.32.0.1'), 'public');
  assert.equal(addressScope('192.168.0.9'), 'lan');
  assert.equal(addressScope('100.64.0.1'), 'lan');
  assert.equal(addressScope('169.254.1.1'), 'link-local');
  assert.equal(addressScope('203.0.113.7'), 'public');
  assert.equal(addressScope('::1'), 'loopback');
  assert.equal(addressScope('fd00::1'), 'lan');
  assert.equal(addressScope('fe80::1'), 'link-local');
  assert.equal(addressScope('2001:db8::1'), 'public');
  assert.ok(isLoopbackHost('localhost') && isLoopbackHost('127.0.0.2') && isLoopbackHost('::1') && !isLoopbackHost('0.0.0.0'));
});

test('a server on 0.0.0.0 is reachable at this machine, its LAN address and (marked) its bridges; on 127.0.0.1 at this machine only', () => {
  const every = reachableAddresses('0.0.0.0', machine);
  assert.equal(every.loopbackOnly, false);
  assert.deepEqual(
    every.addresses.map((a) => [a.address, a.scope]),
    [
      ['127.0.0.1', 'loopback'],
      ['192.168.1.20', 'lan'],
      ['172.17.0.1', 'virtual'],
    ],
    'IPv4 only, no link-local',
  );
  const dual = reachableAddresses('::', machine);
  assert.ok(dual.addresses.some((a) => a.address === '2001:db8::20' && a.scope === 'public'), ':: listens on IPv6 too');
  const local = reachableAddresses('127.0.0.1', machine);
  assert.deepEqual(local, { loopbackOnly: true, addresses: [{ address: '127.0.0.1', scope: 'loopback' }] });
  const one = reachableAddresses('192.168.1.20', machine);
  assert.deepEqual(one.addresses.map((a) => a.address), ['192.168.1.20'], 'one interface: only that address');
});

test('a host that looks like an address but is not one is named before any look-up; listen failures blame host or port', async () => {
  assert.match(hostProblem('256.1.1.1') ?? '', /256\.1\.1\.1 is not an IP address/);
  assert.equal(hostProblem('0.0.0.0'), undefined);
  assert.equal(hostProblem('myhost.example'), undefined);
  assert.deepEqual(await checkListen('256.1.1.1', 0), { ok: false, code: 'HOST_INVALID' });
  assert.match(listenFailureText('256.1.1.1', 12345, 'HOST_INVALID'), /^Cannot listen on 256\.1\.1\.1:12345: 256\.1\.1\.1 is not an IP address .* with --host/);
  assert.doesNotMatch(listenFailureText('256.1.1.1', 12345, 'HOST_INVALID'), /--port/);
  assert.match(listenFailureText('192.0.2.99', 12345, 'EADDRNOTAVAIL'), /192\.0\.2\.99 is not an address of this machine/);

  const busy = net.createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  const port = (busy.address() as net.AddressInfo).port;
  try {
    assert.deepEqual(await checkListen('127.0.0.1', port), { ok: false, code: 'EADDRINUSE' });
    assert.match(listenFailureText('127.0.0.1', port, 'EADDRINUSE'), new RegExp(`port ${port} is already in use by another program .* with --port`));
  } finally {
    await new Promise<void>((resolve) => busy.close(() => resolve()));
  }
  assert.deepEqual(await checkListen('127.0.0.1', port), { ok: true }, 'free again once closed');
});
