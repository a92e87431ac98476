// What the status panel and the package menu know about this machine's network: which addresses
// a server listening on a host is reachable at, and from where (this machine, the LAN, the
// internet); whether a host and port can be listened on at all; and, only when the admin named a
// service for it, the public IPv4 (no outside service is asked by default).
import net from 'node:net';
import os from 'node:os';

/**
 * Ask the plain-text "what is my IP" service the admin named (PARTY_POOL_PUBLIC_IP_URL); an
 * empty URL (the default) asks nobody. Any failure or timeout yields undefined.
 */
export async function lookupPublicIPv4(url: string, timeoutMs: number): Promise<string | undefined> {
  if (!url) return undefined;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) return undefined;
    const text = (await response.text()).trim();
    return /^\d{1,3}(\.\d{1,3}){3}$/.test(text) ? text : undefined;
  } catch {
    return undefined;
  }
}

/** Container, VM and VPN bridges: addresses friends on the LAN usually cannot reach. */
export function isLikelyVirtualInterface(name: string): boolean {
  return /^(docker|br-|veth|virbr|vmnet|vboxnet|lxc|lxd|cni|flannel|cali|tun|tap|wg|zt|utun|podman|vEthernet)/i.test(name);
}

/** Where an address can be reached from. */
export type AddressScope = 'loopback' | 'lan' | 'public' | 'link-local' | 'virtual';

export interface ReachableAddress {
  address: string;
  scope: AddressScope;
  interface?: string;
  mac?: string;
}

export interface Reachability {
  /** Only programs on this machine can connect (the server listens on loopback). */
  loopbackOnly: boolean;
  /** Every address the server answers at, this machine's own (loopback) first. */
  addresses: ReachableAddress[];
}

function ipv4Number(address: string): number {
  return address.split('.').reduce((value, part) => value * 256 + Number(part), 0);
}

function inRange(address: string, base: string, bits: number): boolean {
  const size = 2 ** (32 - bits);
  return Math.floor(ipv4Number(address) / size) === Math.floor(ipv4Number(base) / size);
}

/** Where an IP address is reachable from, judged by its range alone. */
export function addressScope(address: string): AddressScope {
  if (net.isIPv4(address)) {
    if (inRange(address, '127.0.0.0', 8)) return 'loopback';
    if (inRange(address, '169.254.0.0', 16)) return 'link-local';
    // Private ranges (RFC 1918) and carrier-grade NAT (RFC 6598): reachable inside a network, not from the internet.
    if (inRange(address, '10.0.0.0', 8) || inRange(address, '172.16.0.0', 12) || inRange(address, '192.168.0.0', 16) || inRange(address, '100.64.0.0', 10)) return 'lan';
    return 'public';
  }
  const lower = address.toLowerCase();
  if (lower === '::1') return 'loopback';
  if (/^fe[89ab]/.test(lower)) return 'link-local';
  if (/^f[cd]/.test(lower)) return 'lan';
  if (lower.startsWith('::ffff:') && net.isIPv4(lower.slice(7))) return addressScope(lower.slice(7));
  return 'public';
}

/** Whether a listen host means "this machine only". */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || (net.isIP(host) !== 0 && addressScope(host) === 'loopback');
}

/**
 * The addresses a server listening on `host` answers at, and from where. 0.0.0.0 is every IPv4
 * interface; :: every interface, IPv6 included; a loopback host only this machine; an address of
 * one interface only that one. A host name is taken as the admin gave it.
 */
export function reachableAddresses(host: string, interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces()): Reachability {
  if (isLoopbackHost(host)) return { loopbackOnly: true, addresses: [{ address: host === 'localhost' ? '127.0.0.1' : host, scope: 'loopback' }] };
  const every = host === '0.0.0.0' || host === '::' || host === '';
  const families = host === '::' ? ['IPv4', 'IPv6'] : ['IPv4'];
  const found: ReachableAddress[] = [];
  for (const [name, entries] of Object.entries(interfaces)) {
    for (const entry of entries ?? []) {
      if (entry.internal || !families.includes(entry.family)) continue;
      if (!every && entry.address !== host) continue;
      const scope = addressScope(entry.address);
      if (scope === 'link-local') continue;
      found.push({ address: entry.address, scope: scope !== 'loopback' && isLikelyVirtualInterface(name) ? 'virtual' : scope, interface: name, mac: entry.mac });
    }
  }
  if (!every) {
    if (found.length === 0) found.push({ address: host, scope: net.isIP(host) ? addressScope(host) : 'lan' });
    return { loopbackOnly: false, addresses: found };
  }
  return { loopbackOnly: false, addresses: [{ address: host === '::' ? '::1' : '127.0.0.1', scope: 'loopback' }, ...found] };
}

/** Why a host cannot be listened on, before trying: text that looks like an IPv4 address but is not one. */
export function hostProblem(host: string): string | undefined {
  if (/^\d+(\.\d+){3}$/.test(host) && !net.isIPv4(host)) return `${host} is not an IP address (each of its four numbers must be 0-255)`;
  if (/\s/.test(host) || host.length === 0) return `"${host}" is not a host name or address`;
  return undefined;
}

export type ListenCheck = { ok: true } | { ok: false; code: string };

/**
 * Whether `host:port` can be listened on right now: listen, then close at once. `code` is the
 * system's reason (EADDRINUSE, EACCES, EADDRNOTAVAIL, ENOTFOUND, …) or HOST_INVALID.
 */
export async function checkListen(host: string, port: number): Promise<ListenCheck> {
  if (hostProblem(host)) return { ok: false, code: 'HOST_INVALID' };
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve({ ok: false, code: error.code ?? 'EINVAL' }));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve({ ok: true })));
  });
}

/**
 * Why listening on host:port failed, as a sentence that blames the right setting. `how` says
 * how to change a setting where the error is read ("--port or PARTY_POOL_PORT"); the menu offers
 * its own fixes instead.
 */
export function listenFailureText(host: string, port: number, code: string | undefined, how: { port: string; host: string } = { port: '--port (or PARTY_POOL_PORT)', host: '--host (or PARTY_POOL_HOST)' }): string {
  const at = `Cannot listen on ${host.includes(':') ? `[${host}]` : host}:${port}`;
  switch (code) {
    case 'EADDRINUSE':
      return `${at}: port ${port} is already in use by another program (another server?). Choose another port with ${how.port}.`;
    case 'EACCES':
    case 'EPERM':
      return `${at}: ports below 1024 need administrator rights. Choose a port from 1024 up with ${how.port}.`;
    case 'HOST_INVALID':
      return `${at}: ${hostProblem(host) ?? `"${host}" is not a usable host`}. Use 0.0.0.0 (every network) or 127.0.0.1 (this machine only) with ${how.host}.`;
    case 'EADDRNOTAVAIL':
      return `${at}: ${host} is not an address of this machine. Use 0.0.0.0 (every network), 127.0.0.1 (this machine only) or one of this machine's addresses with ${how.host}.`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return `${at}: there is no host called "${host}". Use 0.0.0.0 (every network) or 127.0.0.1 (this machine only) with ${how.host}.`;
    default:
      return `${at}${code ? ` (${code})` : ''}. Check ${how.host} and ${how.port}.`;
  }
}
