// Builds <folder>/plotly-<version>-lab.min.js from entry.js: `npm ci && node build.mjs <folder>`.
// Run scripts/build_plotly.sh, which does both in a fixed folder (see there why) and writes to static/.
// The options are plotly.js's own (its esbuild-config.js); the banner and footer are its UMD wrapper,
// so the file loads like plotly's dist files do.
import { readFileSync } from 'node:fs';
import * as esbuild from 'esbuild';
import { environmentPlugin } from 'esbuild-plugin-environment';
import { glsl } from 'esbuild-plugin-glsl';
import InlineCSSPlugin from 'esbuild-plugin-inline-css';

const { version } = JSON.parse(readFileSync('node_modules/plotly.js/package.json', 'utf8'));
const outfile = `${process.argv[2]}/plotly-${version}-lab.min.js`;

await esbuild.build({
    entryPoints: ['entry.js'],
    outfile,
    format: 'iife',
    globalName: 'Plotly',
    bundle: true,
    minify: true,
    legalComments: 'eof',
    sourcemap: false,
    plugins: [InlineCSSPlugin(), glsl({ minify: true }), environmentPlugin({ NODE_DEBUG: false })],
    alias: { regl: '@plotly/regl', stream: 'stream-browserify' },
    define: { global: 'window', 'define.amd': 'false' },
    target: 'es2016',
    banner: {
        js: [
            '/**',
            `* plotly.js (error-surface-lab: core, bar, contour, surface, scatter3d - minified) v${version}`,
            '* Copyright 2012-2026, Plotly, Inc.',
            '* All rights reserved.',
            '* Licensed under the MIT license',
            '*/',
            '(function (root, factory) {',
            '  if (typeof module === "object" && module.exports) { module.exports = factory(); }',
            '  else { root.moduleName = factory(); }',
            '}(typeof self !== "undefined" ? self : this, () => {',
        ].join('\n'),
    },
    footer: { js: 'window.Plotly = Plotly;\nreturn Plotly;\n}));' },
    logLevel: 'info',
});
console.log(outfile);
