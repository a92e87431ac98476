// The admin page's state: what the program sent (AdminView), kept up to date by its events.
// Pure: (state, event) -> state.
import type { AdminEvent, AdminView } from '../../admin-protocol.js';

/** Log lines the page keeps. */
const MAX_LOG = 500;
/** Console entries the page keeps (the program keeps the same number). */
const MAX_CONSOLE = 500;

export interface Outcome {
  id: number;
  ok: boolean;
  title: string;
  lines: string[];
}

export interface AdminState extends AdminView {
  /** The first frame arrived. */
  ready: boolean;
  /** The socket to the program is up. */
  linked: boolean;
  goodbye: string | null;
  /** The answer to the last action this page took. */
  outcome: Outcome | null;
  /** A refused request (malformed, not now). */
  problem: string | null;
}

export const initialState: AdminState = {
  ready: false,
  linked: false,
  goodbye: null,
  outcome: null,
  problem: null,
  mode: 'console',
  phase: 'login',
  login: { askPasskey: true, askRootPassword: true },
  me: null,
  connection: { up: false },
  ended: null,
  host: null,
  snapshot: null,
  log: [],
  console: [],
};

export function reduce(state: AdminState, event: AdminEvent): AdminState {
  switch (event.type) {
    case 'hello':
      return {
        ...state,
        mode: event.mode,
        phase: event.phase,
        login: event.login,
        me: event.me,
        connection: event.connection,
        ended: event.ended,
        host: event.host,
        snapshot: event.snapshot,
        log: event.log,
        console: event.console,
        ready: true,
        linked: true,
        problem: null,
      };
    case 'phase':
      return { ...state, phase: event.phase, login: event.login, me: event.me, ended: event.ended };
    case 'connection':
      return { ...state, connection: event.connection };
    case 'snapshot':
      return { ...state, snapshot: event.snapshot };
    case 'log':
      return { ...state, log: [...state.log, ...event.lines].slice(-MAX_LOG) };
    case 'console':
      return { ...state, console: [...state.console, ...event.entries].slice(-MAX_CONSOLE) };
    case 'outcome':
      return { ...state, outcome: { id: event.id, ok: event.ok, title: event.title, lines: event.lines } };
    case 'problem':
      return { ...state, problem: event.message };
    case 'goodbye':
      return { ...state, goodbye: event.message };
  }
}

/** The socket to the program dropped (it reconnects by itself). */
export function unlinked(state: AdminState): AdminState {
  return { ...state, linked: false };
}
