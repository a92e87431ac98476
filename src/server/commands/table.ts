// Every client message goes through one dispatcher, and its policy is data: each message type
// (hello, auth, say, ping, pong, bye) and each command is an entry saying who may use it, when,
// how many parameters it takes, which rate bucket it draws on, whether it counts as activity,
// the oldest protocol that has it, and what a root's call leaves in the audit trail. The
// dispatcher enforces all of that before a handler runs (handlers never re-check), sends the
// handler's reply with the request's `ref`, and answers every request id exactly once —
// refusals, storage failures and bugs included.
import { ErrorCodes, PartyPoolError, errorText } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { ServerLimits } from '../../common/settings.js';
import { isStorageError } from '../../common/storage-errors.js';
import { encodeFrame } from '../../protocol/frame.js';
import type { ClientMessage } from '../../protocol/messages.js';
import { splitWords } from '../../protocol/words.js';
import type { AbuseMonitor } from '../abuse/abuse-monitor.js';
import type { Delivery } from '../chat/delivery.js';
import type { Clock } from '../clock.js';
import type { AuditLog } from '../moderation/audit.js';
import type { Roster } from '../roster.js';
import type { Member, Role } from '../session/member.js';
import type { Session } from '../session/session.js';
import type { StorageAlarm } from '../storage/storage-alarm.js';
import { CommandError } from './command-error.js';
import type { CommandContext, CommandListing } from './context.js';
import { PendingAnswer, isReply, type Answer, type Reply } from './reply.js';

/** Which token bucket a request draws on (root sessions have none). */
export type Bucket = 'say' | 'command' | 'none';
/** How a command's argument string becomes parameters: none, the whole text, or shell-like words. */
export type ParamStyle = 'none' | 'text' | 'words';
/** What the audit trail records of a root's call: its parameters, or a version without message bodies. */
export type AuditTargets = 'params' | ((params: readonly string[]) => string[]);

export interface Policy {
  /** Usable before the session has logged in. */
  readonly usableBeforeLogin: boolean;
  /** Roles that may use it once logged in. */
  readonly roles: readonly Role[];
  readonly bucket: Bucket;
  /** Counts as something a person did (idle time in `list-conn`). */
  readonly touchesActivity: boolean;
  /** The oldest wire protocol version whose clients have it. */
  readonly minProtocol: number;
  /** Root calls are audited; false for messages that are no action (ping, hello). */
  readonly audit: AuditTargets | false;
}

type MessageType = Exclude<ClientMessage['type'], 'command'>;
type MessageOf<T extends ClientMessage['type']> = Extract<ClientMessage, { type: T }>;
type CommandMessage = MessageOf<'command'>;

interface AnyMessageCall {
  readonly ctx: CommandContext;
  readonly session: Session;
  readonly member: Member | undefined;
  readonly message: ClientMessage;
}

/** An entry for one message type (everything but `command`, whose entries are the commands). */
export interface MessageSpec extends Policy {
  readonly type: MessageType;
  /** Said to a role the entry is not for (NOT_PERMITTED). */
  readonly roleRefusal?: string;
  readonly run: (call: AnyMessageCall) => HandlerResult;
}

/** What a handler returns: its answer now, later (a promise), or later but delivered in step (PendingAnswer). */
export type HandlerResult = Answer | undefined | Promise<Answer | undefined> | PendingAnswer;

export interface CommandCall {
  readonly ctx: CommandContext;
  readonly session: Session;
  readonly member: Member;
  /** Parsed parameters: [] for 'none', [rest of line] for 'text', shell-like words for 'words'. */
  readonly params: readonly string[];
}

export interface CommandSpec extends Policy {
  readonly name: string;
  readonly usage: string;
  readonly help: string | ((limits: ServerLimits) => string);
  readonly params: ParamStyle;
  readonly minParams: number;
  readonly maxParams: number;
  /** Added to the too-many-arguments sentence ("quote passwords that contain spaces"). */
  readonly arityHint?: string;
  /**
   * The longest argument string, in characters, checked before it is split into words: what the
   * command needs and no more (issue 11). Default: DEFAULT_MAX_ARGS_LENGTH.
   */
  readonly maxArgsLength: number | ((limits: ServerLimits) => number);
  readonly run: (call: CommandCall) => Answer | Promise<Answer> | PendingAnswer;
}

const isMessage = <T extends MessageType>(message: ClientMessage, type: T): message is MessageOf<T> => message.type === type;

