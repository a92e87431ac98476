// Issued packages end to end: build them with `party-pool package` against a real server, then
// run them the way a friend would. Builds are slow (an executable takes seconds), so this file
// builds twice and every test shares the artifacts.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { config } from '../../config.js';
import { sha256Hex } from '../../src/crypto/hash.js';
import { PackageRegistry } from '../../src/data-dir/packages.js';
import { cachedRuntimePath } from '../../src/packaging/runtimes.js';
import { binPath, cleanEnv, repoRoot, runCli, runProgram, type CliResult } from '../helpers/cli.js';
import { RawClient, loggedIn, loggedInV2 } from '../helpers/raw-client.js';
import { rootLoggedIn, runOk } from '../helpers/root.js';
import { PASSKEY, ROOT_PASSWORD, startTestServer, tempDir, waitUntil, type TestServer } from '../helpers/server.js';
import { WinePrefix, hasWine } from '../helpers/wine.js';

const version = (JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
/** Sealed first in every package: a name no resolver knows, and that must never show in an artifact. */
const SECRET_HOST = 'pp-test-host-7q2x.invalid';
const BUILD_TIMEOUT_MS = 240_000;

const inCi = Boolean(process.env.CI);
const wineSkip = !hasWine() && !inCi ? 'wine is not installed (.ci/run installs it)' : false;

function hasTool(name: string): boolean {
  return spawnSync(name, ['--version']).error === undefined;
}

function sha256(file: string): string {
  return sha256Hex(fs.readFileSync(file));
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? filesUnder(path.join(dir, entry.name)) : [path.join(dir, entry.name)]));
}

