#!/usr/bin/env node
// kvparity's command line. The kit runs as compiled JavaScript, never through a TypeScript loader:
// in the installed package this file is dist/cli/kvparity.mjs and runs the compiled CLI beside it;
// in a clone it is cli/kvparity.mjs, beside the TypeScript sources, and first brings dist/ up to
// date with them (scripts/build.mjs compiles what changed since the last command, usually nothing).
import { existsSync } from 'node:fs';

const inClone = existsSync(new URL('./main.ts', import.meta.url));
if (inClone) {
  try {
    await (await import('../scripts/build.mjs')).build();
  } catch (error) {
    process.stderr.write(`kvparity: cannot compile the sources into dist/: ${/** @type {Error} */ (error).message}\n`);
    process.exit(1);
  }
}
const { commandLine } = await import(inClone ? '../dist/cli/main.js' : './main.js');
await commandLine(process.argv.slice(2));
