#!/usr/bin/env node
// The package's command. It sits outside dist/ because npm checks the bin file before prepack
// builds dist/ (npm publish from a fresh clone would warn that it is missing). In the tarball it
// runs the compiled CLI; in a clone, the launcher that first brings dist/ up to date.
import { existsSync } from 'node:fs';

await import(existsSync(new URL('../cli/main.ts', import.meta.url)) ? '../cli/kvparity.mjs' : '../dist/cli/kvparity.mjs');
