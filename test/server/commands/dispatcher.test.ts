// The one dispatcher on its own: policy as data, enforced before any handler runs, and exactly
// one answer per request id whatever the handler does. Sessions here are stand-ins that record
// what they are sent; the services are the real graph over a real database.
import assert from 'node:assert/strict';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { test } from 'node:test';
import { createSilentLogger } from '../../../src/common/logger.js';
import { resolveServerSettings, serverLimits } from '../../../src/common/settings.js';
import { ensurePrivateDir } from '../../../src/data-dir/files.js';
import { Store } from '../../../src/data-dir/store.js';
import { decodePayload } from '../../../src/protocol/frame.js';
import type { ClientMessage } from '../../../src/protocol/messages.js';
import { MessageLimiter } from '../../../src/server/abuse/message-limiter.js';
import { Clock } from '../../../src/server/clock.js';
import { CommandError } from '../../../src/server/commands/command-error.js';
import { commandSpecs, messageSpecs } from '../../../src/server/commands/registry.js';
import { ACK, PendingAnswer } from '../../../src/server/commands/reply.js';
import { CommandTable, Dispatcher, command, rootCommand, type CommandSpec } from '../../../src/server/commands/table.js';
import { realTimers } from '../../../src/server/moderation/countdown.js';
import { buildServices, type Services } from '../../../src/server/services.js';
import { Member, type Role } from '../../../src/server/session/member.js';
import { Outbox } from '../../../src/server/session/outbox.js';
import type { Session } from '../../../src/server/session/session.js';
import { tempDir } from '../../helpers/server.js';

const secret = { key: Buffer.alloc(32), salt: Buffer.alloc(16), iterations: 1 };

/** A stand-in session: records every frame (as JSON values) and whether it was failed; frames pass a real Outbox. */
class FakeSession {
  readonly sent: Record<string, unknown>[] = [];
  private readonly outbox = new Outbox({ writableLength: 0, destroyed: false, write: () => true } as unknown as TLSSocket, { maxUnsentBytes: 1 << 20, maxOutboundFrameBytes: 1 << 20 }, () => undefined);
  failed: string | undefined;
  invalid = 0;
  readonly address = '127.0.0.1';
  readonly isOpen = true;
  constructor(readonly id: number) {}
  sendFrame(frame: Buffer): void {
    this.outbox.push(frame);
    const value: unknown = decodePayload(frame.subarray(4));
    if (typeof value === 'object' && value !== null) this.sent.push({ ...value });
  }
  send(message: unknown): void {
    if (typeof message === 'object' && message !== null) this.sent.push({ ...message });
  }
  sendError(code: string, message?: string, extra: { ref?: number } = {}): void {
    this.sent.push({ type: 'error', code, message, ...extra });
  }
  rejectInput(code: string, message?: string, ref?: number): void {
    this.invalid += 1;
    this.sendError(code, message, ref === undefined ? {} : { ref });
  }
  fail(code: string, message?: string, ref?: number): void {
    this.failed = code;
    this.sendError(code, message, ref === undefined ? {} : { ref });
  }
  close(): void {
    this.failed ??= 'closed';
  }
  touch(): void {}
  /** The answers carrying `ref`. */
  answers(ref: number): Record<string, unknown>[] {
    return this.sent.filter((m) => m.ref === ref);
  }
}

type Rates = { commandBurst: number; messageBurst: number };

function setUp(t: { after: (fn: () => void) => void }, extra: readonly CommandSpec[] = []): { services: Services; dispatcher: Dispatcher; login: (name: string, role?: Role, protocol?: number, rates?: Rates) => FakeSession } {
  const dir = tempDir();
  const settings = { ...resolveServerSettings({}, {}), dataDir: path.join(dir, 'data'), logDir: path.join(dir, 'logs') };
  ensurePrivateDir(settings.dataDir, 'data directory');
  const store = Store.open(settings.dataDir);
  t.after(() => store.close());
  const limits = { ...serverLimits(settings), commandBurst: 1000, messageBurst: 1000 };
  const clock = new Clock(() => Date.UTC(2026, 0, 1));
  const services = buildServices({ settings, limits, logger: createSilentLogger(), clock, timers: realTimers, keys: { passkey: secret, root: secret, opaque: { serverSetup: 'unused', root: { record: 'unused', stretching: { memory: 8, iterations: 1, parallelism: 1 } } } }, store, shutdown: () => Promise.resolve() });
  const table = new CommandTable([...commandSpecs, ...extra], limits);
  const dispatcher = new Dispatcher(messageSpecs, table, services.context, { ...services, logger: createSilentLogger(), clock });
  let nextId = 1;
  const login = (name: string, role: Role = 'user', protocol = 2, rates: Rates = limits): FakeSession => {
    const session = new FakeSession(nextId++);
    const limiter = role === 'user' ? new MessageLimiter({ ...limits, ...rates }, clock.now()) : undefined;
    services.roster.add(new Member(session as unknown as Session, { name, role, protocol, limiter }));
    return session;
  };
  return { services, dispatcher, login };
}

