// The shape of the command table: policy is data, checked by one dispatcher before any
// handler runs (arity, who may call it); handlers never re-check.
import type { ErrorCode } from '../../common/errors.js';
import type { Role, Session } from '../session/session.js';
import type { ServerContext } from '../context.js';

export type ParamStyle = 'none' | 'text' | 'words';

export interface CommandInvocation {
  server: ServerContext;
  session: Session;
  /** The request id the reply must carry as `ref`. */
  id: number;
  /** Parsed parameters: [] for 'none', [rest of line] for 'text', shell-like words for 'words'. */
  params: string[];
}

export interface CommandSpec {
  readonly name: string;
  readonly usage: string;
  readonly help: string;
  readonly params: ParamStyle;
  readonly minParams: number;
  readonly roles: readonly Role[];
  /** Set by root-command builders that write the audit trail themselves; the dispatcher audits every other root call. */
  readonly audited?: boolean;
  /** The lowest wire protocol version whose clients can use it (default 1). */
  readonly minProtocol?: number;
  readonly run: (call: CommandInvocation) => void | Promise<void>;
}

/** A handler's way to refuse: the dispatcher turns it into an error reply with the request id. */
export class CommandError extends Error {
  constructor(
    readonly code: ErrorCode,
    message?: string,
  ) {
    super(message);
  }
}
