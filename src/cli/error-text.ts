// Errors in words people use: a system error (a missing file, a refused connection) becomes one
// plain sentence, so nobody reads "ENOENT: no such file or directory, open …" or
// "ECONNREFUSED". The code stays in the sentence only where it helps a search.

interface SystemError {
  code: string;
  path?: string;
  syscall?: string;
  address?: string;
  port?: number;
}

function asSystemError(error: unknown): SystemError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code: unknown = Reflect.get(error, 'code');
  if (typeof code !== 'string' || !/^E[A-Z0-9_]+$/.test(code)) return undefined;
  const path: unknown = Reflect.get(error, 'path');
  const syscall: unknown = Reflect.get(error, 'syscall');
  const address: unknown = Reflect.get(error, 'address');
  const port: unknown = Reflect.get(error, 'port');
  return {
    code,
    ...(typeof path === 'string' ? { path } : {}),
    ...(typeof syscall === 'string' ? { syscall } : {}),
    ...(typeof address === 'string' ? { address } : {}),
    ...(typeof port === 'number' ? { port } : {}),
  };
}

/**
 * A file-system error about `file` as a sentence: "There is no file /x." `what` names the file's
 * role ("the passkey file") when the path alone would puzzle. Unknown codes are named, never a stack.
 */
export function fileErrorText(error: unknown, file?: string, what?: string): string {
  const system = asSystemError(error);
  const target = file ?? system?.path;
  const role = what ?? 'the file';
  // "The passkey file /x", "The file /x", or just "The passkey file" when the path is unknown.
  const subject = capitalise(target === undefined ? role : `${role} ${target}`);
  switch (system?.code) {
    case 'ENOENT':
      return target === undefined ? `There is no such file (${role}).` : `There is no file ${target}${what ? ` (${what})` : ''}.`;
    case 'EACCES':
    case 'EPERM':
      return `${subject} cannot be ${system.syscall === 'open' || system.syscall === 'read' ? 'read' : 'used'}: permission denied.`;
    case 'EISDIR':
      return `${subject} is a folder, not a file.`;
    case 'ENOTDIR':
      return `${subject} cannot be reached: part of its path is a file, not a folder.`;
    case 'ENOSPC':
    case 'EDQUOT':
      return `${subject} cannot be written: the disk is full.`;
    case 'EROFS':
      return `${subject} cannot be written: the disk is read-only.`;
    case 'EMFILE':
    case 'ENFILE':
      return `${subject} cannot be opened: too many files are open.`;
    case 'EIO':
      return `${subject} cannot be read: the disk reported an input/output error.`;
    case undefined:
      return `${subject} cannot be used: ${error instanceof Error ? error.message : String(error)}.`;
    default:
      return `${subject} cannot be used (${system?.code ?? 'error'}).`;
  }
}

/** "host:port", with brackets for IPv6. */
function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Why a connection to the server at host:port failed, as a sentence a non-technical friend can
 * act on. `timeoutMs` is set when our own timer gave up.
 */
export function connectErrorText(host: string, port: number, code: string | undefined, timeoutMs?: number): string {
  const at = `The server at ${hostPort(host, port)}`;
  switch (code) {
    case 'ECONNREFUSED':
      return `${at} is not answering. Is it running?`;
    case 'ETIMEDOUT':
    case 'TIMEOUT':
      return `${at} did not answer${timeoutMs ? ` within ${Math.round(timeoutMs / 1000)} s` : ''}. Is the address right, and is the port open in its firewall?`;
    case 'ENOTFOUND':
      return `There is no computer called "${host}" (the name does not resolve). Check the spelling, or the internet connection.`;
    case 'EAI_AGAIN':
      return `The name "${host}" could not be looked up right now. Is this computer connected to the internet?`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
      return `${hostPort(host, port)} cannot be reached from this network. Is this computer connected, and is the address right?`;
    case 'ECONNRESET':
    case 'EPIPE':
      return `${at} closed the connection before it was set up (too many connections from your address? Wait a minute).`;
    case 'EADDRNOTAVAIL':
      return `${hostPort(host, port)} is not an address this computer can connect to.`;
    default:
      return `Cannot connect to the server at ${hostPort(host, port)}${code ? ` (${code})` : ''}.`;
  }
}

/**
 * Any error that reached the top of a run, as one sentence: our own errors keep their message;
 * a raw system error (a bug let it through) is put into words instead of Node's.
 */
export function plainErrorText(error: unknown): string {
  const system = asSystemError(error);
  if (system && error instanceof Error && error.name !== 'PartyPoolError') {
    if (system.address !== undefined && system.port !== undefined) return connectErrorText(system.address, system.port, system.code);
    if (system.path !== undefined || ['ENOENT', 'EACCES', 'EPERM', 'EISDIR', 'ENOSPC', 'EROFS'].includes(system.code)) return fileErrorText(error);
  }
  return error instanceof Error ? error.message : String(error);
}

/** "0.5 s", "5 s": how long until the next try. */
export function secondsText(ms: number): string {
  return ms < 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

/** "The server at … is not answering. Is it running? Retrying in 5 s — Ctrl-C to stop." */
export function retryingText(reason: string, retryInMs: number): string {
  return `${reason} Retrying in ${secondsText(retryInMs)} — Ctrl-C to stop.`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
