// How a root command is declared. Every root command is audited the same way: the wrapper
// records who, from where, what and the result in audit.log BEFORE the reply goes out, so a
// root is never told "done" about something the trail does not hold.
import type { ResultMessage, ServerMessage } from '../../../protocol/messages.js';
import { isStorageError } from '../../../data-dir/storage-errors.js';
import { CommandError, type CommandInvocation, type CommandSpec } from '../types.js';

/** A root command's answer, without the `ref` (the wrapper adds it). */
export type RootReply = Omit<ResultMessage, 'ref'> | { type: 'ack' } | Omit<Extract<ServerMessage, { type: 'help' }>, 'ref'>;

export interface RootOutcome {
  reply: RootReply;
  /** A short, secret-free note for the audit trail ("kicked 2 sessions"). */
  detail?: string;
  /** Runs once the reply is on its way (closing this session, shutting down). */
  afterReply?: () => void;
}

export interface RootCommandDefinition {
  readonly name: string;
  readonly usage: string;
  readonly help: string;
  readonly minParams: number;
  /** What the audit trail records of the parameters; never a message body or a secret. Default: the parameters. */
  readonly auditTargets?: (params: readonly string[]) => string[];
  readonly run: (call: CommandInvocation) => RootOutcome | Promise<RootOutcome>;
}

/** Build a CommandSpec for the root table (roles ['root'], shell-like words) with auditing built in. */
export function rootCommand(definition: RootCommandDefinition): CommandSpec {
  return {
    name: definition.name,
    usage: definition.usage,
    help: definition.help,
    params: 'words',
    minParams: definition.minParams,
    roles: ['root'],
    audited: true,
    async run(call) {
      const { server, session, id, params } = call;
      const targets = definition.auditTargets ? definition.auditTargets(params) : [...params];
      const base = { who: session.name, from: session.address, action: definition.name, targets };
      let outcome: RootOutcome;
      try {
        outcome = await definition.run(call);
      } catch (error) {
        server.moderation.record({ ...base, result: error instanceof CommandError ? error.code : isStorageError(error) ? 'STORAGE_FAILED' : 'INTERNAL' });
        throw error;
      }
      server.moderation.record({ ...base, result: 'ok', ...(outcome.detail ? { detail: outcome.detail } : {}) });
      session.send({ ...outcome.reply, ref: id });
      outcome.afterReply?.();
    },
  };
}

/** A titled answer with free lines and/or a table. */
export function result(title: string, body: { lines?: string[]; columns?: string[]; rows?: string[][] }): Omit<ResultMessage, 'ref'> {
  return { type: 'result', title, ...body };
}

/** What the audit trail records instead of a message someone will read. */
export function messageLength(text: string): string {
  const length = [...text].length;
  return `(message: ${length} ${length === 1 ? 'character' : 'characters'})`;
}

/** Refuse with INVALID_ARGUMENT and the usage line. */
export function usageError(usage: string, why?: string): CommandError {
  return new CommandError('INVALID_ARGUMENT', `${why ? why + ' ' : ''}Usage: ${usage}`);
}

/** "2026-11-21 09:45:58 UTC": unambiguous whatever time zone the console is in. */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
}

/** Refuse more parameters than a command takes. */
export function noMoreThan(params: readonly string[], count: number, usage: string): void {
  if (params.length > count) throw new CommandError('TOO_MANY_ARGUMENTS', `Too many arguments. Usage: ${usage}`);
}
