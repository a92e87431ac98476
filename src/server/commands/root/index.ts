// The root console's commands (roles ['root']): one file each, registered here. Other features
// add their own root arrays beside this one in the server's command table.
import type { CommandSpec } from '../types.js';
import { banCommand } from './ban.js';
import { bansCommand } from './bans.js';
import { cancelShutdownCommand } from './cancel-shutdown.js';
import { closeServerCommand } from './close-server.js';
import { rootExitCommand } from './exit.js';
import { rootHelpCommand, rootListCommand } from './help.js';
import { listConnCommand } from './list-conn.js';
import { lockdownCommand } from './lockdown.js';
import { removeCommand } from './remove.js';
import { requestsCommand } from './requests.js';
import { sendCommand } from './send.js';
import { statsCommand } from './stats.js';
import { unbanCommand } from './unban.js';

export const rootCommands: readonly CommandSpec[] = [
  rootListCommand,
  rootHelpCommand,
  listConnCommand,
  removeCommand,
  sendCommand,
  closeServerCommand,
  cancelShutdownCommand,
  banCommand,
  unbanCommand,
  bansCommand,
  requestsCommand,
  statsCommand,
  lockdownCommand,
  rootExitCommand,
];