/** An entry usable before login (the handshake's messages, ping, pong, bye). */
export function connectionMessage<T extends MessageType>(
  type: T,
  run: (call: { ctx: CommandContext; session: Session; member: Member | undefined; message: MessageOf<T> }) => HandlerResult,
): MessageSpec {
  return {
    type,
    usableBeforeLogin: true,
    roles: ['user', 'root'],
    bucket: 'none',
    touchesActivity: false,
    minProtocol: 1,
    audit: false,
    run: (call) => {
      const message = call.message;
      if (!isMessage(message, type)) throw new Error(`a ${message.type} message reached the ${type} entry`);
      return run({ ...call, message });
    },
  };
}

/** An entry for logged-in members only. */
export function memberMessage<T extends MessageType>(
  type: T,
  policy: Omit<Policy, 'usableBeforeLogin'> & { roleRefusal?: string },
  run: (call: { ctx: CommandContext; session: Session; member: Member; message: MessageOf<T> }) => HandlerResult,
): MessageSpec {
  return {
    type,
    ...policy,
    usableBeforeLogin: false,
    run: ({ ctx, session, member, message }) => {
      if (!member || !isMessage(message, type)) throw new Error(`the ${type} entry was reached without its login or its message`);
      return run({ ctx, session, member, message });
    },
  };
}

type CommandDefinition = Pick<CommandSpec, 'name' | 'usage' | 'help' | 'run'> & Partial<Omit<CommandSpec, 'name' | 'usage' | 'help' | 'run' | 'usableBeforeLogin'>>;

/** Enough for any command whose arguments are names, rooms, addresses, numbers and flags. */
export const DEFAULT_MAX_ARGS_LENGTH = 256;

/**
 * A command (logged-in sessions only). Defaults: users, shell-like words, exactly `minParams`
 * of them, the command bucket, counts as activity, protocol 1, a root's call audited with its
 * parameters.
 */
export function command(definition: CommandDefinition): CommandSpec {
  const params = definition.params ?? 'words';
  const minParams = definition.minParams ?? 0;
  return {
    roles: ['user'],
    bucket: 'command',
    touchesActivity: true,
    minProtocol: 1,
    audit: 'params',
    maxArgsLength: DEFAULT_MAX_ARGS_LENGTH,
    ...definition,
    usableBeforeLogin: false,
    params,
    minParams,
    maxParams: definition.maxParams ?? (params === 'none' ? 0 : params === 'text' ? 1 : minParams),
  };
}

/** A root console command: roles ['root'], shell-like words. */
export function rootCommand(definition: CommandDefinition): CommandSpec {
  return command({ roles: ['root'], ...definition });
}

/** Every command, by role (a user's `help` and a root's `help` are different commands). */
export class CommandTable {
  private readonly byRole = new Map<Role, Map<string, CommandSpec>>();

  /** Two specs with one name for the same role is a programming error. */
  constructor(
    specs: readonly CommandSpec[],
    private readonly limits: ServerLimits,
  ) {
    for (const spec of specs) {
      for (const role of spec.roles) {
        let table = this.byRole.get(role);
        if (!table) this.byRole.set(role, (table = new Map<string, CommandSpec>()));
        if (table.has(spec.name)) throw new Error(`two commands named "${spec.name}" for role ${role}`);
        table.set(spec.name, spec);
      }
    }
  }

  find(role: Role, name: string): CommandSpec | undefined {
    return this.byRole.get(role)?.get(name.toLowerCase());
  }

  /** The longest argument string `spec` takes, in characters. */
  maxArgsLength(spec: CommandSpec): number {
    return typeof spec.maxArgsLength === 'number' ? spec.maxArgsLength : spec.maxArgsLength(this.limits);
  }

  /** The commands `role` may use; with `protocol`, only those that protocol version has. */
  list(role: Role, protocol?: number): CommandListing[] {
    const specs = [...(this.byRole.get(role)?.values() ?? [])].filter((spec) => protocol === undefined || protocol >= spec.minProtocol);
    return specs.map((spec) => ({ usage: spec.usage, help: typeof spec.help === 'string' ? spec.help : spec.help(this.limits) }));
  }
}

/** Records one root call's result (and a note) in the audit trail. */
type Audit = (result: string, detail?: string) => void;

export interface DispatcherDeps {
  readonly roster: Roster;
  readonly delivery: Delivery;
  readonly audit: AuditLog;
  readonly alarm: StorageAlarm;
  readonly abuse: AbuseMonitor;
  readonly logger: Logger;
  readonly clock: Clock;
}

export class Dispatcher {
  private readonly messages = new Map<string, MessageSpec>();

