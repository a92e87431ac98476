// The command table and its dispatcher. One file per command; this file only registers them
// and enforces the table's policy before a handler runs.
import { ErrorCodes } from '../../common/errors.js';
import { splitWords } from '../../protocol/words.js';
import type { ServerContext } from '../context.js';
import type { Session } from '../session.js';
import { exitCommand } from './exit.js';
import { helpCommand } from './help.js';
import { ipCommand } from './ip.js';
import { onlineCommand } from './online.js';
import { requestCommand } from './request.js';
import { CommandError, type CommandSpec } from './types.js';

export const userCommands: readonly CommandSpec[] = [helpCommand, onlineCommand, ipCommand, requestCommand, exitCommand];

export { splitWords };

export class CommandTable {
  private readonly byName = new Map<string, CommandSpec>();

  constructor(specs: readonly CommandSpec[]) {
    for (const spec of specs) this.byName.set(spec.name, spec);
  }

  /** The commands `role` may use; with `protocol`, only those that protocol version can use. */
  list(role: Session['role'], protocol?: number): CommandSpec[] {
    return [...this.byName.values()].filter((spec) => spec.roles.includes(role) && (protocol === undefined || protocol >= (spec.minProtocol ?? 1)));
  }

  /** Run one command request; every outcome sends exactly one reply carrying `id`. */
  async dispatch(server: ServerContext, session: Session, id: number, name: string, args: string): Promise<void> {
    const spec = this.byName.get(name.toLowerCase());
    if (!spec || !spec.roles.includes(session.role)) {
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
    try {
      await spec.run({ server, session, id, params });
    } catch (error) {
      if (error instanceof CommandError) {
        session.sendError(error.code, error.message || ErrorCodes[error.code].message, { ref: id });
        return;
      }
      throw error;
    }
  }
}
