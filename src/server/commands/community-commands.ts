// The room, account and history commands (issue 5), registered into the server's table.
import { createCommand } from './create.js';
import { deleteUserCommand } from './delete-user.js';
import { deleteCommand } from './delete.js';
import { historyCommand } from './history.js';
import { inviteCommand } from './invite.js';
import { joinCommand } from './join.js';
import { kickCommand } from './kick.js';
import { leaveCommand } from './leave.js';
import { nickCommand } from './nick.js';
import { passwordCommand } from './password.js';
import { publicCommand } from './public.js';
import { registerCommand } from './register.js';
import { roomsCommand } from './rooms.js';
import { switchCommand } from './switch.js';
import type { CommandSpec } from './types.js';
import { usersCommand } from './users.js';
import { whoCommand } from './who.js';

/** User commands for rooms, accounts and history (protocol 2); kick and delete also serve root. */
export const communityCommands: readonly CommandSpec[] = [
  switchCommand,
  publicCommand,
  roomsCommand,
  whoCommand,
  joinCommand,
  leaveCommand,
  createCommand,
  inviteCommand,
  kickCommand,
  deleteCommand,
  historyCommand,
  registerCommand,
  passwordCommand,
  nickCommand,
];

/** Root-only account commands. */
export const accountRootCommands: readonly CommandSpec[] = [usersCommand, deleteUserCommand];
