// Files sent to one person, end to end, from the command line (in-process main(), line mode, real
// server, profiles in temp folders): `/send @bob` seals the file and sends its key in a direct
// message; bob's devices see the announcement and `/get` yields the identical bytes, also after a
// restart (the key is kept in the profile); a third person cannot fetch it; the server's disk
// never holds the plaintext or the name; and a contact whose verified keys changed gets nothing.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeFile, sha256Of } from '../helpers/files.js';
import { runMain } from '../helpers/in-process.js';
import { PASSKEY, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const PASSWORD = 'direct-files-password';

function events(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Every file under `dir`. */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? filesUnder(path.join(dir, entry.name)) : [path.join(dir, entry.name)]));
}

describe('cli: files to one person', () => {
  let t: TestServer;
  let target: string[];
  const root = tempDir('party-pool-direct-files-');
  const profile = (name: string): string => path.join(root, name);
  const run = (name: string, device: string, input: string, options: { json?: boolean; cwd?: string } = {}) =>
    runMain(['client', ...target, '--name', name, '--register', '--profile-dir', profile(device), ...(options.json === false ? [] : ['--json'])], {
      env: { PARTY_POOL_PASSKEY: PASSKEY, PARTY_POOL_PASSWORD: PASSWORD },
      input,
      timeoutMs: 60_000,
    });
  before(async () => {
    t = await startTestServer({ maxSessionsPerAddress: 100 });
    target = ['--server', `127.0.0.1:${t.port}`, '--fingerprint', t.fingerprint];
  });
  after(() => t.close());

  test('alice /send @bob: both of bob\'s devices open it, also after a restart; carol cannot; the server holds ciphertext only', async () => {
    for (const [name, device] of [
      ['bob', 'bob-1'],
      ['bob', 'bob-2'],
      ['carol', 'carol-1'],
    ] as const) {
      const enrol = await run(name, device, '');
      assert.equal(enrol.code, 0, enrol.stderr);
    }
    const marker = Buffer.from('PLAINTEXT-MARKER-THAT-THE-SERVER-MUST-NEVER-HOLD-'.repeat(3));
    const plaintext = Buffer.concat([marker, Buffer.alloc(200_000, 3), marker]);
    const source = makeFile(tempDir(), 'holiday-for-bob-only.jpg', plaintext.length, plaintext);

    const sent = await run('alice', 'alice-1', `/send @bob ${source.path}\n`);
    assert.equal(sent.code, 0, sent.stderr);
    const announced = events(sent.stdout).find((e) => e.type === 'file');
    assert.ok(announced, sent.stdout);
    assert.deepEqual(Object.keys(announced), ['type', 'id', 'to', 'from', 'name', 'size', 'sha256', 'time']);
    assert.deepEqual([announced.to, announced.from, announced.name, announced.size, announced.sha256], ['bob', 'alice', 'holiday-for-bob-only.jpg', plaintext.length, source.sha256]);
    const id = Number(announced.id);
    assert.ok(Number.isSafeInteger(id) && id > 0);

    // The server's data directory (the blob, the database and its WAL) and its logs: no plaintext, no name.
    const stored = [...filesUnder(t.dataDir), ...filesUnder(t.logDir)];
    assert.ok(stored.some((file) => file.includes(`${path.sep}files${path.sep}`)), 'the ciphertext is stored under files/');
    for (const file of stored) {
      const bytes = fs.readFileSync(file);
      assert.equal(bytes.includes(marker.subarray(0, 40)), false, `plaintext in ${file}`);
      assert.equal(bytes.includes(Buffer.from('holiday-for-bob-only')), false, `the file name in ${file}`);
    }

    // bob's first device: the announcement (stored for it while offline), then /get.
    const into = tempDir('party-pool-bob-1-');
    const got = await run('bob', 'bob-1', `/get ${id} ${into}\n`);
    assert.equal(got.code, 0, got.stderr);
    const bobEvents = events(got.stdout);
    const offered = bobEvents.find((e) => e.type === 'file');
    assert.deepEqual(offered && [offered.id, offered.from, offered.to, offered.name, offered.size, offered.sha256], [id, 'alice', 'bob', 'holiday-for-bob-only.jpg', plaintext.length, source.sha256]);
    assert.deepEqual(bobEvents.find((e) => e.type === 'saved'), { type: 'saved', id, path: path.join(into, 'holiday-for-bob-only.jpg'), sha256: source.sha256 });
    assert.ok(fs.readFileSync(path.join(into, 'holiday-for-bob-only.jpg')).equals(plaintext));
    // bob-1's profile keeps the key (owner-only): nothing new arrives at the next start, and /get still works.
    const again = tempDir('party-pool-bob-1-again-');
    const restarted = await run('bob', 'bob-1', `/get ${id} ${again}\n`);
    assert.equal(restarted.code, 0, restarted.stderr);
    assert.equal(events(restarted.stdout).some((e) => e.type === 'file'), false, 'the key came from the profile, not a new message');
    assert.equal(sha256Of(path.join(again, 'holiday-for-bob-only.jpg')), source.sha256);

    // bob's second device opens it too; as a person sees it.
    const second = tempDir('party-pool-bob-2-');
    const human = await run('bob', 'bob-2', `/get ${id} ${second}\n`, { json: false });
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, new RegExp(`\\[\\d\\d:\\d\\d\\] alice sent you holiday-for-bob-only\\.jpg \\(200\\.\\d kB\\) — /get ${id}`));
    assert.match(human.stdout, /Saved holiday-for-bob-only\.jpg/);
    assert.equal(sha256Of(path.join(second, 'holiday-for-bob-only.jpg')), source.sha256);

    // carol may not fetch the ciphertext, and no message gave her the key.
    const carol = await run('carol', 'carol-1', `/get ${id} ${tempDir()}\n`);
    assert.equal(carol.code, 0, carol.stderr);
    const carolEvents = events(carol.stdout);
    assert.equal(carolEvents.some((e) => e.type === 'file'), false);
    assert.deepEqual(carolEvents.filter((e) => e.type === 'error').map((e) => e.code), ['NO_SUCH_FILE']);
    const carolProfile = filesUnder(profile('carol-1')).map((file) => fs.readFileSync(file));
    assert.equal(carolProfile.some((bytes) => bytes.includes(Buffer.from('holiday-for-bob-only'))), false);
  });

  test('a contact whose verified keys changed gets no key: VERIFY_REQUIRED before a byte is uploaded', async () => {
    assert.equal((await run('dora', 'dora-1', '')).code, 0);
    const first = await run('eve', 'eve-1', '/msg dora hi\n/verify dora confirm\n');
    assert.equal(first.code, 0, first.stderr);
    assert.equal((await run('dora', 'dora-2', '')).code, 0, 'dora adds a device');
    const source = makeFile(tempDir(), 'for-dora.txt', 50_000);
    const storedBefore = filesUnder(path.join(t.dataDir, 'files')).sort();
    const refused = await run('eve', 'eve-1', `/send @dora ${source.path}\n/files @dora\n`);
    const out = events(refused.stdout);
    assert.ok(out.findIndex((e) => e.type === 'key-changed') >= 0, refused.stdout);
    assert.deepEqual(out.filter((e) => e.type === 'error').map((e) => e.code), ['VERIFY_REQUIRED']);
    assert.equal(out.some((e) => e.type === 'file' || e.type === 'direct' || e.type === 'progress'), false, 'nothing was sent');
    assert.deepEqual(filesUnder(path.join(t.dataDir, 'files')).sort(), storedBefore, 'refused before a byte was uploaded');
    // Neither of dora's devices is told anything.
    for (const device of ['dora-1', 'dora-2']) {
      const dora = await run('dora', device, '/files @eve\n');
      assert.equal(dora.code, 0, dora.stderr);
      const doraEvents = events(dora.stdout);
      assert.equal(doraEvents.some((e) => e.type === 'file'), false);
      assert.deepEqual((doraEvents.find((e) => e.type === 'files')?.files as unknown[] | undefined)?.length, 0, 'no file between them');
    }
  });
});
