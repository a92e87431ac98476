// The one list: every message type and every command the server answers. The dispatcher
// (table.ts) enforces each entry's policy; `help` lists the commands from here.
import { accountFinishMessage } from './accounts/account-finish.js';
import { accountRecordMessage } from './accounts/account-record.js';
import { deleteUserCommand } from './accounts/delete-user.js';
import { nickCommand } from './accounts/nick.js';
import { passwordCommand } from './accounts/password.js';
import { registerCommand } from './accounts/register.js';
import { usersCommand } from './accounts/users.js';
import { historyCommand } from './chat/history.js';
import { publicCommand } from './chat/public.js';
import { sayMessage } from './chat/say.js';
import { authMessage } from './connection/auth.js';
import { byeMessage } from './connection/bye.js';
import { helloMessage } from './connection/hello.js';
import { filesCommand } from './files/files.js';
import { deleteFileCommand, rootFilesCommand } from './files/root-files.js';
import { fileCancelMessage, fileChunkMessage, fileGetMessage, fileInfoMessage, fileOfferMessage } from './files/transfer-messages.js';
import { unshareCommand } from './files/unshare.js';
import { pingMessage } from './connection/ping.js';
import { pongMessage } from './connection/pong.js';
import { blockCommand } from './direct/block.js';
import { blockedCommand } from './direct/blocked.js';
import { devicesGetMessage } from './direct/devices-get.js';
import { devicesCommand } from './direct/devices.js';
import { directAckMessage } from './direct/direct-ack.js';
import { directMessage } from './direct/direct.js';
import { unblockCommand } from './direct/unblock.js';
import { exitCommand } from './general/exit.js';
import { helpCommand } from './general/help.js';
import { ipCommand } from './general/ip.js';
import { onlineCommand } from './general/online.js';
import { requestCommand } from './general/request.js';
import { packagesCommand } from './packages/packages.js';
import { revokeCommand } from './packages/revoke.js';
import { createCommand } from './rooms/create.js';
import { deleteCommand } from './rooms/delete.js';
import { inviteCommand } from './rooms/invite.js';
import { joinCommand } from './rooms/join.js';
import { kickCommand } from './rooms/kick.js';
import { leaveCommand } from './rooms/leave.js';
import { roomsCommand } from './rooms/rooms.js';
import { switchCommand } from './rooms/switch.js';
import { whoCommand } from './rooms/who.js';
import { banCommand } from './root/ban.js';
import { bansCommand } from './root/bans.js';
import { cancelShutdownCommand } from './root/cancel-shutdown.js';
import { closeServerCommand } from './root/close-server.js';
import { rootExitCommand } from './root/exit.js';
import { rootHelpCommand, rootListCommand } from './root/help.js';
import { listConnCommand } from './root/list-conn.js';
import { lockdownCommand } from './root/lockdown.js';
import { removeCommand } from './root/remove.js';
import { requestsCommand } from './root/requests.js';
import { sendCommand } from './root/send.js';
import { statsCommand } from './root/stats.js';
import { unbanCommand } from './root/unban.js';
import { clearDelayCommand } from './root/clear-delay.js';
import type { CommandSpec, MessageSpec } from './table.js';

/** Every client message type but `command`. */
export const messageSpecs: readonly MessageSpec[] = [
  helloMessage,
  authMessage,
  pingMessage,
  pongMessage,
  byeMessage,
  sayMessage,
  // Protocol 3: the steps of an OPAQUE exchange (issue 11).
  accountFinishMessage,
  accountRecordMessage,
  // Direct messages (protocol 3).
  directMessage,
  directAckMessage,
  devicesGetMessage,
  // File sharing (protocol 3).
  fileOfferMessage,
  fileChunkMessage,
  fileInfoMessage,
  fileGetMessage,
  fileCancelMessage,
];

/** Every command, in the order `help` lists them. */
export const commandSpecs: readonly CommandSpec[] = [
  // Everyone (protocol 1).
  helpCommand,
  onlineCommand,
  ipCommand,
  requestCommand,
  exitCommand,
  // Rooms, accounts and history (protocol 2); kick, delete, rooms and who also serve root.
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
  // Direct messages (protocol 3); /msg, /verify and /history @name are the client's own.
  devicesCommand,
  blockCommand,
  unblockCommand,
  blockedCommand,
  // File sharing (protocol 3); /send and /get run in the client, which adds them to /help.
  filesCommand,
  unshareCommand,
  // The root console.
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
  clearDelayCommand,
  rootExitCommand,
  usersCommand,
  deleteUserCommand,
  packagesCommand,
  revokeCommand,
  rootFilesCommand,
  deleteFileCommand,
];
