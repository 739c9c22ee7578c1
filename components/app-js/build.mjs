// Builds app.js into a component of world `app` of the SDK's WIT with
// componentize-js's JavaScript API (its `jco componentize` command fails on a
// local WIT folder with "failed to get path metadata").
//
//   node build.mjs OUT.wasm [WIT_DIR]   (WIT_DIR defaults to ../sdk/wit)
//
// The engine's `fetch` (wasi:http) is left out: the app makes no requests,
// and a host then needs no wasi:http. Its stdio (errors reach stderr),
// clocks and random stay.
import { writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { componentize } from '@bytecodealliance/componentize-js';

const here = dirname(fileURLToPath(import.meta.url));
const [out, wit = resolve(here, '../sdk/wit')] = process.argv.slice(2);
if (!out) {
  console.error('usage: node build.mjs OUT.wasm [WIT_DIR]');
  process.exit(2);
}

const { component } = await componentize({
  sourcePath: resolve(here, 'app.js'),
  witPath: resolve(wit),
  worldName: 'app',
  disableFeatures: ['http', 'fetch-event'],
});
await writeFile(out, component);
