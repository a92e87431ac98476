// The menu's Generate Distribution Packages questions: what to build, for which systems, and
// which addresses friends' programs should try. Asks only; packaging/issue.ts builds.
import type { CliIo } from './io.js';
import { Output } from './output.js';
import { askCheckbox, askChoice, askConfirm, askText } from './prompts.js';
import { colorFor, makeChalk } from './style.js';

export interface AddressOffer {
  /** How the choice reads, e.g. "192.168.1.20:12345 (private, eth0)". */
  label: string;
  /** host:port */
  address: string;
  checked: boolean;
}

export interface PackageAnswers {
  kind: 'client' | 'root' | 'both';
  platform: 'windows' | 'linux' | 'macos' | 'all';
  addresses: string[];
  note: string;
}

const CUSTOM = '\u0000custom';

function validated(check: (text: string) => unknown): (text: string) => true | string {
  return (text) => {
    try {
      check(text);
      return true;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  };
}

/**
 * Ask what to build. `normaliseAddress` checks a custom host ("HOST" or "HOST:PORT") and
 * returns it as host:port, throwing a sentence when it is unusable. Undefined when declined.
 */
export async function askPackageQuestions(io: CliIo, offers: readonly AddressOffer[], normaliseAddress: (text: string) => string, maxNoteLength: number): Promise<PackageAnswers | undefined> {
  const kind = await askChoice<PackageAnswers['kind']>(io, 'What should be built?', [
    { name: 'Client package', value: 'client', description: 'For friends: chat with a passkey and a name.' },
    { name: 'Root package', value: 'root', description: 'For trusted co-admins: passkey plus the root password.' },
    { name: 'Both', value: 'both' },
  ]);
  const platform = await askChoice<PackageAnswers['platform']>(io, 'For which systems?', [
    { name: 'Windows', value: 'windows', description: 'A .exe that needs nothing installed, plus the zip bundle.' },
    { name: 'Linux', value: 'linux', description: 'An executable that needs nothing installed, plus the zip bundle.' },
    { name: 'macOS', value: 'macos', description: 'The zip bundle (needs Node.js on the Mac).' },
    { name: 'All', value: 'all' },
  ]);
  const picked = await askCheckbox<string>(io, 'Which addresses should the programs try, in this order? (space ticks, enter confirms)', [
    ...offers.map((offer) => ({ name: offer.label, value: offer.address, checked: offer.checked })),
    { name: 'A custom host name (for example a dynamic-DNS name)…', value: CUSTOM },
  ]);
  const addresses = picked.filter((value) => value !== CUSTOM);
  if (picked.includes(CUSTOM)) {
    const custom = await askText(io, 'Host name or address (HOST or HOST:PORT):', { validate: validated(normaliseAddress) });
    addresses.push(normaliseAddress(custom));
  }
  const note = (
    await askText(io, 'A note to remember who it is for (optional):', {
      validate: (text) => (text.length <= maxNoteLength ? true : `At most ${maxNoteLength} characters.`),
    })
  ).trim();
  const c = makeChalk(colorFor(io));
  new Output(io).line(`${c.bold('Build')} ${kind === 'both' ? 'client and root packages' : `a ${kind} package`} for ${platform === 'all' ? 'Windows, Linux and macOS' : platform}, trying ${addresses.join(', ')}.`);
  if (!(await askConfirm(io, 'Build now?'))) return undefined;
  return { kind, platform, addresses: [...new Set(addresses)], note };
}
