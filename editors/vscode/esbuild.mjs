// Bundles src/extension.ts and its dependencies into dist/extension.js.
//   node esbuild.mjs               development build (with a source map)
//   node esbuild.mjs --production  minified, no source map (what `vsce package` ships)
//   node esbuild.mjs --watch
import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const options = {
    entryPoints: ['src/extension.ts'],
    bundle: true,
    outfile: 'dist/extension.js',
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    external: ['vscode'],
    minify: production,
    sourcemap: production ? false : 'linked',
    sourcesContent: false,
    legalComments: production ? 'eof' : 'inline',
    logLevel: 'info',
};

if (watch) {
    const ctx = await esbuild.context(options);
    await ctx.watch();
} else {
    await esbuild.build(options);
}
