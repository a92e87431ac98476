import { CommandError } from '../command-error.js';
import { rootCommand } from '../table.js';

export const revokeCommand = rootCommand({
  name: 'revoke',
  usage: 'revoke <package-id>',
  help: 'Revoke an issued package: its logins are refused from now on (the passkey stays the same).',
  minParams: 1,
  run({ ctx, member, params }) {
    const packageId = (params[0] ?? '').trim().toLowerCase();
    if (!ctx.packages.revoke(packageId, new Date(ctx.clock.now()))) {
      throw new CommandError('PACKAGE_NOT_FOUND', `No package has the id "${packageId.slice(0, 40)}"; "packages" lists them.`);
    }
    ctx.logger.info('package revoked', { conn: member.session.id, user: member.name, package: packageId });
    // Revocation takes effect at once: sessions that logged in with the package are ended too.
    const users = [...ctx.roster.members()].filter((other) => other.packageId === packageId);
    for (const other of users) other.session.fail('PACKAGE_REVOKED');
    const ended = users.length;
    return { type: 'ack', text: `Package ${packageId} revoked; ${ended === 1 ? '1 session' : `${ended} sessions`} using it ended.` };
  },
});