  constructor(
    messageSpecs: readonly MessageSpec[],
    private readonly commands: CommandTable,
    private readonly ctx: CommandContext,
    private readonly deps: DispatcherDeps,
  ) {
    for (const spec of messageSpecs) {
      if (this.messages.has(spec.type)) throw new Error(`two entries for "${spec.type}" messages`);
      this.messages.set(spec.type, spec);
    }
  }

  /** Handle one valid message from `session`; returns a promise only when the work really awaits. */
  handle(session: Session, message: ClientMessage): Promise<void> | void {
    const member = this.deps.roster.memberOf(session);
    if (message.type === 'command') return this.command(session, member, message);
    const spec = this.messages.get(message.type);
    if (!spec) throw new Error(`no entry for "${message.type}" messages`);
    // Requests carry an id (say, and protocol 3's direct, devices-get, file-offer, file-info, file-get): every answer, refusals included, names it.
    const id = 'id' in message ? message.id : undefined;
    if (!member) {
      if (!spec.usableBeforeLogin) return session.rejectInput('UNEXPECTED_MESSAGE', 'Log in first.', id);
    } else {
      if (!spec.roles.includes(member.role)) return session.sendError('NOT_PERMITTED', spec.roleRefusal, refOf(id));
      if (!this.withinRate(member, spec.bucket, id)) return;
      if (spec.touchesActivity) session.touch(this.deps.clock.now());
      if (member.protocol < spec.minProtocol) return session.sendError('CLIENT_TOO_OLD', errorText('CLIENT_TOO_OLD', { version: spec.minProtocol }), refOf(id));
    }
    return this.execute(session, id, undefined, () => spec.run({ ctx: this.ctx, session, member, message }));
  }

  private command(session: Session, member: Member | undefined, message: CommandMessage): Promise<void> | void {
    const id = message.id;
    if (!member) return session.rejectInput('UNEXPECTED_MESSAGE', 'Log in first.', id);
    const spec = this.commands.find(member.role, message.name);
    // An unknown command draws on the command bucket too: guessing names is no way around the rate.
    if (!this.withinRate(member, spec?.bucket ?? 'command', id)) return;
    if (spec?.touchesActivity ?? true) session.touch(this.deps.clock.now());
    if (!spec) {
      const hint = member.role === 'user' ? 'Type /help for the list.' : 'Type help for the list.';
      return session.sendError('UNKNOWN_COMMAND', `Unknown command "${message.name.slice(0, 32)}". ${hint}`, { ref: id });
    }
    // Arguments longer than the command can use are refused before any work is done on them.
    const maxArgs = this.commands.maxArgsLength(spec);
    const tooLong = message.args.length > maxArgs;
    const params = tooLong ? [] : parseParams(spec.params, message.args);
    // Every root action reaches audit.log, whatever its outcome; never with a message body.
    const audit = this.auditFor(member, spec, params ?? []);
    return this.execute(session, id, audit, () => {
      if (member.protocol < spec.minProtocol) throw new CommandError('CLIENT_TOO_OLD', errorText('CLIENT_TOO_OLD', { version: spec.minProtocol }));
      if (tooLong) throw new CommandError('TEXT_TOO_LONG', `The arguments of ${spec.usage.split(' ')[0] ?? spec.name} are at most ${maxArgs} characters.`);
      if (!params) throw new CommandError('BAD_MESSAGE', 'Operators like | ; & > are not allowed in commands.');
      if (params.length > spec.maxParams) {
        if (spec.maxParams === 0) throw new CommandError('TOO_MANY_ARGUMENTS', `${spec.usage} takes no arguments.`);
        throw new CommandError('TOO_MANY_ARGUMENTS', `Too many arguments. Usage: ${spec.usage}${spec.arityHint ? ` (${spec.arityHint})` : ''}`);
      }
      if (params.length < spec.minParams) throw new CommandError('MISSING_ARGUMENT', `Usage: ${spec.usage}`);
      return spec.run({ ctx: this.ctx, session, member, params });
    });
  }

  /** Take a token from the request's bucket; over the rate it is refused, and a flood ends the session. */
  private withinRate(member: Member, bucket: Bucket, id: number | undefined): boolean {
    const limiter = member.limiter;
    if (!limiter || bucket === 'none') return true;
    const now = this.deps.clock.now();
    if (bucket === 'say' ? limiter.allowSay(now) : limiter.allowCommand(now)) return true;
    const session = member.session;
    if (limiter.rejected(now)) {
      this.deps.abuse.flooding += 1;
      this.deps.logger.warn('flooding', { conn: session.id, user: member.name, address: session.address });
      session.fail('FLOODING', undefined, id);
    } else {
      this.deps.abuse.rateLimited += 1;
      session.sendError('RATE_LIMITED', undefined, refOf(id));
    }
    return false;
  }

