import { rootCommand } from '../table.js';

export const packagesCommand = rootCommand({
  name: 'packages',
  usage: 'packages',
  help: 'List issued distribution packages (newest first) with their ids.',
  run({ ctx }) {
    const { packages, total } = ctx.packages.list(ctx.limits.packagesListed);
    return { type: 'packages', packages, total };
  },
});
