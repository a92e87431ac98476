// One registry of error codes. The code is part of the wire contract and of the CLI's exit
// status; the message is for people and may change. Tests assert on codes, never text.

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

interface ErrorSpec {
  readonly message: string;
  /** After this error the server closes the connection. */
  readonly fatal: boolean;
  readonly exit: ExitCodeValue;
}

function spec(message: string, fatal: boolean, exit: ExitCodeValue = ExitCode.runtime): ErrorSpec {
  return { message, fatal, exit };
}

export const ErrorCodes = {
  // Framing and parsing (wire).
  FRAME_TOO_LARGE: spec('The frame is larger than the server accepts.', true),
  FRAME_EMPTY: spec('An empty frame is not allowed.', true),
  BAD_ENCODING: spec('The frame is not valid UTF-8.', false),
  BAD_JSON: spec('The frame is not valid JSON.', false),
  BAD_MESSAGE: spec('The message does not match the protocol.', false),
  TOO_MANY_ERRORS: spec('Too many invalid messages; disconnecting.', true),
  UNEXPECTED_MESSAGE: spec('That message is not allowed at this point.', false),
  PROTOCOL_VERSION: spec('The client and server share no protocol version.', true, ExitCode.cannotConnect),

  // Authentication and admission.
  AUTH_FAILED: spec('Wrong passkey.', true, ExitCode.authRefused),
  ROOT_AUTH_FAILED: spec('Wrong root password.', true, ExitCode.authRefused),
  AUTH_TIMEOUT: spec('Authentication took too long.', true, ExitCode.authRefused),
  SERVER_FULL: spec('The server is full.', true, ExitCode.authRefused),
  TOO_MANY_FROM_ADDRESS: spec('Too many sessions from your address.', true, ExitCode.authRefused),
  NAME_INVALID: spec('Names are 1-24 characters: letters, digits, "_", "-" and ".".', false, ExitCode.authRefused),
  NAME_RESERVED: spec('That name is reserved.', false, ExitCode.authRefused),
  NAME_TAKEN: spec('That name is already in use.', false, ExitCode.authRefused),
  SERVER_SHUTTING_DOWN: spec('The server is shutting down.', true, ExitCode.authRefused),

  // Chat and commands.
  UNKNOWN_COMMAND: spec('Unknown command. Type /help for the list.', false),
  MISSING_ARGUMENT: spec('That command needs an argument.', false),
  TOO_MANY_ARGUMENTS: spec('That command takes no arguments.', false),
  TEXT_EMPTY: spec('The text is empty.', false),
  TEXT_TOO_LONG: spec('The text is too long.', false),
  TEXT_INVALID: spec('The text contains control characters.', false),
  NOT_PERMITTED: spec('You are not allowed to do that.', false),
  STORAGE_FAILED: spec('The server could not store that; nothing was saved.', false),
  SLOW_READER: spec('You were disconnected because you stopped reading.', true),
  HEARTBEAT_TIMEOUT: spec('The connection went silent.', true),
  INTERNAL: spec('The server hit an internal error.', true),

  // Client-side and CLI.
  USAGE: spec('Invalid command line.', false, ExitCode.usage),
  CANCELLED: spec('Cancelled.', false, ExitCode.cancelled),
  CONNECT_FAILED: spec('Cannot connect to the server.', false, ExitCode.cannotConnect),
  IDENTITY_MISMATCH: spec('The server identity does not match the pinned fingerprint.', false, ExitCode.cannotConnect),
  NO_SERVER_INFO: spec('No local server found.', false, ExitCode.cannotConnect),
  SECRET_MISSING: spec('A required secret was not given.', false, ExitCode.usage),
  SECRET_TOO_SHORT: spec('The secret is too short.', false, ExitCode.usage),
  SECRET_MISMATCH: spec('The passkey does not match the one this server was set up with.', false, ExitCode.usage),
  CONFIG_INVALID: spec('A setting is invalid.', false, ExitCode.usage),
  LISTEN_FAILED: spec('The server cannot listen on that address and port.', false),
  DATA_DIR_UNUSABLE: spec('The data or log directory cannot be used.', false),
  CONNECTION_LOST: spec('The connection to the server was lost.', false, ExitCode.cannotConnect),

  // Root administration (moderation, bans, timed shutdown).
  KICKED: spec('You were removed from the server by an administrator.', true, ExitCode.authRefused),
  BANNED: spec('You are banned from this server.', true, ExitCode.authRefused),
  NOT_CONNECTED: spec('Nobody with that name or address is connected.', false),
  INVALID_ADDRESS: spec('That is not a valid IP address or CIDR range.', false),
  INVALID_DURATION: spec('That is not a valid duration; use e.g. 10m, 2h, 7d, or leave it out for a permanent ban.', false),
  INVALID_ARGUMENT: spec('An argument is not valid for that command.', false),
  NOT_BANNED: spec('There is no ban on that name or address.', false),
  NO_SHUTDOWN_PENDING: spec('No shutdown is scheduled.', false),
  // Distribution packages (issued programs, their records, the server key).
  PACKAGE_REVOKED: spec('This package was revoked by the server admin; ask them for a new one.', true, ExitCode.authRefused),
  PACKAGE_NOT_FOUND: spec('No package has that id.', false),
  PACKAGE_DAMAGED: spec("This package's server file is damaged or was altered; ask the admin for a new package.", false, ExitCode.cannotConnect),
  ARTIFACT_EXISTS: spec('A package of this version already exists; use --force to replace it.', false),
  BUILD_FAILED: spec('Building the packages failed.', false),
  SERVER_NOT_SET_UP: spec('This data directory has no server yet; start the server once first.', false),
  SERVER_RUNNING: spec('The server is running; stop it first.', false),
  // Accounts (issue 5).
  PASSWORD_REQUIRED: spec('That name is registered: log in with its password.', false, ExitCode.authRefused),
  PASSWORD_WRONG: spec('Wrong password for that name.', true, ExitCode.authRefused),
  PASSWORD_INVALID: spec('Passwords are 8-256 characters without control characters.', false, ExitCode.authRefused),
  REGISTRATION_REQUIRED: spec('This server admits registered names only: register the name with a password.', false, ExitCode.authRefused),
  NAME_REGISTERED: spec('That name is registered to someone else.', false, ExitCode.authRefused),
  ALREADY_REGISTERED: spec('Your name is already registered.', false),
  NOT_REGISTERED: spec('Register your name first (/register).', false),
  OLD_PASSWORD_WRONG: spec('The current password is wrong.', false),
  NO_SUCH_USER: spec('No registered user has that name.', false),
  ACCOUNT_DELETED: spec('Your account was deleted by the admin.', true, ExitCode.authRefused),

  // Rooms and history (issue 5).
  CLIENT_TOO_OLD: spec('Rooms, accounts and history need a newer client (protocol 2).', false),
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

  // Abuse resistance (issue 6).
  RATE_LIMITED: spec('You are sending too fast; slow down. That was not delivered.', false),
  FLOODING: spec('You were disconnected for sending too fast for too long.', true),
  LOCKDOWN: spec('The server is in lockdown: only registered users and issued packages may log in right now.', true, ExitCode.authRefused),
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ErrorCodes;

export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(ErrorCodes, value);
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
