// Bundles with esbuild. `app`: web/dist/{index.html,app.js,app.css}, what
// dots-server serves. `unit` and `browser`: the TypeScript tests as .mjs
// files under test-results/, for node's test runner.

import * as esbuild from 'esbuild';
import { copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = join(dirname(fileURLToPath(import.meta.url)), '..');
const what = process.argv[2];

async function testEntries(dir) {
  const names = await readdir(join(web, dir));
  return names.filter((n) => n.endsWith('.ts')).map((n) => join(web, dir, n));
}

async function buildTests(dir, out, entries) {
  await rm(join(web, out), { recursive: true, force: true });
  await esbuild.build({
    entryPoints: entries,
    outdir: join(web, out),
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'inline',
    logLevel: 'warning',
  });
}

if (what === 'app') {
  const dist = join(web, 'dist');
  await rm(dist, { recursive: true, force: true });
  await mkdir(dist, { recursive: true });
  const common = {
    outdir: dist,
    bundle: true,
    target: ['chrome109', 'firefox115', 'safari16'],
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
  };
  await esbuild.build({ ...common, entryPoints: { app: join(web, 'src/main.ts') }, format: 'esm', sourcemap: true });
  await esbuild.build({ ...common, entryPoints: { app: join(web, 'src/app.css') } });
  await copyFile(join(web, 'src/index.html'), join(dist, 'index.html'));
  console.log('built dist/index.html, dist/app.js, dist/app.css');
} else if (what === 'unit') {
  await buildTests('tests/unit', 'test-results/unit', await testEntries('tests/unit'));
} else if (what === 'browser') {
  // Only the entry points: the harness is bundled into each of them.
  const entries = (await testEntries('tests/browser')).filter(
    (f) => f.endsWith('.test.ts') || f.endsWith('screenshots.ts'),
  );
  await buildTests('tests/browser', 'test-results/browser', entries);
} else {
  console.error('usage: node scripts/build.mjs app|unit|browser');
  process.exit(2);
}
