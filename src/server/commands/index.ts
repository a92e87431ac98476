// The command table and its dispatcher. One file per command; this file only registers them
// and enforces the table's policy before a handler runs.
import { ErrorCodes } from '../../common/errors.js';
import { splitWords } from '../../protocol/words.js';
import type { ServerContext } from '../context.js';
import type { Session } from '../session/session.js';
import { isStorageError } from '../../data-dir/storage-errors.js';
import { exitCommand } from './exit.js';
import { helpCommand } from './help.js';
import { ipCommand } from './ip.js';
import { onlineCommand } from './online.js';
import { requestCommand } from './request.js';
import { rootCommands } from './root/index.js';
import { CommandError, type CommandSpec } from './types.js';

export const userCommands: readonly CommandSpec[] = [helpCommand, onlineCommand, ipCommand, requestCommand, exitCommand];
export { rootCommands };

export { splitWords };

export class CommandTable {
  /** Per role, so a user's `help` and a root's `help` can be different commands. */
  private readonly byRole = new Map<Session['role'], Map<string, CommandSpec>>();

  /** Register every spec; two specs with one name for the same role is a programming error. */
  constructor(specs: readonly CommandSpec[]) {
    for (const spec of specs) {
      for (const role of spec.roles) {
        let table = this.byRole.get(role);
        if (!table) this.byRole.set(role, (table = new Map<string, CommandSpec>()));
        if (table.has(spec.name)) throw new Error(`two commands named "${spec.name}" for role ${role}`);
        table.set(spec.name, spec);
      }
    }
  }

  /** The commands `role` may use; with `protocol`, only those that protocol version can use. */
  list(role: Session['role'], protocol?: number): CommandSpec[] {
    return [...(this.byRole.get(role)?.values() ?? [])].filter((spec) => protocol === undefined || protocol >= (spec.minProtocol ?? 1));
  }

  /** Run one command request; every outcome sends exactly one reply carrying `id`. */
  dispatch(server: ServerContext, session: Session, id: number, name: string, args: string): Promise<void> | void {
    const spec = this.byRole.get(session.role)?.get(name.toLowerCase());
    if (!spec) {
      session.sendError('UNKNOWN_COMMAND', `Unknown command "${name.slice(0, 32)}". ${session.role === 'user' ? 'Type /help for the list.' : 'Type help for the list.'}`, { ref: id });
      return;
    }
    if (session.protocol < (spec.minProtocol ?? 1)) {
      session.sendError('CLIENT_TOO_OLD', undefined, { ref: id });
      return;
    }
    const trimmed = args.trim();
    let params: string[];
    if (spec.params === 'none') params = trimmed ? [trimmed] : [];
    else if (spec.params === 'text') params = trimmed ? [trimmed] : [];
    else {
      const words = splitWords(trimmed);
      if (!words) {
        session.sendError('BAD_MESSAGE', 'Operators like | ; & > are not allowed in commands.', { ref: id });
        return;
      }
      params = words;
    }
    if (spec.params === 'none' && params.length > 0) {
      session.sendError('TOO_MANY_ARGUMENTS', `${spec.usage} takes no arguments.`, { ref: id });
      return;
    }
    if (params.length < spec.minParams) {
      session.sendError('MISSING_ARGUMENT', `Usage: ${spec.usage}`, { ref: id });
      return;
    }
    // Every root action reaches audit.log: commands shared with users (rooms, accounts,
    // packages) are recorded here, with their parameters (none of them carries a message body).
    const audit = session.role === 'root' && !spec.audited ? (result: string): void => server.moderation.record({ who: session.name, from: session.address, action: spec.name, targets: params, result }) : undefined;
    const refuse = (error: unknown): void => {
      if (error instanceof CommandError) {
        audit?.(error.code);
        return session.sendError(error.code, error.message || ErrorCodes[error.code].message, { ref: id });
      }
      // A failed write (full disk, database error) loses this command, not the session.
      if (isStorageError(error)) {
        audit?.('STORAGE_FAILED');
        server.reportStorageFailure('database', error);
        return session.sendError('STORAGE_FAILED', 'The server could not save that (a storage problem); try again later.', { ref: id });
      }
      audit?.('INTERNAL');
      throw error;
    };
    try {
      const result = spec.run({ server, session, id, params });
      if (result) return result.then(() => audit?.('ok'), refuse);
      audit?.('ok');
    } catch (error) {
      refuse(error);
    }
  }
}
