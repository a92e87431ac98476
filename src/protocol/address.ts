// The one `host:port` grammar: what `--server`, `--address` and a sealed package's addresses
// are written in. "host", "host:port", "[v6]", "[v6]:port" and a bare IPv6 address (which takes
// the default port) are read; IPv6 is always written in brackets.
import net from 'node:net';

export interface HostPort {
  host: string;
  port: number;
}

const BRACKETED = /^\[([^\]]+)\](?::(\d{1,5}))?$/;
const PLAIN = /^([^:[\]\s]+)(?::(\d{1,5}))?$/;

/** Read an address; undefined when it is not one (the caller says why, in its own words). */
export function parseHostPort(text: string, defaultPort: number): HostPort | undefined {
  const trimmed = text.trim();
  let host: string | undefined;
  let portText: string | undefined;
  const bracketed = BRACKETED.exec(trimmed);
  const plain = PLAIN.exec(trimmed);
  if (bracketed) {
    if (!net.isIPv6(bracketed[1] ?? '')) return undefined;
    [host, portText] = [bracketed[1], bracketed[2]];
  } else if (plain) {
    [host, portText] = [plain[1], plain[2]];
  } else if (net.isIPv6(trimmed)) {
    host = trimmed;
  }
  const port = portText === undefined ? defaultPort : Number(portText);
  if (host === undefined || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { host, port };
}

/** Write an address: "host:port", or "[v6]:port" for an IPv6 address. */
export function formatHostPort(address: HostPort): string {
  return net.isIPv6(address.host) ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
