import { rootCommand, type CommandSpec } from '../table.js';

function listing(name: 'help' | 'list'): CommandSpec {
  return rootCommand({
    name,
    usage: name,
    help: 'List the root commands.',
    run({ ctx, member }) {
      return { type: 'help', commands: ctx.listCommands(member.role).map((c) => ({ usage: c.usage.replace(/^\//, ''), help: c.help })) };
    },
  });
}

export const rootHelpCommand = listing('help');
export const rootListCommand = listing('list');