describe('packaging: build, run, revoke', { timeout: 600_000 }, () => {
  let t: TestServer;
  let out: string;
  let firstBuild: CliResult;
  let clientZipDir: string;
  let rootZipDir: string;
  const addresses = (port: number): string[] => ['--address', `${SECRET_HOST}:${port}`, '--address', `127.0.0.1:${port}`];
  const file = (kind: 'client' | 'root', suffix: string): string => path.join(out, kind, `${kind === 'client' ? 'PartyPoolClient' : 'PartyPoolRoot'}-v${version}${suffix}`);
  const linuxExe = (): string => file('client', '-linux-x64');
  const env = { PARTY_POOL_PASSKEY: PASSKEY };

  function unzip(zip: string): string {
    const dir = tempDir('party-pool-unzip-');
    unzipped.push(dir);
    const result = spawnSync('unzip', ['-q', zip, '-d', dir]);
    assert.equal(result.status, 0, String(result.stderr));
    const [folder] = fs.readdirSync(dir);
    return path.join(dir, folder ?? '');
  }

  before(async () => {
    // Wrong passkeys and passwords on purpose from 127.0.0.1 (a success no longer resets the count).
    t = await startTestServer({ maxSessionsPerAddress: 100, authFailureLimit: 100 });
    out = tempDir('party-pool-dist-');
    firstBuild = await runCli(['package', '--kind', 'both', '--platform', 'linux', ...addresses(t.port), '--data-dir', t.dataDir, '--out', out, '--note', 'first build'], {
      env,
      timeoutMs: BUILD_TIMEOUT_MS,
    });
    assert.equal(firstBuild.code, 0, firstBuild.stderr + firstBuild.stdout);
    clientZipDir = unzip(file('client', '.zip'));
    rootZipDir = unzip(file('root', '.zip'));
  });
  const unzipped: string[] = [];
  after(async () => {
    await t.close();
    // Executables are ~100 MB each: do not leave them in the temp directory.
    for (const dir of [out, ...unzipped]) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('builds the client and root zip bundles, Linux executables and their downloads, with progress, and records both packages', () => {
    for (const suffix of ['-linux-x64', '-linux-x64.tar.gz', '.zip']) for (const kind of ['client', 'root'] as const) assert.ok(fs.existsSync(file(kind, suffix)), `${kind}${suffix}`);
    assert.equal(fs.statSync(linuxExe()).mode & 0o111, 0o111, 'the Linux executable is executable');
    assert.equal(fs.readFileSync(linuxExe()).subarray(0, 4).toString('latin1'), '\x7fELF');
    // Each step is reported with its elapsed time.
    for (const step of [
      'Bundling the program',
      'Program executable for Linux x64',
      `client Linux executable PartyPoolClient-v${version}-linux-x64`,
      `root Linux download PartyPoolRoot-v${version}-linux-x64.tar.gz`,
      `root zip bundle PartyPoolRoot-v${version}.zip`,
      'Checksums',
    ]) {
      assert.match(firstBuild.stdout, new RegExp(`✔ ${step.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(.*\\d+\\.\\d s\\)`), step);
    }
    assert.match(firstBuild.stdout, /Packages built in \d+\.\d s/);
    // The summary shows each download's size and its share of the executable.
    assert.match(firstBuild.stdout, new RegExp(`client/PartyPoolClient-v${version.replace(/\./g, '\\.')}-linux-x64\\.tar\\.gz +\\d+\\.\\d MB {2}download, \\d+ %`));
    const records = new PackageRegistry(t.server.store).list(10).packages;
    assert.deepEqual(records.map((r) => r.kind).sort(), ['client', 'root']);
    for (const record of records) {
      assert.deepEqual(record.platforms, ['linux']);
      assert.equal(record.note, 'first build');
      assert.equal(record.revokedAt, null);
    }
  });

  test('the zip holds the bundled script, the sealed file, an executable setup.sh, setup.bat and README.txt', () => {
    const listing = spawnSync('zipinfo', [file('client', '.zip')]).stdout.toString();
    const folder = `PartyPoolClient-v${version}`;
    assert.match(listing, new RegExp(`^-rwxr-xr-x .* ${folder}/setup\\.sh$`, 'm'));
    for (const name of ['client.cjs', 'sealed-server.json', 'setup.bat', 'README.txt']) assert.match(listing, new RegExp(`^-rw-r--r-- .* ${folder}/${name.replace('.', '\\.')}$`, 'm'));
    assert.match(spawnSync('zipinfo', ['-1', file('root', '.zip')]).stdout.toString(), /PartyPoolRoot-v[\d.]+\/root\.cjs/);
    assert.match(fs.readFileSync(path.join(clientZipDir, 'setup.bat'), 'utf8'), /\r\nnode client\.cjs %\*\r\n/);
    const readme = fs.readFileSync(path.join(clientZipDir, 'README.txt'), 'utf8');
    assert.match(readme, /double-click {2}setup\.bat/);
    assert.doesNotMatch(readme, /\{\{/);
  });

  test('the Linux download is a .tar.gz of exactly the executable, mode 755, with no owner names', () => {
    for (const kind of ['client', 'root'] as const) {
      const download = file(kind, '-linux-x64.tar.gz');
      assert.equal(spawnSync('gzip', ['-t', download]).status, 0, `gzip -t ${download}`);
      // GNU tar shows user/group names when the archive has them: 0/0 means it records none.
      const listing = spawnSync('tar', ['-tvzf', download]).stdout.toString().trim().split('\n');
      assert.equal(listing.length, 1, listing.join('\n'));
      assert.match(listing[0] ?? '', new RegExp(`^-rwxr-xr-x 0/0 .* ${path.basename(file(kind, '-linux-x64'))}$`));
      const extracted = tempDir('party-pool-untar-');
      unzipped.push(extracted);
      assert.equal(spawnSync('tar', ['-xzf', download, '-C', extracted]).status, 0);
      const exe = path.join(extracted, path.basename(file(kind, '-linux-x64')));
      assert.equal(sha256(exe), sha256(file(kind, '-linux-x64')), `${kind}: the download holds the executable`);
      assert.equal(fs.statSync(exe).mode & 0o777, 0o755);
    }
    assert.ok(fs.statSync(file('client', '-linux-x64.tar.gz')).size < fs.statSync(linuxExe()).size * 0.6, 'the download is compressed');
  });

  test('client and root executables are one program with a different sealed slot', () => {
    const client = fs.readFileSync(linuxExe());
    const root = fs.readFileSync(file('root', '-linux-x64'));
    assert.equal(client.length, root.length);
    let first = -1;
    let last = -1;
    for (let i = 0; i < client.length; i++) {
      if (client[i] !== root[i]) {
        if (first === -1) first = i;
        last = i;
      }
    }
    assert.ok(first >= 0 && last - first < 32 * 1024, `they differ in ${first}..${last}`);
  });

  test('--version and --package-info need no passkey; the id matches the record', async () => {
    const [clientRecord] = new PackageRegistry(t.server.store).list(10).packages.filter((r) => r.kind === 'client');
    for (const [command, args] of [
      [linuxExe(), []],
      [process.execPath, [path.join(clientZipDir, 'client.cjs')]],
      ['sh', [path.join(clientZipDir, 'setup.sh')]],
    ] as const) {
      const shown = await runProgram(command, [...args, '--version']);
      assert.equal(shown.code, 0, shown.stderr);
      assert.equal(shown.stdout.trim(), version);
      const info = await runProgram(command, [...args, '--package-info']);
      assert.equal(info.code, 0, info.stderr);
      assert.equal(info.stdout, `package id: ${clientRecord?.id}\nkind: client\nversion: ${version}\n`);
    }
    const rootInfo = await runProgram(process.execPath, [path.join(rootZipDir, 'root.cjs'), '--package-info']);
    assert.match(rootInfo.stdout, /kind: root/);
  });

  /** Run a packaged client in line mode: a friend logged in elsewhere hears it, and it hears the friend. */
  async function chatsBothWays(command: string, args: string[], name: string): Promise<void> {
    const friend = await loggedIn(t.port, `friend-of-${name}`.slice(0, 24));
    const child = spawn(command, [...args, '--name', name, '--json'], { env: cleanEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      await waitUntil(() => stdout.includes('"type":"welcome"'), 20_000, `${name} to log in (stderr: ${stderr})`);
      friend.say(`hello ${name}, from the server side`);
      await waitUntil(() => stdout.includes(`hello ${name}, from the server side`), 10_000, `${name} to hear the friend`);
      child.stdin.end(`hello from ${name}\n`);
      await friend.waitFor('message', (m) => m.from === name && m.text === `hello from ${name}`, 10_000);
      assert.equal(await exited, 0, stderr);
    } finally {
      child.kill();
      friend.destroy();
    }
  }

  test('the unzipped bundle, run with node, chats in line mode both ways', async () => {
    await chatsBothWays(process.execPath, [path.join(clientZipDir, 'client.cjs')], 'zipfriend');
  });

  test('the Linux executable, run directly, chats in line mode both ways', async () => {
    await chatsBothWays(linuxExe(), [], 'exefriend');
  });

  test('the root bundle and the root executable open the root console with the root password', async () => {
    const victim = await loggedIn(t.port, 'rootpkgvictim');
    try {
      const rootExe = file('root', '-linux-x64');
      const programs: [string, string[]][] = [[process.execPath, [path.join(rootZipDir, 'root.cjs')]], [rootExe, []]];
      for (const [command, args] of programs) {
        const listed = await runProgram(command, [...args, '--json'], { env: { ...env, PARTY_POOL_ROOT_PASSWORD: ROOT_PASSWORD }, input: 'list-conn -u\n' });
        assert.equal(listed.code, 0, listed.stderr);
        assert.match(listed.stdout, /rootpkgvictim/);
        const wrong = await runProgram(command, args, { env: { ...env, PARTY_POOL_ROOT_PASSWORD: 'not-the-root-password' }, input: 'list-conn\n' });
        assert.equal(wrong.code, 3);
      }
      const kicked = await runProgram(process.execPath, [path.join(rootZipDir, 'root.cjs')], { env: { ...env, PARTY_POOL_ROOT_PASSWORD: ROOT_PASSWORD }, input: 'remove -u rootpkgvictim\n' });
      assert.equal(kicked.code, 0, kicked.stderr);
      assert.equal((await victim.waitFor('bye')).code, 'KICKED');
    } finally {
      victim.destroy();
    }
  });

  test('issued programs prove their package key (admitted under lockdown) and log in to an account by OPAQUE, the executable (Node 22) and the bundle alike', async () => {
    const owner = await loggedInV2(t.port, 'pkgowner');
    assert.equal((await owner.registerAccount('pkg-owner-password')).type, 'account');
    owner.destroy();
    const root = await rootLoggedIn(t.port);
    await runOk(root, 'lockdown', 'on');
    try {
      const [clientRecord] = new PackageRegistry(t.server.store).list(10).packages.filter((r) => r.kind === 'client');
      // Naming the id (anyone can read it with --package-info) is not enough...
      const namer = await RawClient.connect(t.port);
      namer.versions = [1, 2, 3];
      assert.equal(await namer.attempt('idnamer', { packageId: clientRecord?.id ?? '' }), 'LOCKDOWN');
      namer.destroy();
      for (const [command, args] of [
        [linuxExe(), []],
        [process.execPath, [path.join(clientZipDir, 'client.cjs')]],
      ] as const) {
        // ...the program itself proves its key: a guest name is admitted.
        const guest = await runProgram(command, [...args, '--name', 'pkgguest'], { env, input: 'hello from a proven package\n' });
        assert.equal(guest.code, 0, guest.stderr);
        // And a registered name logs in with its password, which never leaves the program.
        const member = await runProgram(command, [...args, '--name', 'pkgowner'], { env: { ...env, PARTY_POOL_PASSWORD: 'pkg-owner-password' }, input: 'hello from the owner\n' });
        assert.equal(member.code, 0, member.stderr);
        const wrong = await runProgram(command, [...args, '--name', 'pkgowner'], { env: { ...env, PARTY_POOL_PASSWORD: 'not-the-owner-password' }, input: 'hi\n' });
        assert.equal(wrong.code, 3);
      }
    } finally {
      await runOk(root, 'lockdown', 'off');
      root.destroy();
    }
  });

  test('a wrong passkey is refused with exit 3, from the executable and the bundle', async () => {
    for (const [command, args] of [
      [linuxExe(), []],
      [process.execPath, [path.join(clientZipDir, 'client.cjs')]],
    ] as const) {
      const result = await runProgram(command, [...args, '--name', 'guesser'], { env: { PARTY_POOL_PASSKEY: 'not-the-passkey' }, input: 'hi\n' });
      assert.equal(result.code, 3);
      assert.equal(result.stderr.trim(), 'Wrong passkey.');
      assert.equal(result.stdout, '');
    }
  });

  test('a tampered or missing sealed file is refused with exit 4 and one sentence', async () => {
    const script = path.join(clientZipDir, 'client.cjs');
    const sealedFile = path.join(clientZipDir, 'sealed-server.json');
    const original = fs.readFileSync(sealedFile, 'utf8');
    const sealed = JSON.parse(original) as { ciphertext: string; package: { version: string } };
    const flipped = Buffer.from(sealed.ciphertext, 'base64');
    flipped[3] = (flipped[3] ?? 0) ^ 0x40;
    const variants = [
      JSON.stringify({ ...sealed, ciphertext: flipped.toString('base64') }),
      JSON.stringify({ ...sealed, package: { ...sealed.package, version: '9.9.9' } }),
      original.slice(0, 100),
    ];
    try {
      for (const variant of variants) {
        fs.writeFileSync(sealedFile, variant);
        const result = await runProgram(process.execPath, [script, '--name', 'tamper'], { env, input: 'hi\n' });
        assert.equal(result.code, 4, result.stderr);
        assert.match(result.stderr, /server file (is damaged or was altered|is not valid JSON)/);
        assert.equal(result.stderr.trim().split('\n').length, 1);
      }
      fs.rmSync(sealedFile);
      const missing = await runProgram(process.execPath, [script, '--name', 'tamper'], { env, input: 'hi\n' });
      assert.equal(missing.code, 4);
      assert.match(missing.stderr, /sealed-server\.json is missing/);
    } finally {
      fs.writeFileSync(sealedFile, original);
    }
  });

  test('no artifact reveals an address, a secret or a path of the build machine (strings, and a raw byte search)', () => {
    const keyBody = (name: string): string => fs.readFileSync(path.join(t.dataDir, name), 'utf8').split('\n')[1] ?? 'missing';
    const needles = [SECRET_HOST, PASSKEY, ROOT_PASSWORD, t.fingerprint.replace('SHA256:', ''), t.server.identity.nextFingerprint.replace('SHA256:', ''), keyBody('server-key.pem'), keyBody('server-next-key.pem')];
    // The build directory, the checkout and the home directory (a user name) must not be inside either.
    const home = os.homedir();
    const paths = [out, repoRoot, '.building-', '.making-', ...(home.split('/').filter(Boolean).length >= 2 ? [home] : [])];
    needles.push(...paths);
    const artifacts = [...filesUnder(out).filter((f) => !f.endsWith('SHA256SUMS')), ...filesUnder(clientZipDir), ...filesUnder(rootZipDir)];
    assert.ok(artifacts.length >= 16, `artifacts: ${artifacts.length}`);
    for (const artifact of artifacts) {
      const strings = spawnSync('strings', ['-a', artifact], { maxBuffer: 512 * 1024 * 1024 });
      assert.equal(strings.status, 0, `strings ${artifact}`);
      const text = strings.stdout.toString();
      const bytes = fs.readFileSync(artifact);
      for (const needle of needles) {
        assert.ok(!text.includes(needle), `strings shows ${needle} in ${artifact}`);
        assert.equal(bytes.indexOf(Buffer.from(needle, 'utf8')), -1, `${needle} in ${artifact}`);
        assert.equal(bytes.indexOf(Buffer.from(needle, 'utf16le')), -1, `${needle} (UTF-16) in ${artifact}`);
      }
    }
  });

  test('an existing artifact of this version is an error unless --force', async () => {
    const zip = file('client', '.zip');
    const before = sha256(zip);
    const refused = await runCli(['package', '--kind', 'client', '--platform', 'windows', ...addresses(t.port), '--data-dir', t.dataDir, '--out', out], { env });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /client\/PartyPoolClient-v[\d.]+\.zip already exists .*use --force/);
    assert.equal(sha256(zip), before, 'nothing was overwritten');
    assert.equal(new PackageRegistry(t.server.store).list(10).total, 2, 'nothing was recorded');
  });

  test('Ctrl-C (SIGINT) during a build stops it: exit 130, no hidden scratch folder, no file, no record', async () => {
    // A cache without program executables, so the build is busy making one (seconds) when interrupted.
    // Linux only: on a cold CI cache the Windows runtime is fetched later in this file.
    const cache = tempDir('party-pool-cold-cache-');
    unzipped.push(cache);
    for (const platform of ['linux-x64'] as const) {
      const from = cachedRuntimePath(path.join(repoRoot, config.packaging.runtimeCacheDir), platform, config.packaging.nodeVersion);
      const to = cachedRuntimePath(cache, platform, config.packaging.nodeVersion);
      fs.mkdirSync(path.dirname(to), { recursive: true });
      try {
        fs.linkSync(from, to);
      } catch {
        fs.copyFileSync(from, to);
      }
    }
    const target = tempDir('party-pool-interrupted-');
    unzipped.push(target);
    const recordsBefore = new PackageRegistry(t.server.store).list(10).total;
    const child = spawn(process.execPath, [binPath, 'package', '--kind', 'both', '--platform', 'linux', ...addresses(t.port), '--data-dir', t.dataDir, '--out', target], {
      env: cleanEnv({ ...env, PARTY_POOL_RUNTIME_CACHE: cache }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      await waitUntil(() => stdout.includes('Bundling the program') && fs.readdirSync(target).some((name) => name.startsWith('.building-')), 30_000, `the build to start (stdout: ${stdout}, stderr: ${stderr})`);
      child.kill('SIGINT');
      const code = await Promise.race([exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no exit after SIGINT; stdout: ${stdout}`)), 60_000).unref())]);
      assert.equal(code, 130, stderr + stdout);
      assert.match(stdout, /Cancelled: nothing was written and no package was recorded\./);
      assert.equal(stderr, '');
    } finally {
      child.kill('SIGKILL');
    }
    assert.deepEqual(fs.readdirSync(target), [], 'nothing left in the output directory, hidden or not');
    assert.deepEqual(fs.readdirSync(path.join(cache, 'programs')).filter((name) => name.startsWith('.')), [], 'no half-made program in the cache');
    assert.equal(new PackageRegistry(t.server.store).list(10).total, recordsBefore, 'no package was recorded');
  });

  describe('after a second build with --force (Windows)', () => {
    let secondBuild: CliResult;
    before(async () => {
      secondBuild = await runCli(['package', '--kind', 'client', '--platform', 'windows', ...addresses(t.port), '--data-dir', t.dataDir, '--out', out, '--force'], {
        env,
        timeoutMs: BUILD_TIMEOUT_MS,
      });
      assert.equal(secondBuild.code, 0, secondBuild.stderr + secondBuild.stdout);
    });

    test('the Windows executable is a valid PE file', () => {
      const exe = fs.readFileSync(file('client', '-win-x64.exe'));
      assert.equal(exe.subarray(0, 2).toString('latin1'), 'MZ');
      const peOffset = exe.readUInt32LE(0x3c);
      assert.equal(exe.subarray(peOffset, peOffset + 4).toString('latin1'), 'PE\0\0');
      assert.equal(exe.readUInt16LE(peOffset + 4), 0x8664, 'x86-64');
    });

    test('the Windows download is a .zip of exactly the .exe', () => {
      const download = file('client', '-win-x64.zip');
      assert.equal(spawnSync('unzip', ['-tq', download]).status, 0, 'unzip -t');
      assert.deepEqual(spawnSync('zipinfo', ['-1', download]).stdout.toString().trim().split('\n'), [`PartyPoolClient-v${version}-win-x64.exe`]);
      const extracted = tempDir('party-pool-unzip-exe-');
      unzipped.push(extracted);
      assert.equal(spawnSync('unzip', ['-q', download, '-d', extracted]).status, 0);
      assert.equal(sha256(path.join(extracted, `PartyPoolClient-v${version}-win-x64.exe`)), sha256(file('client', '-win-x64.exe')));
    });

    test('SHA256SUMS covers every artifact and verifies', () => {
      const lines = fs.readFileSync(path.join(out, 'SHA256SUMS'), 'utf8').trim().split('\n');
      const listed = lines.map((line) => {
        const match = /^([0-9a-f]{64}) {2}(\S+)$/.exec(line);
        assert.ok(match, line);
        assert.equal(sha256(path.join(out, match[2] ?? '')), match[1], `checksum of ${match[2]}`);
        return match[2];
      });
      const expected = ['-win-x64.exe', '-win-x64.zip', '-linux-x64', '-linux-x64.tar.gz', '.zip']
        .map((s) => `client/PartyPoolClient-v${version}${s}`)
        .concat(['-linux-x64', '-linux-x64.tar.gz', '.zip'].map((s) => `root/PartyPoolRoot-v${version}${s}`));
      assert.deepEqual([...listed].sort(), expected.sort());
      if (hasTool('sha256sum')) assert.equal(spawnSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: out }).status, 0);
    });

    test('revoking a package refuses its next login while another package still works', async () => {
      const registry = new PackageRegistry(t.server.store);
      const clients = registry.list(10).packages.filter((r) => r.kind === 'client');
      assert.equal(clients.length, 2);
      const linuxOnly = clients.find((r) => r.platforms.includes('linux'));
      assert.ok(linuxOnly);
      const root = await RawClient.connect(t.port);
      await root.login('boss', { role: 'root', rootPassword: ROOT_PASSWORD });
      assert.equal((await root.answer(root.command('revoke', linuxOnly.id))).type, 'ack');
      root.destroy();

      const revoked = await runProgram(linuxExe(), ['--name', 'revokedfriend'], { env, input: 'hi\n' });
      assert.equal(revoked.code, 3);
      assert.match(revoked.stderr, /revoked/);
      // The zip was rebuilt by the second build: a different, unrevoked package.
      const newZip = unzip(file('client', '.zip'));
      const works = await runProgram(process.execPath, [path.join(newZip, 'client.cjs'), '--name', 'newzipfriend'], { env, input: 'still here\n' });
      assert.equal(works.code, 0, works.stderr);
      assert.match(works.stdout, /newzipfriend: still here/);
    });

    describe('under wine', { skip: wineSkip }, () => {
      const wine = new WinePrefix();
      after(() => wine.stop());

      test('the Windows executable runs --version and chats with a local server in line mode (no platform-check override)', async () => {
        const exe = file('client', '-win-x64.exe');
        const shown = await wine.run(exe, ['--version']);
        assert.equal(shown.code, 0, shown.stderr);
        assert.equal(shown.stdout.trim(), version);
        const chat = await wine.run(exe, ['--name', 'winefriend'], { env, input: 'hello from windows\n/online\n' });
        assert.equal(chat.code, 0, chat.stderr);
        assert.match(chat.stdout, /Welcome, winefriend!/);
        assert.match(chat.stdout, /winefriend: hello from windows/);
        assert.match(chat.stdout, /Online \(1\): winefriend/);
      });

      test('with stdin, stdout and stderr on pipes (which libuv cannot open under wine) it still chats', async () => {
        const exe = file('client', '-win-x64.exe');
        const chat = await wine.runPiped(exe, ['--name', 'pipefriend'], { env, input: 'hello through a pipe\n' });
        assert.equal(chat.code, 0, chat.stderr);
        assert.match(chat.stdout, /pipefriend: hello through a pipe/);
        assert.doesNotMatch(chat.stderr, /EBADF|at new Socket/);
      });
    });
  });
});
