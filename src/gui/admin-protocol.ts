// The page <-> bridge protocol of the admin pages: the server's dashboard (`party-pool server
// --dashboard`) and the root console in the browser (`party-pool root --gui`, root packages).
// Same transport and rules as the chat app's (protocol.ts): JSON text frames over the local
// WebSocket, everything from the page parsed with zod `strictObject`s before the bridge acts.
import { z } from 'zod';
import type { DashboardHost, DashboardLogLine, DashboardSnapshot } from '../protocol/dashboard.js';

/** Bumped when a message changes incompatibly; the page checks it in `hello`. */
export const ADMIN_PROTOCOL_VERSION = 1;

const secret = z.string().min(1).max(1024);
/** A user name as typed (the server checks it again). */
const name = z.string().min(1).max(64);
/** A duration the root console understands (10m, 2h, 7d) or "permanent". */
const duration = z.string().regex(/^(\d{1,6}[smhdw]|permanent)$/);
const actionId = z.int().min(1).max(2 ** 31);

/** What the buttons do: each becomes one root command (root-bridge.ts), confirmed on the page first. */
const actionSchema = z.discriminatedUnion('action', [
  /** `remove -u <name>`. */
  z.strictObject({ type: z.literal('action'), id: actionId, action: z.literal('kick'), name }),
  /** `ban -u <name> [duration]` or `ban -ip <address or range> [duration]`. */
  z.strictObject({ type: z.literal('action'), id: actionId, action: z.literal('ban'), kind: z.enum(['name', 'address']), target: z.string().min(1).max(64), duration: duration.optional() }),
  /** `unban <target>`. */
  z.strictObject({ type: z.literal('action'), id: actionId, action: z.literal('unban'), target: z.string().min(1).max(64) }),
  /** `send -all "<text>"`. */
  z.strictObject({ type: z.literal('action'), id: actionId, action: z.literal('notice'), text: z.string().min(1).max(4000) }),
  /** `close-server -t <seconds> [-m "<message>"]`. */
  z.strictObject({ type: z.literal('action'), id: actionId, action: z.literal('shutdown'), seconds: z.int().min(0).max(86_400), message: z.string().min(1).max(4000).optional() }),
  /** `cancel-shutdown`. */
  z.strictObject({ type: z.literal('action'), id: actionId, action: z.literal('cancel-shutdown') }),
  /** `lockdown on|off`. */
  z.strictObject({ type: z.literal('action'), id: actionId, action: z.literal('lockdown'), on: z.boolean() }),
  /** `revoke <package-id>`. */
  z.strictObject({ type: z.literal('action'), id: actionId, action: z.literal('revoke'), packageId: z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/) }),
]);
export type AdminAction = z.infer<typeof actionSchema>;

const adminMessageSchema = z.union([
  /** The root console's login (a dashboard is logged in by its server). Absent fields: the program has them. */
  z.strictObject({ type: z.literal('login'), passkey: secret.optional(), rootPassword: secret.optional() }),
  /** A line typed in the console, as at the `root>` prompt. */
  z.strictObject({ type: z.literal('command'), line: z.string().min(1).max(4000) }),
  actionSchema,
  /** After the session ended: the login form again (root console). */
  z.strictObject({ type: z.literal('restart') }),
  /** Leave: log out and end the program (root console; the dashboard ends with its server). */
  z.strictObject({ type: z.literal('leave') }),
]);
export type AdminMessage = z.infer<typeof adminMessageSchema>;

/** Validate one text frame from an admin page (the page's build reads this file too: no Node imports here). */
export function parseAdminMessage(text: string): { ok: true; message: AdminMessage } | { ok: false; detail: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, detail: 'not JSON' };
  }
  const result = adminMessageSchema.safeParse(value);
  if (result.success) return { ok: true, message: result.data };
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at "${issue.path.join('.')}"` : '';
  return { ok: false, detail: `${issue?.message ?? 'invalid message'}${where}` };
}

// Bridge -> page.

export type AdminMode = 'dashboard' | 'console';
export type AdminPhase = 'login' | 'connecting' | 'ready' | 'ended';
export type ConsoleTone = 'plain' | 'good' | 'warn' | 'bad' | 'root' | 'server';

/** One entry of the console log: what was typed, an answer (a titled table), or a plain line. */
export type ConsoleEntry =
  | { kind: 'command'; key: string; text: string; time: string }
  | { kind: 'result'; key: string; title: string; lines: string[]; columns?: string[]; rows?: string[][]; time: string }
  | { kind: 'info'; key: string; text: string; tone: ConsoleTone; time: string };

export interface AdminLoginView {
  askPasskey: boolean;
  askRootPassword: boolean;
  error?: { code: string; message: string; field: 'passkey' | 'rootPassword' | 'form' };
}

export interface AdminConnection {
  up: boolean;
  /** Why it is down (and that it is retrying), or why actions are unavailable. */
  message?: string;
}

export interface AdminView {
  mode: AdminMode;
  phase: AdminPhase;
  login: AdminLoginView;
  /** The root session's name once logged in (root#3, dashboard#7). */
  me: string | null;
  connection: AdminConnection;
  ended: { code: string; message: string } | null;
  /** Dashboard only: the server's facts, its live state and its log. */
  host: DashboardHost | null;
  snapshot: DashboardSnapshot | null;
  log: DashboardLogLine[];
  console: ConsoleEntry[];
}

export type AdminEvent =
  /** First frame on every page connection: everything needed to draw the page. */
  | ({ type: 'hello'; version: number } & AdminView)
  | { type: 'phase'; phase: AdminPhase; login: AdminLoginView; me: string | null; ended: { code: string; message: string } | null }
  | { type: 'connection'; connection: AdminConnection }
  | { type: 'snapshot'; snapshot: DashboardSnapshot }
  | { type: 'log'; lines: DashboardLogLine[] }
  | { type: 'console'; entries: ConsoleEntry[] }
  /** The answer to an action the page sent (`id`): done or refused, in the server's words. */
  | { type: 'outcome'; id: number; ok: boolean; title: string; lines: string[] }
  | { type: 'problem'; code: string; message: string }
  | { type: 'goodbye'; message: string };
