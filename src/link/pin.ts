// Reaching the server: a TLS 1.3 connection whose certificate key must match a pinned
// fingerprint (the certificate is self-signed; the pin is the trust). Addresses are tried in order.
import tls from 'node:tls';
import { config } from '../../config.js';
import { PartyPoolError } from '../common/errors.js';
import { connectErrorText } from '../cli/error-text.js';
import { fingerprintOfPeer, fingerprintsMatch } from '../crypto/fingerprint.js';
import { parseHostPort, type HostPort } from '../protocol/address.js';

export type ServerTarget = HostPort;

export interface PinnedTarget {
  targets: ServerTarget[];
  /** Accepted key fingerprints: the current one, and optionally the server's next key. */
  fingerprints: string[];
}

/** Read "host:port", "[v6]:port" or a bare host (default port); a USAGE error otherwise. */
export function parseTarget(text: string, defaultPort: number = config.port): ServerTarget {
  const target = parseHostPort(text, defaultPort);
  if (!target) throw new PartyPoolError('USAGE', `"${text}" is not a server address; use HOST:PORT.`);
  return target;
}

function connectOnce(target: ServerTarget, fingerprints: string[], timeoutMs: number): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: target.host,
      port: target.port,
      minVersion: 'TLSv1.3',
      maxVersion: 'TLSv1.3',
      // The certificate is self-signed; trust comes from the pinned key fingerprint below.
      rejectUnauthorized: false,
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new PartyPoolError('CONNECT_FAILED', connectErrorText(target.host, target.port, 'TIMEOUT', timeoutMs)));
    }, timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const peer = socket.getPeerCertificate(false);
      const actual = peer.raw ? fingerprintOfPeer(peer.raw) : '';
      if (!fingerprints.some((expected) => fingerprintsMatch(expected, actual))) {
        socket.destroy();
        reject(
          new PartyPoolError(
            'IDENTITY_MISMATCH',
            `The server at ${target.host}:${target.port} presented key ${actual || '(none)'}, not the pinned ${fingerprints[0] ?? '(none)'}. ` +
              'Someone may be intercepting the connection, or the server got a new key; check the fingerprint with the admin (or ask for a new package).',
          ),
        );
        return;
      }
      resolve(socket);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      // ECONNRESET: the server closes a connection before the TLS handshake when an address opens too many.
      reject(new PartyPoolError('CONNECT_FAILED', connectErrorText(target.host, target.port, error.code), { cause: error }));
    });
  });
}

/**
 * Try each address in order; the first that answers with a pinned key wins. When none does, one
 * address's sentence is the error; several are listed, each with why it failed.
 */
export async function openPinnedConnection(pin: PinnedTarget, timeoutMs: number = config.client.connectTimeoutMs): Promise<tls.TLSSocket> {
  const failures: Error[] = [];
  for (const target of pin.targets) {
    try {
      return await connectOnce(target, pin.fingerprints, timeoutMs);
    } catch (error) {
      // An identity mismatch is never "try the next address": it is an answer.
      if (error instanceof PartyPoolError && error.code === 'IDENTITY_MISMATCH') throw error;
      failures.push(error instanceof Error ? error : new Error(String(error)));
    }
  }
  const [only] = failures;
  if (failures.length === 1 && only) throw only;
  if (failures.length === 0) throw new PartyPoolError('CONNECT_FAILED', 'There is no address to connect to.');
  throw new PartyPoolError('CONNECT_FAILED', `None of the server's ${failures.length} addresses answered: ${failures.map((error) => error.message).join(' ')}`, { cause: failures.at(-1) });
}
