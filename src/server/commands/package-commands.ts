// Root commands for issued distribution packages; the server's command table includes them.
import { packagesCommand } from './packages.js';
import { revokeCommand } from './revoke.js';
import type { CommandSpec } from './types.js';

export const packageCommands: readonly CommandSpec[] = [packagesCommand, revokeCommand];
