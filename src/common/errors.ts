// One registry of error codes. The code is part of the wire contract and of the CLI's exit
// status; the message is for people and may change. Tests assert on codes, never text.
// Everything a program needs to know about a code lives here: whether the server closes the
// connection after it, the exit status, whether a client may reconnect on its own, and whether a
// person answers it with a password or another name. Nothing else keeps a table of codes.

/** Process exit statuses (the CLI contract in the README). */
export const ExitCode = {
  ok: 0,
  runtime: 1,
  usage: 2,
  authRefused: 3,
  cannotConnect: 4,
  cancelled: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** After a session ends with this code: may a reconnecting client try again by itself? */
export type ReconnectPolicy = 'retry' | 'final';

interface ErrorSpec {
  /** The sentence people read when the call site has nothing more specific. */
  readonly message: string;
  /** A sentence with {placeholders}, filled in by errorText() (call sites pass values, not sentences). */
  readonly template?: string;
  /** After this error the server closes the connection. */
  readonly fatal: boolean;
  readonly exit: ExitCodeValue;
  readonly reconnect: ReconnectPolicy;
  /** A login refusal a person answers with a password (not another name). */
  readonly answer?: 'password';
  /** The server is not there or busy right now: a client waiting for it may try its first connection again. */
  readonly unavailable?: true;
}

interface SpecExtras {
  exit?: ExitCodeValue;
  reconnect?: ReconnectPolicy;
  template?: string;
  answer?: 'password';
  unavailable?: true;
}

type TemplateField<X> = X extends { template: infer T extends string } ? { readonly template: T } : unknown;

function spec<const X extends SpecExtras = Record<never, never>>(message: string, fatal: boolean, extras?: X): ErrorSpec & TemplateField<X> {
  const given: SpecExtras = extras ?? {};
  const built: ErrorSpec = {
    message,
    fatal,
    exit: given.exit ?? ExitCode.runtime,
    reconnect: given.reconnect ?? 'retry',
    ...(given.template ? { template: given.template } : {}),
    ...(given.answer ? { answer: given.answer } : {}),
    ...(given.unavailable ? { unavailable: true as const } : {}),
  };
  return built as ErrorSpec & TemplateField<X>;
}

const refused = { exit: ExitCode.authRefused } as const;
const refusedFinal = { exit: ExitCode.authRefused, reconnect: 'final' } as const;
const lost = { exit: ExitCode.cannotConnect } as const;

export const ErrorCodes = {
  // How a session ended, in `bye` (wire): leaving, a lost connection, a server shutdown.
  LEFT: spec('Goodbye.', true, { exit: ExitCode.ok, reconnect: 'final' }),
  DISCONNECTED: spec('The connection was lost.', true, { ...lost, unavailable: true }),
  SHUTDOWN: spec('The server is shutting down.', true, { exit: ExitCode.ok, unavailable: true }),

  // Framing and parsing (wire).
  FRAME_TOO_LARGE: spec('The frame is larger than the server accepts.', true, lost),
  FRAME_EMPTY: spec('An empty frame is not allowed.', true, lost),
  FRAME_FRAGMENTED: spec('A frame arrived in too many pieces.', true, lost),
  BAD_ENCODING: spec('The frame is not valid UTF-8.', false),
  BAD_JSON: spec('The frame is not valid JSON.', false),
  BAD_MESSAGE: spec('The message does not match the protocol.', false),
  TOO_MANY_ERRORS: spec('Too many invalid messages; disconnecting.', true, lost),
  UNEXPECTED_MESSAGE: spec('That message is not allowed at this point.', false),
  PROTOCOL_VERSION: spec('The client and server share no protocol version.', true, { ...lost, reconnect: 'final' }),

  // Authentication and admission.
  AUTH_FAILED: spec('Wrong passkey.', true, refusedFinal),
  ROOT_AUTH_FAILED: spec('Wrong root password.', true, refusedFinal),
  AUTH_TIMEOUT: spec('Authentication took too long.', true, { ...refused, unavailable: true }),
  SERVER_FULL: spec('The server is full.', true, { ...refused, unavailable: true }),
  TOO_MANY_FROM_ADDRESS: spec('Too many sessions from your address.', true, { ...refused, unavailable: true }),
  NAME_INVALID: spec('Names are 1-24 characters: letters, digits, "_", "-" and ".".', false, refused),
  NAME_RESERVED: spec('That name is reserved.', false, refused),
  NAME_TAKEN: spec('That name is already in use.', false, refused),
  SERVER_SHUTTING_DOWN: spec('The server is shutting down.', true, { ...refused, unavailable: true }),

  // Chat and commands.
  UNKNOWN_COMMAND: spec('Unknown command. Type /help for the list.', false),
  MISSING_ARGUMENT: spec('That command needs an argument.', false),
  TOO_MANY_ARGUMENTS: spec('That command takes no arguments.', false),
  TEXT_EMPTY: spec('The text is empty.', false),
  TEXT_TOO_LONG: spec('The text is too long.', false, { template: 'A {what} is at most {max} characters.' }),
  TEXT_INVALID: spec('The text contains control characters.', false),
  NOT_PERMITTED: spec('You are not allowed to do that.', false),
  STORAGE_FAILED: spec('The server could not store that; nothing was saved.', false, { unavailable: true }),
  REPLY_TOO_LARGE: spec('The answer is too large to send in one frame; ask for less.', false),
  SLOW_READER: spec('You were disconnected because you stopped reading.', true, lost),
  HEARTBEAT_TIMEOUT: spec('The connection went silent.', true, { ...lost, unavailable: true }),
  INTERNAL: spec('The server hit an internal error.', true, { ...lost, unavailable: true }),

  // Client-side and CLI.
  USAGE: spec('Invalid command line.', false, { exit: ExitCode.usage }),
  CANCELLED: spec('Cancelled.', false, { exit: ExitCode.cancelled }),
  CONNECT_FAILED: spec('Cannot connect to the server.', false, { ...lost, unavailable: true }),
  IDENTITY_MISMATCH: spec('The server identity does not match the pinned fingerprint.', false, { ...lost, reconnect: 'final' }),
  NO_SERVER_INFO: spec('No local server found.', false, lost),
  SECRET_MISSING: spec('A required secret was not given.', false, { exit: ExitCode.usage }),
  SECRET_TOO_SHORT: spec('The secret is too short.', false, { exit: ExitCode.usage }),
  SECRET_MISMATCH: spec('The passkey does not match the one this server was set up with.', false, { exit: ExitCode.usage }),
  CONFIG_INVALID: spec('A setting is invalid.', false, { exit: ExitCode.usage }),
  LISTEN_FAILED: spec('The server cannot listen on that address and port.', false),
  DATA_DIR_UNUSABLE: spec('The data or log directory cannot be used.', false),
  CONNECTION_LOST: spec('The connection to the server was lost.', false, { ...lost, unavailable: true }),

  // Root administration (moderation, bans, timed shutdown).
  KICKED: spec('You were removed from the server by an administrator.', true, refusedFinal),
  BANNED: spec('You are banned from this server.', true, refusedFinal),
  NOT_CONNECTED: spec('Nobody with that name or address is connected.', false),
  INVALID_ADDRESS: spec('That is not a valid IP address or CIDR range.', false),
  INVALID_DURATION: spec('That is not a valid duration; use e.g. 10m, 2h, 7d, or leave it out for a permanent ban.', false),
  INVALID_ARGUMENT: spec('An argument is not valid for that command.', false),
  NOT_BANNED: spec('There is no ban on that name or address.', false),
  NO_SHUTDOWN_PENDING: spec('No shutdown is scheduled.', false),
  // Distribution packages (issued programs, their records, the server key).
  PACKAGE_REVOKED: spec('This package was revoked by the server admin; ask them for a new one.', true, refusedFinal),
  PACKAGE_NOT_FOUND: spec('No package has that id.', false),
  PACKAGE_DAMAGED: spec("This package's server file is damaged or was altered; ask the admin for a new package.", false, { ...lost, reconnect: 'final' }),
  ARTIFACT_EXISTS: spec('A package of this version already exists; use --force to replace it.', false),
  BUILD_FAILED: spec('Building the packages failed.', false),
  RUNTIME_MISMATCH: spec('A Node.js runtime does not match the hash pinned in the repository; it was not used.', false),
  SERVER_NOT_SET_UP: spec('This data directory has no server yet; start the server once first.', false),
  SERVER_RUNNING: spec('The server is running; stop it first.', false),
  // Accounts.
  PASSWORD_REQUIRED: spec('That name is registered: log in with its password.', false, { ...refusedFinal, answer: 'password' }),
  PASSWORD_WRONG: spec('Wrong password for that name.', true, refusedFinal),
  PASSWORD_INVALID: spec('Passwords are 8-256 characters without control characters.', false, { ...refused, answer: 'password' }),
  REGISTRATION_REQUIRED: spec('This server admits registered names only: register the name with a password.', false, { ...refusedFinal, answer: 'password' }),
  NAME_REGISTERED: spec('That name is registered to someone else.', false, refused),
  ALREADY_REGISTERED: spec('Your name is already registered.', false),
  NOT_REGISTERED: spec('Register your name first (/register).', false),
  OLD_PASSWORD_WRONG: spec('The current password is wrong.', false),
  NO_SUCH_USER: spec('No registered user has that name.', false),
  ACCOUNT_DELETED: spec('Your account was deleted by the admin.', true, refusedFinal),

  // Rooms and history.
  CLIENT_TOO_OLD: spec('Rooms, accounts and history need a newer client (protocol 2).', false, { template: 'That needs a newer client (protocol {version}); update Party Pool.' }),
  ROOM_NAME_INVALID: spec('Room names are "#" and 1-32 letters, digits, "-" or "_".', false),
  NO_SUCH_ROOM: spec('There is no such room.', false),
  ROOM_EXISTS: spec('A room with that name already exists.', false),
  ROOM_FIXED: spec('#lobby is everyone\'s room: it cannot be left, deleted or kicked from.', false),
  ROOM_PRIVATE: spec('That room is invite-only: join it with its invite code.', false),
  ROOM_FULL: spec('That room is full.', false),
  TOO_MANY_ROOMS: spec('You are in as many rooms as the server allows.', false),
  NOT_MEMBER: spec('Not a member of that room.', false),
  ALREADY_MEMBER: spec('Already a member of that room.', false),
  INVITE_INVALID: spec('That invite code is not valid.', false),
  HISTORY_OFF: spec('This server keeps no history.', false),

  // Abuse resistance.
  RATE_LIMITED: spec('You are sending too fast; slow down. That was not delivered.', false),
  FLOODING: spec('You were disconnected for sending too fast for too long.', true, { reconnect: 'final' }),
  LOCKDOWN: spec('The server is in lockdown: only registered users and issued packages may log in right now.', true, refusedFinal),
  // Logging in (issue 11): delays per target after failed logins, the bounded login work, and
  // the server-wide slow-down while many addresses guess at once. Both carry `retryAfterMs`.
  TRY_LATER: spec('Too many failed logins lately: try again later.', true, refused),
  BUSY: spec('The server is busy with other logins: try again in a moment.', true, { ...lost, unavailable: true }),

  // Abuse resistance, issue 11 (sec-limits): message shapes, storage quotas and the low-disk
  // reserve, room and account squatting, banned names.
  MESSAGE_TOO_COMPLEX: spec('The message nests too deeply or holds too many items.', false),
  QUOTA_EXCEEDED: spec('You have used up a storage allowance for today; try again tomorrow.', false),
  DISK_LOW: spec("The server's disk is nearly full: nothing new is stored until the admin frees space.", false),
  REGISTRATION_LIMITED: spec('Too many names were registered from your address today; try again tomorrow.', false, refusedFinal),
  NAME_BANNED: spec('That name (or one that looks like it) is banned on this server.', false, refused),
  TOO_MANY_SESSIONS: spec('This program (issued package) is already logged in as many times as the server allows.', true, refused),
  // Operations (issue 16 item 10): backup, restore, export, offline admin.
  BACKUP_INVALID: spec('That file is not a Party Pool backup, or it is damaged.', false),
  TARGET_NOT_EMPTY: spec('The directory to restore into is not empty.', false),
  FILE_EXISTS: spec('That file already exists; choose another name or move it away.', false),

  // Direct messages, client side (issue 13): the per-user profile and end-to-end sealing.
  PROFILE_UNUSABLE: spec('The profile directory cannot be used.', false),
  PROFILE_DAMAGED: spec('A file in the profile directory is damaged.', false),
  DECRYPT_FAILED: spec('A sealed message did not open: it was altered, or it was not sealed for this device.', false),
  DEVICE_KEY_INVALID: spec('A device key from the server is not valid.', false),
  VERIFY_REQUIRED: spec("This contact's keys changed since you verified them: compare the safety number again (/verify) before sending.", false),
  PROFILE_IN_USE: spec('Another Party Pool program is using this profile for this name; direct messages are off in this one.', false),

  // Direct messages, on the wire (issue 13): devices, delivery, blocks.
  RECIPIENT_OFFLINE: spec('That person is not online, and only registered names receive direct messages while away.', false),
  RECIPIENT_NO_KEYS: spec('That person has no device that can receive direct messages yet (they use an older client).', false),
  DEVICES_CHANGED: spec('The devices of you or your contact changed while sending; fetch them again and re-seal.', false),
  DEVICE_REQUIRED: spec('This session has no usable device key, so it cannot send direct messages.', false),
  DEVICE_LIMIT: spec('Your account has as many devices as the server allows; remove one with /devices remove <id>.', false),
  DEVICE_KEY_TAKEN: spec('That device key belongs to another account.', false),
  DEVICE_IN_USE: spec('That device is already logged in on another connection.', false),
  NO_SUCH_DEVICE: spec('Your account has no device with that id.', false),
  DEVICE_REMOVED: spec('This device was removed from your account; move its profile folder away to use direct messages here again.', true, refusedFinal),
  MAILBOX_FULL: spec('The recipient has too many undelivered messages; try again when they have been online.', false, {
    template: '{name} has too many undelivered direct messages; try again when they have been online.',
  }),
  CLOCK_SKEW: spec("Your computer's clock is too far from the server's; set it right and try again.", false),
  NOT_BLOCKED: spec('You have not blocked that name.', false),

  // File sharing (issue 14). On the wire: refusals of an offer or a download, and why a transfer stopped.
  FILES_OFF: spec('This server does not take files.', false),
  FILE_TOO_LARGE: spec('That file is larger than this server accepts.', false, { template: 'Files on this server are at most {max}; that one is {size}.' }),
  FILE_QUOTA_EXCEEDED: spec('That would take your files on this server over your allowance; /unshare some first.', false, { template: 'Your files would take {used} of your {quota} allowance with this one ({size}); /unshare some first.' }),
  FILE_STORAGE_FULL: spec('The server has no room for that file right now; ask the admin.', false),
  FILE_DISK_FULL: spec("The server's disk filled up during the upload; the partial file was removed. Try again later.", false),
  TOO_MANY_TRANSFERS: spec('You already have as many file transfers running as the server allows; wait for one to finish.', false),
  NO_SUCH_FILE: spec('There is no file with that id that you can see.', false),
  FILE_HASH_MISMATCH: spec('The file did not match its SHA-256, so it was thrown away.', false),
  FILE_OFFSET_MISMATCH: spec('A file chunk arrived out of order; the transfer stopped (send or get the file again to resume).', false),
  // File sharing, command line (never on the wire).
  FILE_UNREADABLE: spec('That file cannot be read.', false),
  FILE_CHANGED: spec('The file changed while it was being sent; send it again.', false),
  SAVE_FAILED: spec('The download could not be written to disk.', false),
  DIRECT_FILES_UNAVAILABLE: spec('Sending a file to one person needs direct messages (they carry its key), which are off in this session.', false),
  FILE_KEY_UNKNOWN: spec('No direct message gave this device the key to that file.', false),
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ErrorCodes;

export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(ErrorCodes, value);
}

type Specs = typeof ErrorCodes;
/** Codes whose sentence takes values. */
export type TemplatedCode = { [C in ErrorCode]: Specs[C] extends { template: string } ? C : never }[ErrorCode];
type Placeholders<S extends string> = S extends `${string}{${infer Key}}${infer Rest}` ? Key | Placeholders<Rest> : never;
type TemplateOf<C extends TemplatedCode> = Specs[C] extends { template: infer T extends string } ? T : never;

/** The code's sentence with its values filled in: errorText('TEXT_TOO_LONG', { what: 'message', max: 2000 }). */
export function errorText<C extends TemplatedCode>(code: C, values: Record<Placeholders<TemplateOf<C>>, string | number>): string {
  const registered: ErrorSpec = ErrorCodes[code];
  const template = registered.template ?? registered.message;
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => (Object.hasOwn(values, key) ? String(Reflect.get(values, key)) : whole));
}

