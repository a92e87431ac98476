import { config } from '../../../config.js';
import { PackageRegistry } from '../../data-dir/packages.js';
import { CommandError, type CommandSpec } from './types.js';

export const packagesCommand: CommandSpec = {
  name: 'packages',
  usage: 'packages',
  help: 'List issued distribution packages (newest first) with their ids.',
  params: 'words',
  minParams: 0,
  roles: ['root'],
  run({ server, session, id, params }) {
    if (params.length > 0) throw new CommandError('TOO_MANY_ARGUMENTS', 'packages takes no arguments.');
    const { packages, total } = new PackageRegistry(server.store).list(config.packaging.listLimit);
    session.send({ type: 'packages', ref: id, packages, total });
  },
};
