import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PartyPoolError } from '../../src/common/errors.js';
import { kindsFor, normaliseAddress, planArtifacts, platformsFor } from '../../src/packaging/plan.js';

test('artifact names and layout follow the issue: version-suffixed, per kind directory', () => {
  const all = planArtifacts(kindsFor('both'), platformsFor('all'), '1.2.3').map((a) => a.relativePath);
  assert.deepEqual(all, [
    'client/PartyPoolClient-v1.2.3-win-x64.exe',
    'client/PartyPoolClient-v1.2.3-win-x64.zip',
    'client/PartyPoolClient-v1.2.3-linux-x64',
    'client/PartyPoolClient-v1.2.3-linux-x64.tar.gz',
    'client/PartyPoolClient-v1.2.3.zip',
    'root/PartyPoolRoot-v1.2.3-win-x64.exe',
    'root/PartyPoolRoot-v1.2.3-win-x64.zip',
    'root/PartyPoolRoot-v1.2.3-linux-x64',
    'root/PartyPoolRoot-v1.2.3-linux-x64.tar.gz',
    'root/PartyPoolRoot-v1.2.3.zip',
  ]);
  assert.deepEqual(planArtifacts(['client'], platformsFor('macos'), '1.0.0').map((a) => a.type), ['zip']);
  assert.deepEqual(planArtifacts(['root'], platformsFor('windows'), '1.0.0').map((a) => a.type), ['win-x64', 'win-x64-download', 'zip']);
  assert.deepEqual(planArtifacts(['client'], platformsFor('linux'), '1.0.0').map((a) => a.type), ['linux-x64', 'linux-x64-download', 'zip']);
});

test('addresses are normalised to host:port and bad ones are usage errors', () => {
  assert.equal(normaliseAddress('192.168.1.20', 12345), '192.168.1.20:12345');
  assert.equal(normaliseAddress(' Chat.Example.org:443 ', 12345), 'chat.example.org:443');
  assert.equal(normaliseAddress('[::1]:9000', 12345), '[::1]:9000');
  assert.equal(normaliseAddress('fe80::1', 12345), '[fe80::1]:12345');
  assert.equal(normaliseAddress('my-home.dyndns.example', 1), 'my-home.dyndns.example:1');
  for (const bad of ['', 'host:0', 'host:70000', 'bad host', '-lead.example', 'a..b', '0.0.0.0', '::', '999.1.1.1', 'x'.repeat(64) + '.com', 'http://example.com', 'host:port']) {
    assert.throws(() => normaliseAddress(bad, 12345), (error) => error instanceof PartyPoolError && error.code === 'USAGE', bad);
  }
});

test('Generate offers only addresses the server listens on: LAN first and ticked, loopback only for a loopback-only server', async () => {
  const { addressOffers } = await import('../../src/packaging/issue.js');
  const every = addressOffers(
    {
      loopbackOnly: false,
      addresses: [
        { address: '127.0.0.1', scope: 'loopback' },
        { address: '192.168.1.20', scope: 'lan', interface: 'eth0' },
        { address: '172.17.0.1', scope: 'virtual', interface: 'docker0' },
      ],
    },
    12345,
    'home.example.org',
  );
  assert.deepEqual(
    every.map((offer) => [offer.address, offer.checked]),
    [
      ['192.168.1.20:12345', true],
      ['172.17.0.1:12345', false],
      ['home.example.org:12345', false],
    ],
  );
  assert.match(every[2]?.label ?? '', /needs port forwarding/);
  const local = addressOffers({ loopbackOnly: true, addresses: [{ address: '127.0.0.1', scope: 'loopback' }] }, 4000, 'home.example.org');
  assert.deepEqual(
    local.map((offer) => [offer.address, offer.checked]),
    [['127.0.0.1:4000', false]],
    'nothing friends could use is offered, and nothing is ticked for them',
  );
});
