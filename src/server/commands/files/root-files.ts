import { wholeNumber } from '../args.js';
import { rootCommand } from '../table.js';

/** Root: the largest and the newest files, with owner and room, and the storage they take. */
export const rootFilesCommand = rootCommand({
  name: 'files',
  usage: 'files [n]',
  help: 'The n (default 10, up to 100) largest and newest files, with owner and room.',
  minParams: 0,
  maxParams: 1,
  run({ ctx, params }) {
    return ctx.files.rootList(params[0] === undefined ? 10 : wholeNumber(params[0], 1, 100, 'n'));
  },
});

/** Root: delete any file (an upload in progress too). */
export const deleteFileCommand = rootCommand({
  name: 'delete-file',
  usage: 'delete-file <id>',
  help: 'Delete a shared file (or an upload in progress) by its id.',
  minParams: 1,
  run({ ctx, member, params }) {
    return ctx.files.deleteAny(member, params[0] ?? '');
  },
});
