// `/send` and `/get` read and write files on the person's own computer, so the chat program runs
// them (through file-offer and file-get); they are here so `/help` lists them, and so a program
// that sends them as commands learns why nothing happened.
import { FILES_PROTOCOL_VERSION } from '../../../protocol/files.js';
import { CommandError } from '../command-error.js';
import { command } from '../table.js';

function clientSide(usage: string): never {
  throw new CommandError('INVALID_ARGUMENT', `${usage} runs in the chat program (it reads and writes files on your computer); this program cannot do it.`);
}

export const sendFileCommand = command({
  name: 'send',
  usage: '/send [@name] <path>',
  help: 'Share a file in the current room (or send it to one person); a progress bar shows how it goes.',
  params: 'text',
  minProtocol: FILES_PROTOCOL_VERSION,
  run: () => clientSide('/send'),
});

export const getFileCommand = command({
  name: 'get',
  usage: '/get <id> [dir]',
  help: 'Download a shared file (default: your Downloads folder) and check its SHA-256.',
  params: 'text',
  minProtocol: FILES_PROTOCOL_VERSION,
  run: () => clientSide('/get'),
});