  private auditFor(member: Member, spec: CommandSpec, params: readonly string[]): Audit | undefined {
    if (member.role !== 'root' || spec.audit === false) return undefined;
    const targets = spec.audit === 'params' ? [...params] : spec.audit(params);
    const base = { who: member.name, from: member.session.address, action: spec.name, targets };
    return (result, detail) => this.deps.audit.record({ ...base, result, ...(detail ? { detail } : {}) });
  }

  /** Run a handler and answer: its reply, or the one error its failure means. */
  private execute(session: Session, id: number | undefined, audit: Audit | undefined, work: () => HandlerResult): Promise<void> | void {
    let answer: HandlerResult;
    try {
      answer = work();
    } catch (error) {
      return this.refuse(session, id, audit, error);
    }
    if (answer instanceof PendingAnswer) {
      const pending = answer;
      // Answered synchronously when it comes; the promise only holds the session's next message.
      return new Promise<void>((done, failed) =>
        pending.onSettled((settled) => {
          try {
            const after = settled.ok ? this.answer(session, id, audit, settled.answer) : this.refuse(session, id, audit, settled.error);
            if (after) after.then(done, failed);
            else done();
          } catch (error) {
            failed(error instanceof Error ? error : new Error(String(error)));
          }
        }),
      );
    }
    if (answer instanceof Promise) {
      return answer.then(
        (settled) => this.answer(session, id, audit, settled),
        (error: unknown) => this.refuse(session, id, audit, error),
      );
    }
    return this.answer(session, id, audit, answer);
  }

  private answer(session: Session, id: number | undefined, audit: Audit | undefined, answer: Answer | undefined): Promise<void> | void {
    if (answer === undefined) {
      if (id !== undefined) return this.refuse(session, id, audit, new Error(`the handler gave no answer to request ${id}`));
      audit?.('ok');
      return;
    }
    if (isReply(answer)) {
      audit?.('ok');
      return this.send(session, id, answer);
    }
    const { reply, detail, before, afterReply } = answer;
    if (!reply && id !== undefined) return this.refuse(session, id, audit, new Error(`the handler gave no reply to request ${id}`));
    if (before) {
      // History first, then the reply, then the live traffic held meanwhile.
      const delivery = this.deps.delivery;
      return delivery
        .withHold(session, async () => {
          await before();
          await delivery.drained(session);
          audit?.('ok', detail);
          if (reply) this.send(session, id, reply);
        })
        .then(afterReply, (error: unknown) => this.refuse(session, id, audit, error));
    }
    // The record exists before the root is told "done".
    audit?.('ok', detail);
    if (reply) this.send(session, id, reply);
    return afterReply?.();
  }

  private send(session: Session, id: number | undefined, reply: Reply): void {
    try {
      // A reply is a server message without its `ref`; the request's id completes it.
      session.sendFrame(encodeFrame(id === undefined ? reply : { ...reply, ref: id }));
    } catch (error) {
      if (!(error instanceof PartyPoolError && error.code === 'REPLY_TOO_LARGE')) throw error;
      this.deps.logger.warn('reply too large', { conn: session.id, type: reply.type });
      session.sendError('REPLY_TOO_LARGE', undefined, refOf(id));
    }
  }

  /** The one error answer for a failed request. */
  private refuse(session: Session, id: number | undefined, audit: Audit | undefined, error: unknown): void {
    if (error instanceof CommandError) {
      audit?.(error.code);
      return session.sendError(error.code, error.message || ErrorCodes[error.code].message, refOf(id));
    }
    // A failed write (full disk, database error) loses this request, not the session.
    if (isStorageError(error)) {
      audit?.('STORAGE_FAILED');
      this.deps.alarm.report('database', error);
      return session.sendError('STORAGE_FAILED', 'The server could not save that (a storage problem); try again later.', refOf(id));
    }
    // A bug: this session ends (with the request's id), the server goes on.
    audit?.('INTERNAL');
    this.deps.logger.error('session error', { conn: session.id, reason: error instanceof Error ? error.message : String(error) });
    session.fail('INTERNAL', undefined, id);
  }
}

function refOf(id: number | undefined): { ref?: number } {
  return id === undefined ? {} : { ref: id };
}

/** Parameters for a command's style; undefined when the words use shell operators. */
function parseParams(style: ParamStyle, args: string): string[] | undefined {
  const trimmed = args.trim();
  if (style !== 'words') return trimmed ? [trimmed] : [];
  return splitWords(trimmed);
}
