// The key a stranger is counted under: one household is one key, however many addresses it has.
import { parseIpRange } from './ip-range.js';

/**
 * The server's own machine. Per-address limits are about strangers on the network: whoever runs
 * programs here could fill the disk or the slots without the server's help, and the admin's own
 * tools (and tests, and benchmarks) run here. Counted by name, never by this address.
 */
export const LOCAL_ADDRESSES: ReadonlySet<string> = new Set(['127.0.0.1', '::1']);

/** The IPv4 address, or the IPv6 /64 (one household's prefix). */
export function rateKey(address: string): string {
  if (!address.includes(':')) return address;
  return parseIpRange(`${address}/64`)?.text ?? address;
}