const handle = (dispatcher: Dispatcher, session: FakeSession, message: ClientMessage): Promise<void> | void => dispatcher.handle(session as unknown as Session, message);
const cmd = (id: number, name: string, args = ''): ClientMessage => ({ type: 'command', id, name, args });

test('every registered command states its whole policy, and no name is taken twice per role', () => {
  for (const spec of commandSpecs) {
    assert.equal(spec.usableBeforeLogin, false, spec.name);
    assert.ok(spec.maxParams >= spec.minParams, `${spec.name}: maxParams below minParams`);
    assert.ok(spec.roles.length > 0, spec.name);
    assert.ok(['say', 'command', 'none'].includes(spec.bucket), spec.name);
    if (spec.params === 'none') assert.equal(spec.maxParams, 0, spec.name);
  }
  assert.throws(() => new CommandTable([...commandSpecs, command({ name: 'help', usage: '/help', help: 'again', run: () => ACK })], serverLimits(resolveServerSettings({}, {}))), /two commands named "help"/);
  assert.deepEqual(messageSpecs.map((spec) => spec.type).sort(), ['account-finish', 'account-record', 'auth', 'bye', 'devices-get', 'direct', 'direct-ack', 'file-cancel', 'file-chunk', 'file-get', 'file-info', 'file-offer', 'hello', 'ping', 'pong', 'say']);
});

test('the gates run before any handler: login, lookup, protocol, arity, role', async (t) => {
  let ran = 0;
  const probe = command({ name: 'probe', usage: '/probe <a> [b]', help: 'test', minParams: 1, maxParams: 2, minProtocol: 2, run: () => (ran++, ACK) });
  const { dispatcher, login } = setUp(t, [probe]);
  const stranger = new FakeSession(99);
  await handle(dispatcher, stranger, cmd(1, 'probe', 'x'));
  await handle(dispatcher, stranger, { type: 'say', id: 2, text: 'hi' });
  assert.deepEqual(stranger.sent.map((m) => [m.ref, m.code]), [
    [1, 'UNEXPECTED_MESSAGE'],
    [2, 'UNEXPECTED_MESSAGE'],
  ]);
  assert.equal(stranger.invalid, 2, 'counted as invalid input');
  const old = login('oldclient', 'user', 1);
  await handle(dispatcher, old, cmd(3, 'probe', 'x'));
  const user = login('alice');
  await handle(dispatcher, user, cmd(4, 'nosuch'));
  await handle(dispatcher, user, cmd(5, 'probe'));
  await handle(dispatcher, user, cmd(6, 'probe', 'a b c'));
  await handle(dispatcher, user, cmd(7, 'probe', 'a | b'));
  await handle(dispatcher, user, cmd(8, 'online', 'now'));
  await handle(dispatcher, user, cmd(9, 'PROBE', 'a b'));
  assert.deepEqual(
    [...old.sent, ...user.sent].map((m) => `${String(m.ref)}:${String(m.code ?? m.type)}`),
    ['3:CLIENT_TOO_OLD', '4:UNKNOWN_COMMAND', '5:MISSING_ARGUMENT', '6:TOO_MANY_ARGUMENTS', '7:BAD_MESSAGE', '8:TOO_MANY_ARGUMENTS', '9:ack'],
  );
  assert.equal(ran, 1, 'the handler ran only when every gate passed');
  const root = login('root#1', 'root');
  await handle(dispatcher, root, { type: 'say', id: 10, text: 'hi' });
  await handle(dispatcher, root, cmd(11, 'probe', 'x'));
  assert.deepEqual(root.sent.map((m) => `${String(m.ref)}:${String(m.code)}`), ['10:NOT_PERMITTED', '11:UNKNOWN_COMMAND']);
});

