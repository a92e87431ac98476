import { noMoreThan, rootCommand } from './define.js';
import type { CommandSpec } from '../types.js';

function listing(name: 'help' | 'list'): CommandSpec {
  return rootCommand({
    name,
    usage: name,
    help: 'List the root commands.',
    minParams: 0,
    run({ server, session, params }) {
      noMoreThan(params, 0, name);
      return { reply: { type: 'help', commands: server.commandsFor(session.role).map((c) => ({ usage: c.usage.replace(/^\//, ''), help: c.help })) } };
    },
  });
}

export const rootHelpCommand = listing('help');
export const rootListCommand = listing('list');
