import { PackageRegistry } from '../../data-dir/packages.js';
import { CommandError, type CommandSpec } from './types.js';

export const revokeCommand: CommandSpec = {
  name: 'revoke',
  usage: 'revoke <package-id>',
  help: 'Revoke an issued package: its logins are refused from now on (the passkey stays the same).',
  params: 'words',
  minParams: 1,
  roles: ['root'],
  run({ server, session, id, params }) {
    if (params.length > 1) throw new CommandError('TOO_MANY_ARGUMENTS', 'Usage: revoke <package-id>');
    const packageId = (params[0] ?? '').trim().toLowerCase();
    if (!new PackageRegistry(server.store).revoke(packageId, new Date(server.now()))) {
      throw new CommandError('PACKAGE_NOT_FOUND', `No package has the id "${packageId.slice(0, 40)}"; "packages" lists them.`);
    }
    server.logger.info('package revoked', { conn: session.id, user: session.name, package: packageId });
    // Revocation takes effect at once: sessions that logged in with the package are ended too.
    let ended = 0;
    for (const other of server.activeSessions()) {
      if (other.packageId !== packageId) continue;
      other.fail('PACKAGE_REVOKED');
      ended += 1;
    }
    session.send({ type: 'ack', ref: id, text: `Package ${packageId} revoked; ${ended === 1 ? '1 session' : `${ended} sessions`} using it ended.` });
  },
};