test('exactly one answer per request id: refusals, storage failures and bugs alike', async (t) => {
  const pending = new PendingAnswer();
  const specs = [
    command({ name: 'refuse', usage: '/refuse', help: 't', run: () => { throw new CommandError('NOT_PERMITTED'); } }),
    command({ name: 'disk', usage: '/disk', help: 't', run: () => Promise.reject(Object.assign(new Error('disk full'), { code: 'ENOSPC' })) }),
    command({ name: 'later', usage: '/later', help: 't', run: () => pending }),
    command({ name: 'big', usage: '/big', help: 't', run: () => ({ type: 'online', users: Array.from({ length: 200_000 }, (_, i) => `user${i}`) }) }),
    command({ name: 'bug', usage: '/bug', help: 't', run: () => { throw new Error('a bug'); } }),
  ];
  const { services, dispatcher, login } = setUp(t, specs);
  const user = login('alice');
  await handle(dispatcher, user, cmd(1, 'refuse'));
  await handle(dispatcher, user, cmd(2, 'disk'));
  const later = handle(dispatcher, user, cmd(3, 'later'));
  assert.deepEqual(user.answers(3), [], 'no answer before it is given');
  pending.answer(ACK);
  assert.deepEqual(user.answers(3).map((m) => m.type), ['ack'], 'given synchronously, in the same tick');
  await later;
  await handle(dispatcher, user, cmd(4, 'big'));
  await handle(dispatcher, user, cmd(5, 'bug'));
  assert.deepEqual(
    [1, 2, 3, 4, 5].map((id) => user.answers(id).map((m) => String(m.code ?? m.type))),
    [['NOT_PERMITTED'], ['STORAGE_FAILED'], ['ack'], ['REPLY_TOO_LARGE'], ['INTERNAL']],
  );
  assert.equal(user.failed, 'INTERNAL', 'a bug ends that session only');
  assert.equal(services.alarm.total, 1, 'the storage failure was reported');
});

test('root calls are audited once, before the reply, with the targets the command allows', async (t) => {
  const recorded: string[] = [];
  const note = rootCommand({ name: 'note', usage: 'note <text>', help: 't', params: 'text', minParams: 1, audit: () => ['(hidden)'], run: () => ({ reply: ACK, detail: 'noted' }) });
  const { services, dispatcher, login } = setUp(t, [note]);
  services.audit.record = (entry) => void recorded.push(`${entry.action}:${(entry.targets ?? []).join(' ')}:${entry.result}:${entry.detail ?? ''}`);
  const root = login('root#7', 'root');
  root.sendFrame = (frame: Buffer): void => {
    recorded.push(`reply:${String((decodePayload(frame.subarray(4)) as { type: string }).type)}`);
  };
  await handle(dispatcher, root, cmd(1, 'note', 'secret words'));
  await handle(dispatcher, root, cmd(2, 'note'));
  assert.deepEqual(recorded, ['note:(hidden):ok:noted', 'reply:ack', 'note:(hidden):MISSING_ARGUMENT:']);
});

test('rate buckets: chat lines and /public share the say bucket and both count as relayed; commands have their own bucket', async (t) => {
  const { services, dispatcher, login } = setUp(t);
  // The say bucket holds 2 here, the command bucket 3.
  const user = login('alice', 'user', 2, { messageBurst: 2, commandBurst: 3 });
  await handle(dispatcher, user, cmd(1, 'public', '#lobby one'));
  await handle(dispatcher, user, cmd(2, 'public', '#lobby two'));
  await handle(dispatcher, user, { type: 'say', id: 3, text: 'three' });
  await handle(dispatcher, user, cmd(4, 'online'));
  assert.equal(user.answers(3)[0]?.code, 'RATE_LIMITED');
  assert.equal(user.answers(4)[0]?.type, 'online');
  // Both /public lines count as relayed, like chat lines (the refused one does not).
  assert.equal(services.stats.snapshot().messagesRelayed, 2);
});
