// The import rule (docs/ARCHITECTURE.md), checked by `npm test` (npm run lint:deps):
//
//   main.ts | admin-menu.ts | packaged-main.ts | package-entry.ts   entries: argv, the menu, the exit status
//     -> server | client | root | packaging | gui | admin   the programs; none imports another
//       -> link | data-dir                              shared below them; independent of each other
//         -> protocol | crypto | cli | common           the base; protocol imports only common
//
// Imports only point down (or sideways inside the base, as the rules below allow), and there is
// no cycle anywhere, type-only imports included. config.ts (defaults only) may be imported from
// anywhere. A violation fails the build with the rule's name and the offending import.
const ENTRIES = '^src/(main|admin-menu|packaged-main|package-entry)\\.ts$';
const PROGRAMS = '^src/(server|client|root|packaging|gui|admin)/';
const SHARED = '^src/(link|data-dir)/';
const BASE = '^src/(protocol|crypto|cli|common)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'A cycle between modules is a design bug: one of them must move down.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'entries-are-not-imported',
      comment: 'Only an entry imports an entry (packaged-main uses main\'s subcommand table; main loads the menu, admin-menu).',
      severity: 'error',
      from: { pathNot: ENTRIES },
      to: { path: ENTRIES },
    },
    {
      name: 'programs-do-not-import-each-other',
      comment: 'server, client, root, packaging, gui and admin are siblings: what two of them share belongs in link/, data-dir/ or the base.',
      severity: 'error',
      from: { path: PROGRAMS },
      to: { path: PROGRAMS, pathNot: '^src/$1/' },
    },
    {
      name: 'shared-layer-points-down',
      comment: 'link/ and data-dir/ sit below the programs and the entries.',
      severity: 'error',
      from: { path: SHARED },
      to: { path: [PROGRAMS, ENTRIES] },
    },
    {
      name: 'link-and-data-dir-are-independent',
      comment: 'link/ (the pinned connection of client and root) never reads the server\'s data directory, and data-dir/ never connects.',
      severity: 'error',
      from: { path: SHARED },
      to: { path: SHARED, pathNot: '^src/$1/' },
    },
    {
      name: 'base-points-down',
      comment: 'protocol, crypto, cli and common are the base: they import nothing above them.',
      severity: 'error',
      from: { path: BASE },
      to: { path: [SHARED, PROGRAMS, ENTRIES] },
    },
    {
      name: 'protocol-imports-only-common',
      comment: 'The wire format is pure: it may use common/ and nothing else of ours.',
      severity: 'error',
      from: { path: '^src/protocol/' },
      to: { path: '^src/', pathNot: '^src/(protocol|common)/' },
    },
    {
      name: 'crypto-knows-bytes-only',
      comment: 'crypto/ seals, derives and proves bytes; the formats around them are protocol/\'s, the printing cli/\'s.',
      severity: 'error',
      from: { path: '^src/crypto/' },
      to: { path: '^src/', pathNot: '^src/(crypto|common)/' },
    },
    {
      name: 'common-is-the-bottom',
      comment: 'common/ (errors, settings, logger, paths) imports nothing else of ours.',
      severity: 'error',
      from: { path: '^src/common/' },
      to: { path: '^src/', pathNot: '^src/common/' },
    },
    {
      name: 'cli-uses-only-the-base',
      comment: 'cli/ (prompts, rendering, output) may read wire types and errors, nothing with state or secrets.',
      severity: 'error',
      from: { path: '^src/cli/' },
      to: { path: '^src/', pathNot: '^src/(cli|common|protocol)/' },
    },
    {
      name: 'no-unresolvable-imports',
      comment: 'Every relative import resolves to a file.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(build|node_modules)/' },
    // Type-only imports count: a cycle of types is still a cycle of meaning.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
