// Bundle the packaged program (src/package-entry.ts, compiled) and every dependency into one
// CommonJS file with esbuild: a zip bundle runs it with the user's Node, an executable embeds
// it (inside a single-executable application `require` loads only Node's built-in modules).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { PartyPoolError } from '../common/errors.js';

/** The compiled entry of issued packages (build/src/package-entry.js). */
export function packagedEntryPath(): string {
  return fileURLToPath(new URL('../package-entry.js', import.meta.url));
}

/**
 * The packaged program must carry neither the server nor its data directory (native SQLite, the admin's keys) nor
 * the admin's tools (backup, restore, export) nor this builder: main.ts loads those with dynamic import(), which stays a never-taken branch
 * here. A static import of them is a build error rather than a broken package.
 */
function keepServerOut(sourceRoot: string): Plugin {
  const excluded = ['server', 'packaging', 'data-dir', 'admin'].map((dir) => path.join(sourceRoot, dir) + path.sep);
  return {
    name: 'party-pool-keep-server-out',
    setup(builder) {
      builder.onResolve({ filter: /^\.\.?\// }, (args) => {
        const target = path.resolve(args.resolveDir, args.path);
        if (!excluded.some((prefix) => target === prefix || target.startsWith(prefix))) return undefined;
        if (args.kind === 'dynamic-import') return { path: args.path, external: true };
        return { errors: [{ text: `${path.relative(sourceRoot, args.importer)} imports ${args.path} statically; the packaged program must load it with import() or not at all.` }] };
      });
    },
  };
}

/** Write the bundle to `outFile`; esbuild warnings fail the build (they mean a broken package). */
export async function bundlePackagedProgram(outFile: string, banner: string): Promise<void> {
  const entry = packagedEntryPath();
  let result;
  try {
    result = await build({
      entryPoints: [entry],
      outfile: outFile,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      // Zip bundles run on the user's Node (20.19 or newer); executables carry Node 22.
      target: 'node20',
      // Identifiers too (785 KB -> 628 KB); names of functions and classes are kept, so error
      // names and --debug stack traces still read.
      minify: true,
      keepNames: true,
      // paths.ts falls back to the working directory when there is no module URL (a CJS bundle).
      define: { 'import.meta.url': 'undefined' },
      banner: { js: banner },
      logLevel: 'silent',
      plugins: [keepServerOut(path.dirname(entry))],
    });
  } catch (error) {
    throw new PartyPoolError('BUILD_FAILED', `Bundling the program failed: ${error instanceof Error ? error.message.split('\n').slice(0, 3).join(' ') : String(error)}`);
  }
  if (result.warnings.length > 0) {
    const first = result.warnings[0];
    throw new PartyPoolError('BUILD_FAILED', `Bundling the program gave ${result.warnings.length} warning(s), first: ${first?.text ?? '?'} (${first?.location?.file ?? ''}).`);
  }
}
