// IP addresses and CIDR ranges as root commands type them: validated with node:net, written
// back in one canonical form (so `unban` finds what `ban` stored), and matched by comparing
// prefix bits (node's BlockList costs microseconds per check; this costs nanoseconds). Many
// ranges at once are matched through a prefix trie (prefix-trie.ts), keyed by `prefixKey`.
import net from 'node:net';

export type IpFamily = 'ipv4' | 'ipv6';

export interface IpRange {
  family: IpFamily;
  /** The network address, canonical (host bits cleared, IPv6 compressed). */
  network: string;
  prefix: number;
  /** What is stored and shown: "10.0.0.0/8", or a bare address for a single host. */
  text: string;
  /** The network address's bytes (4 or 16). */
  bytes: readonly number[];
}

export interface ParsedAddress {
  family: IpFamily;
  bytes: readonly number[];
}

function ipv4Bytes(address: string): number[] {
  return address.split('.').map(Number);
}

function ipv6Bytes(address: string): number[] {
  let text = address;
  const v4Tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4Tail?.[1]) {
    const [a = 0, b = 0, c = 0, d = 0] = ipv4Bytes(v4Tail[1]);
    text = text.slice(0, -v4Tail[1].length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...tailGroups];
  return groups.flatMap((group) => {
    const value = parseInt(group, 16);
    return [value >> 8, value & 0xff];
  });
}

function formatIpv6(bytes: number[]): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  // RFC 5952: compress the longest run (two or more) of zero groups, the first one on a tie.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

function maskBytes(bytes: number[], prefix: number): number[] {
  return bytes.map((byte, index) => {
    const bitsHere = Math.max(0, Math.min(8, prefix - index * 8));
    return byte & ((0xff << (8 - bitsHere)) & 0xff);
  });
}

/** Parse "1.2.3.4", "10.0.0.0/8", "2001:db8::1" or "2001:db8::/32"; undefined when invalid. */
export function parseIpRange(input: string): IpRange | undefined {
  const trimmed = input.trim();
  const slash = trimmed.indexOf('/');
  let address = slash < 0 ? trimmed : trimmed.slice(0, slash);
  const prefixText = slash < 0 ? undefined : trimmed.slice(slash + 1);
  // An IPv4 address seen through an IPv6 socket is the same household: use the IPv4 form.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1] && prefixText === undefined) address = mapped[1];
  else if (mapped) return undefined;
  const kind = net.isIP(address);
  if (kind === 0) return undefined;
  const family: IpFamily = kind === 4 ? 'ipv4' : 'ipv6';
  const bits = family === 'ipv4' ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) return undefined;
  const masked = maskBytes(family === 'ipv4' ? ipv4Bytes(address) : ipv6Bytes(address), prefix);
  const network = family === 'ipv4' ? masked.join('.') : formatIpv6(masked);
  return { family, network, prefix, text: prefix === bits ? network : `${network}/${prefix}`, bytes: masked };
}

/** One address (as the server records it) as bytes; IPv4-mapped IPv6 counts as IPv4. */
export function parseAddress(address: string): ParsedAddress | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const plain = mapped?.[1] ?? address;
  const kind = net.isIP(plain);
  if (kind === 4) return { family: 'ipv4', bytes: ipv4Bytes(plain) };
  if (kind === 6) return { family: 'ipv6', bytes: ipv6Bytes(plain) };
  return undefined;
}

/** Whether a parsed address shares `range`'s first `prefix` bits. */
export function inRange(range: IpRange, address: ParsedAddress): boolean {
  if (range.family !== address.family) return false;
  const whole = range.prefix >> 3;
  for (let i = 0; i < whole; i++) if (range.bytes[i] !== address.bytes[i]) return false;
  const rest = range.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((address.bytes[whole] ?? 0) & mask) === range.bytes[whole];
}

/** Address or network bytes (4 or 16) as 32-bit words, most significant first: a prefix-trie key. */
export function prefixKey(bytes: readonly number[]): Uint32Array {
  const words = new Uint32Array(Math.ceil(bytes.length / 4));
  for (let i = 0; i < bytes.length; i++) {
    const word = i >>> 2;
    words[word] = (((words[word] ?? 0) << 8) | (bytes[i] ?? 0)) >>> 0;
  }
  return words;
}

/** The canonical form of one address (for comparing a typed address with a session's). */
export function canonicalAddress(input: string): string | undefined {
  const range = parseIpRange(input);
  if (!range || range.text.includes('/')) return undefined;
  return range.text;
}

/** Whether `address` (as the server records it) falls inside `range`. */
export function rangeContains(range: IpRange, address: string): boolean {
  const parsed = parseAddress(address);
  return parsed !== undefined && inRange(range, parsed);
}