/** The registered code for a code string from the wire, if it is one. */
function known(code: string): ErrorCode | undefined {
  return isErrorCode(code) ? code : undefined;
}

/** The exit status after a session ended with `code` (an unknown code is a lost connection). */
export function exitCodeForClose(code: string): ExitCodeValue {
  const registered = known(code);
  return registered ? ErrorCodes[registered].exit : ExitCode.cannotConnect;
}

/** Whether `code` says the server is not there or busy right now (a first connection may be tried again). */
export function isServerUnavailable(code: string): boolean {
  const registered = known(code);
  return registered !== undefined && ErrorCodes[registered].unavailable === true;
}

/** Whether a client may reconnect by itself after the server ended a session or refused a login with `code`. */
export function mayReconnectAfter(code: string): boolean {
  const registered = known(code);
  return registered === undefined || ErrorCodes[registered].reconnect === 'retry';
}

/** A login refusal a person answers with the name's password (not another name). */
export function isPasswordRefusal(code: string): boolean {
  const registered = known(code);
  if (registered === undefined) return false;
  const entry: ErrorSpec = ErrorCodes[registered];
  return entry.answer === 'password';
}

/** An error with a stable code; `message` is a complete sentence fit for a person. */
export class PartyPoolError extends Error {
  override readonly name = 'PartyPoolError';
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown }) {
    super(message ?? ErrorCodes[code].message, options);
    this.code = code;
  }

  get exitCode(): ExitCodeValue {
    return ErrorCodes[this.code].exit;
  }

  get fatal(): boolean {
    return ErrorCodes[this.code].fatal;
  }
}
